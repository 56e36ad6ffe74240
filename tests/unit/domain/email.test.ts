import { describe, expect, it } from 'vitest';
import { addressInside, checkMailbox, checkMailboxInFull, usableEmail } from '../../../shared/domain/email';

describe('checkMailbox: one mailbox per field, anything else is no usable email', () => {
  it.each([
    ['maria@example.com', 'maria@example.com'],
    ['  maria@example.com  ', 'maria@example.com'],
    ['first.last+kids@mail.example.org', 'first.last+kids@mail.example.org'],
  ])('accepts %j', (raw, address) => {
    expect(checkMailbox(raw)).toEqual({ ok: true, address });
  });

  it.each([
    [null, 'missing'],
    ['   ', 'missing'],
    ['victim@example.com, attacker@evil.example', 'two_addresses'],
    ['mom@x.com; dad@y.com', 'two_addresses'],
    ['mom@x.com dad@y.com', 'two_addresses'],
    ['victim2@example.com\r\nBcc: spy@evil.example', 'line_break'],
    ['maria@example.com\nx', 'line_break'],
    ['Maria Lopez <maria@example.com>', 'display_name'],
    ['"Maria" maria@example.com', 'display_name'],
    ['maria@@example.com', 'two_at'],
    ['maria@example@com', 'two_at'],
    ['maria.example.com', 'malformed'],
    ['maria@localhost', 'malformed'],
    // One "@" with a comma or a stray space is a broken address, not two of them nor a name.
    ['rosa,perez@gmail.com', 'malformed'],
    ['rosa.perez @gmail', 'malformed'],
    ['maria@example.com;', 'malformed'],
    ['Maria maria@example.com', 'display_name'],
    ['<maria@example.com>', 'display_name'],
    ['mom@x.com;dad@y.com', 'two_addresses'],
    ['mom@x.com,\tdad@y.com', 'two_addresses'],
    ['mom@x.com\tdad@y.com', 'two_addresses'],
    ['maria@example.com\u2028Bcc: spy@evil.example', 'line_break'],
    ['maria@exa\u0000mple.com', 'malformed'],
    ['\u202emaria@example.com', 'malformed'],
  ] as const)('refuses %j as %s', (raw, problem) => {
    const check = checkMailbox(raw);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.problem).toBe(problem);
    expect(usableEmail(raw)).toBeNull();
  });
});

describe('checkMailbox: its common-case shortcut gives the answer of the full rule', () => {
  // The places the shortcut's expression could go wrong: dots, hyphens, the TLD, lengths, the "@".
  it.each([
    'a@b.co',
    'a.b@c.de',
    'a..b@c.de',
    '.a@c.de',
    'a.@c.de',
    'a@-c.de',
    'a@c-.de',
    'a@c..de',
    'a@c.d',
    'a@c.d3',
    'a@c.3de',
    'a@3c.de',
    'a_b+c-d@e-f.gh.ij',
    'a@b_c.de',
    'a@b+c.de',
    'a@.de',
    'a@de.',
    '@c.de',
    'a@c.de ',
    ` ${'x'.repeat(10)}@c.de`,
    `${'x'.repeat(64)}@c.de`,
    `${'x'.repeat(65)}@c.de`,
    `a@${'b'.repeat(63)}.de`,
    `a@${'b'.repeat(64)}.de`,
    'a@b.c-d',
    'A.B@C.DE',
    "o'brien@c.de",
    'a@b.xn--p1ai',
  ])('%j', (raw) => {
    expect(checkMailbox(raw)).toEqual(checkMailboxInFull(raw));
  });

  it('agrees on 20,000 addresses made of the characters that matter', () => {
    // A fixed pseudo-random sequence, so a failure names the same address every run.
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed;
    };
    const alphabet = ['a', 'Z', '0', '.', '-', '_', '+', '@', ' ', ',', "'", '\u00e9'];
    for (let i = 0; i < 20_000; i++) {
      const length = 3 + (next() % 14);
      let raw = '';
      for (let k = 0; k < length; k++) raw += alphabet[next() % alphabet.length];
      if (next() % 2 === 0) raw = `${raw.replace(/@/g, '')}@x${raw.length % 3 === 0 ? '-' : ''}y.${next() % 3 === 0 ? 'c0' : 'com'}`;
      expect(checkMailbox(raw), raw).toEqual(checkMailboxInFull(raw));
    }
  });
});

describe('addressInside: the one address beside a name, for the worklist to suggest', () => {
  it.each([
    ['Maria Lopez <maria@example.com>', 'maria@example.com'],
    ['"Maria" maria@example.com', 'maria@example.com'],
    ['mom@x.com; dad@y.com', null],
    ['victim2@example.com\r\nBcc: spy@evil.example', null],
    ['Maria <maria@@example.com>', null],
  ])('%j → %j', (raw, address) => {
    expect(addressInside(raw)).toBe(address);
  });
});
