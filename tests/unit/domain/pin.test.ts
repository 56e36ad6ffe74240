import { beforeAll, describe, it, expect } from 'vitest';
import {
  PIN_ALPHABET,
  PIN_BITS,
  PIN_LENGTH,
  formatPin,
  generatePin,
  maskPinsInMessage,
  hashPin,
  normalizePin,
  verifyPin,
  type RandomBytes,
} from '../../../shared/domain/pin';

const PIN = 'K7QM3XPAZ';
const PIN_SHAPE = /^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{9}$/;

/** A fake random source that plays back the given batches, then zeros, and records each request. */
function scriptedBytes(...batches: number[][]): RandomBytes & { requests: number[] } {
  const queue = batches.map((b) => Uint8Array.from(b));
  const source = ((length: number) => {
    source.requests.push(length);
    return queue.shift() ?? new Uint8Array(length);
  }) as RandomBytes & { requests: number[] };
  source.requests = [];
  return source;
}

describe('PIN alphabet and strength', () => {
  it('has 31 unambiguous symbols and 9 of them give at least 40 bits', () => {
    expect(PIN_ALPHABET).toHaveLength(31);
    expect(new Set(PIN_ALPHABET).size).toBe(PIN_ALPHABET.length);
    expect(PIN_LENGTH).toBe(9);
    expect(PIN_BITS).toBeGreaterThanOrEqual(40);
  });

  it.each(['0', 'O', '1', 'I', 'L'])('the alphabet never contains %j', (ch) => {
    expect(PIN_ALPHABET).not.toContain(ch);
  });
});

describe('generatePin', () => {
  it.each(Array.from({ length: 20 }, (_, i) => i))('a real PIN is 9 symbols of the alphabet (#%i)', () => {
    const pin = generatePin();
    expect(pin).toMatch(PIN_SHAPE);
    expect(pin).not.toMatch(/[01OIL]/);
  });

  it('draws from the injected random source (deterministic)', () => {
    const source = scriptedBytes([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(generatePin(source)).toBe('23456789A');
    expect(source.requests.length).toBeGreaterThan(0);
    expect(generatePin(scriptedBytes([0, 1, 2, 3, 4, 5, 6, 7, 8]))).toBe('23456789A');
  });

  it.each([
    // bytes, PIN: byte b < 248 maps to PIN_ALPHABET[b % 31]
    [[30, 30, 30, 30, 30, 30, 30, 30, 30], 'ZZZZZZZZZ'],
    [[31, 62, 93, 124, 155, 186, 217, 0, 247], '22222222Z'],
    [[9, 14, 30, 11, 1, 29, 21, 8, 30], 'BGZD3YQAZ'],
  ])('bytes %j → %s', (bytes, expected) => {
    expect(generatePin(scriptedBytes(bytes))).toBe(expected);
  });

  it.each([
    ['a whole batch of 255s, then valid bytes', [Array(18).fill(255), [0, 1, 2, 3, 4, 5, 6, 7, 8]]],
    ['several batches of rejected bytes', [Array(18).fill(255), Array(18).fill(248), Array(18).fill(250), [0, 1, 2, 3, 4, 5, 6, 7, 8]]],
    ['rejected bytes (248..255) interleaved', [[248, 0, 249, 1, 250, 2, 251, 3, 252, 4, 253, 5, 254, 6, 255, 7, 255, 8]]],
    [
      'a short batch first',
      [
        [255, 0, 1],
        [2, 3, 4, 5, 6, 7, 8],
      ],
    ],
  ])('rejection sampling: %s', (_label, batches) => {
    expect(generatePin(scriptedBytes(...batches))).toBe('23456789A');
  });

  it('rejection sampling is unbiased: each of the 248 accepted byte values maps to one symbol, 8 per symbol', () => {
    const counts = new Map<string, number>();
    for (let b = 0; b < 256; b++) {
      const first = generatePin(scriptedBytes([b, ...Array(17).fill(0)]))[0]!;
      if (b >= 248) {
        expect(first).toBe('2'); // the rejected byte was skipped; the next byte (0) was used
        continue;
      }
      expect(first).toBe(PIN_ALPHABET[b % 31]);
      counts.set(first, (counts.get(first) ?? 0) + 1);
    }
    expect(counts.size).toBe(31);
    for (const count of counts.values()) expect(count).toBe(8);
  });

  it('10,000 PINs from the secure source are all different', () => {
    const pins = new Set(Array.from({ length: 10_000 }, () => generatePin()));
    expect(pins.size).toBe(10_000);
  });
});

describe('formatPin', () => {
  it.each([
    ['K7QM3XPAZ', 'K7Q-M3X-PAZ'],
    ['k7qm3xpaz', 'K7Q-M3X-PAZ'],
    ['k7q m3x paz', 'K7Q-M3X-PAZ'],
    ['K7Q-M3X-PAZ', 'K7Q-M3X-PAZ'],
    ['23456789A', '234-567-89A'],
  ])('%j → %j', (pin, expected) => {
    expect(formatPin(pin)).toBe(expected);
  });

  it('a generated PIN formats as three groups of three', () => {
    expect(formatPin(generatePin())).toMatch(/^[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}$/);
  });
});

describe('normalizePin', () => {
  it.each([
    ['K7QM3XPAZ'],
    ['k7qm3xpaz'], // lower case
    ['K7q M3x pAz'],
    ['k7q m3x-paz'],
    ['K7Q-M3X-PAZ'], // dashes
    ['K7Q–M3X–PAZ'], // en-dash (word processors, printed slips)
    ['K7Q—M3X—PAZ'], // em-dash
    ['  K7Q  M3X  PAZ  '], // spaces
    ['K7Q\tM3X\nPAZ'],
    ['K7Q_M3X.PAZ'],
  ])('%j → K7QM3XPAZ', (typed) => {
    expect(normalizePin(typed)).toBe(PIN);
  });

  it.each([
    [''],
    ['   '],
    ['K7QM3XPA'], // 8 symbols
    ['K7QM3XPAZZ'], // 10 symbols
    ['K7Q-M3X-PA'],
    ['K7QM3XPA0'], // forbidden look-alikes
    ['K7QM3XPAO'],
    ['K7QM3XPA1'],
    ['K7QM3XPAI'],
    ['K7QM3XPAL'],
    ['k7qm3xpal'], // lower-case l is still L
    ['k7qm3xpao'],
    ['K7QM3XPA!'],
    ['K7QM3XPAÉ'],
    ['K7QM3XPA/'],
  ])('%j → null', (typed) => {
    expect(normalizePin(typed)).toBeNull();
  });

  // 'ß'.toUpperCase() is 'SS': a character outside the alphabet must not slip through that way.
  it.each([['K7QM3XPß'], ['k7qm3xpß']])('%j → null (character outside the alphabet)', (typed) => {
    expect(normalizePin(typed)).toBeNull();
  });
});

describe('hashPin / verifyPin', () => {
  it.each([
    [PIN, PIN, true],
    [PIN, 'k7q m3x-paz', true], // typed differently, same PIN
    [PIN, 'K7Q–M3X–PAZ', true],
    ['k7q-m3x-paz', PIN, true], // hashed from a formatted entry
    [PIN, 'K7QM3XPAY', false], // one symbol off
    [PIN, '23456789A', false],
    [PIN, '', false],
    [PIN, 'K7QM3XPA0', false], // not a well-formed PIN
  ])('hash of %j, verify %j → %s', async (hashed, typed, expected) => {
    const stored = await hashPin(hashed);
    expect(await verifyPin(typed, stored)).toBe(expected);
  });

  it('two hashes of the same PIN differ (salted) and both verify', async () => {
    const [a, b] = await Promise.all([hashPin(PIN), hashPin(PIN)]);
    expect(a).not.toBe(b);
    expect(await verifyPin(PIN, a)).toBe(true);
    expect(await verifyPin(PIN, b)).toBe(true);
  });

  it('takes its salt from the injected random source', async () => {
    const salt = () => new Uint8Array(16).fill(7);
    const a = await hashPin(PIN, { randomBytes: salt });
    const b = await hashPin('k7q-m3x-paz', { randomBytes: salt });
    expect(a).toBe(b);
  });

  it('records scheme and iterations and honours a custom iteration count', async () => {
    expect(await hashPin(PIN)).toMatch(/^pbkdf2-sha256\$10000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    const cheap = await hashPin(PIN, { iterations: 1000 });
    expect(cheap).toMatch(/^pbkdf2-sha256\$1000\$/);
    expect(await verifyPin(PIN, cheap)).toBe(true);
  });

  it.each([PIN, 'K7Q-M3X-PAZ', 'k7qm3xpaz', '23456789A', 'ZZZZZZZZZ'])('the stored hash of %j never contains the PIN', async (pin) => {
    const stored = await hashPin(pin);
    const canonical = normalizePin(pin)!;
    for (const form of [canonical, formatPin(canonical), canonical.toLowerCase()]) expect(stored).not.toContain(form);
  });

  it('the PIN never appears in 200 hashes of generated PINs', async () => {
    for (let i = 0; i < 200; i++) {
      const pin = generatePin();
      const stored = await hashPin(pin, { iterations: 1 });
      expect(stored.toUpperCase()).not.toContain(pin);
    }
  });

  describe('a malformed stored hash verifies as false', () => {
    let good = '';
    beforeAll(async () => {
      good = await hashPin(PIN);
    });

    it.each([
      ['empty', () => ''],
      ['garbage', () => 'garbage'],
      ['the plain PIN itself', () => PIN],
      ['another scheme', () => good.replace('pbkdf2-sha256', 'bcrypt')],
      ['scheme only', () => 'pbkdf2-sha256'],
      ['no salt or hash', () => 'pbkdf2-sha256$10000$'],
      ['no hash', () => `${good.split('$').slice(0, 3).join('$')}$`],
      ['truncated hash', () => good.slice(0, -8)],
      ['hash of the wrong length', () => good.replace(/\$[^$]+$/, '$AAAA')],
      ['different iteration count', () => good.replace('$10000$', '$10001$')],
    ])('%s', async (_label, stored) => {
      expect(await verifyPin(PIN, stored())).toBe(false);
    });

    // A damaged stored hash fails closed instead of throwing.
    it.each([
      ['salt and hash not base64', 'pbkdf2-sha256$10000$!!!$@@@'],
      ['iterations not a number', 'pbkdf2-sha256$abc$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA=='],
      ['zero iterations', 'pbkdf2-sha256$0$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA=='],
      ['negative iterations', 'pbkdf2-sha256$-5$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaA=='],
    ])('%s', async (_label, stored) => {
      await expect(verifyPin(PIN, stored)).resolves.toBe(false);
    });
  });

  it.each(['K7QM3XPA0', 'K7QM3XPA', 'my-secret-pin-1234', 'K7QM3XPAZZ', 'hunter2'])(
    'hashPin(%j) throws a RangeError that does not repeat the input',
    async (typed) => {
      const error = await hashPin(typed).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(RangeError);
      const message = (error as Error).message;
      expect(message).not.toContain(typed);
      expect(message.toUpperCase()).not.toContain(typed.toUpperCase().replace(/[\s-]/g, ''));
    },
  );

  it('hashPin of an empty entry throws', async () => {
    await expect(hashPin('')).rejects.toThrow(RangeError);
  });
});

describe('maskPinsInMessage (the mail-drop viewer for clerks)', () => {
  it.each([
    ['Ana’s PIN: K7Q-M3X-PAZ\nValid until 01/02/2027.', 'Ana’s PIN: •••-•••-•••\nValid until 01/02/2027.'],
    // All letters or all digits: still a PIN when printed in groups.
    ['PIN: ABC-DEF-GHJ.', 'PIN: •••-•••-•••.'],
    ['PIN: 234-567-892', 'PIN: •••-•••-•••'],
    // Typed without dashes, mixed letters and digits (redactPins).
    ['code k7qm3xpaz here', 'code •••-•••-••• here'],
    // Words and dates are left alone.
    ['Please keep this PIN private. Call 617-555-0199 on 2027-01-02.', 'Please keep this PIN private. Call 617-555-0199 on 2027-01-02.'],
    ['Two: K7Q-M3X-PAZ and 9WX-T4R-HJK', 'Two: •••-•••-••• and •••-•••-•••'],
  ])('%j', (text, masked) => {
    expect(maskPinsInMessage(text)).toBe(masked);
  });

  it('masks every PIN the generator can make', () => {
    for (let i = 0; i < 200; i++) {
      const pin = formatPin(generatePin());
      expect(maskPinsInMessage(`PIN: ${pin}.`)).toBe('PIN: •••-•••-•••.');
    }
  });
});
