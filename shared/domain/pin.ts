/**
 * PINs: one-time registration secrets, one per child, redeemed with the child's date of birth.
 * No 0/O or 1/I/L, so a PIN read aloud or from paper cannot be mistyped between look-alikes.
 */
export const PIN_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
/** 9 symbols of 31 = 44.6 bits (8 would be 39.6, under the 40-bit floor). */
export const PIN_LENGTH = 9;
export const PIN_GROUP = 3;
export const PIN_BITS = PIN_LENGTH * Math.log2(PIN_ALPHABET.length);

export type RandomBytes = (length: number) => Uint8Array;

/** Web Crypto's CSPRNG, present in Node 20 and in every browser. */
export const secureRandomBytes: RandomBytes = (length) => globalThis.crypto.getRandomValues(new Uint8Array(length));

/** A new PIN in canonical form (no dashes). Rejection sampling keeps every symbol equally likely. */
export function generatePin(randomBytes: RandomBytes = secureRandomBytes): string {
  const n = PIN_ALPHABET.length;
  const limit = 256 - (256 % n);
  let pin = '';
  while (pin.length < PIN_LENGTH) {
    for (const byte of randomBytes(PIN_LENGTH * 2)) {
      if (byte < limit) pin += PIN_ALPHABET[byte % n];
      if (pin.length === PIN_LENGTH) break;
    }
  }
  return pin;
}

/** "K7QM3XPAZ" → "K7Q-M3X-PAZ", for reading aloud and printing. */
export function formatPin(pin: string): string {
  const canonical = normalizePin(pin) ?? pin;
  const groups: string[] = [];
  for (let i = 0; i < canonical.length; i += PIN_GROUP) groups.push(canonical.slice(i, i + PIN_GROUP));
  return groups.join('-');
}

/**
 * What a parent or clerk typed → canonical PIN, or null when it cannot be one. Case, spaces and
 * dashes are ignored (the incumbent portal's case-sensitive PINs are a known cause of failed
 * registrations). A character outside the alphabet (0, O, 1, I, L...) makes the entry invalid.
 */
export function normalizePin(typed: string): string | null {
  // ASCII only before upper-casing: 'ß'.toUpperCase() is 'SS'.
  if (!/^[A-Za-z0-9\s\-–—_.]*$/.test(typed)) return null;
  const canonical = typed.toUpperCase().replace(/[\s\-–—_.]+/g, '');
  if (canonical.length !== PIN_LENGTH) return null;
  for (const ch of canonical) if (!PIN_ALPHABET.includes(ch)) return null;
  return canonical;
}

// ---- salted hashing ------------------------------------------------------------------------
// PBKDF2-HMAC-SHA-256 through Web Crypto, so the same code runs in the main process, the
// reference portal and tests. Format: pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>.

/**
 * 10,000 rounds: searching all 2^44.6 PINs then costs ~2.6e17 HMAC-SHA-256 rounds, months of a
 * fast GPU per PIN, against a PIN that expires in 30 days; and five PINs hash in ~10 ms, inside
 * the 20 ms a family's issue may take at the desk.
 */
export const PIN_HASH_ITERATIONS = 10_000;
const MAX_PIN_HASH_ITERATIONS = 5_000_000;

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}
function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

async function derive(canonicalPin: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await globalThis.crypto.subtle.importKey('raw', new TextEncoder().encode(canonicalPin), 'PBKDF2', false, ['deriveBits']);
  const bits = await globalThis.crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(salt), iterations }, key, 256);
  return new Uint8Array(bits);
}

export async function hashPin(
  pin: string,
  { iterations = PIN_HASH_ITERATIONS, randomBytes = secureRandomBytes }: { iterations?: number; randomBytes?: RandomBytes } = {},
): Promise<string> {
  const canonical = normalizePin(pin);
  if (canonical === null) throw new RangeError('not a well-formed PIN');
  const salt = randomBytes(16);
  const hash = await derive(canonical, salt, iterations);
  return `pbkdf2-sha256$${iterations}$${toBase64(salt)}$${toBase64(hash)}`;
}

/** Constant-time comparison of what was typed against a stored hash. */
export async function verifyPin(typed: string, stored: string): Promise<boolean> {
  const canonical = normalizePin(typed);
  const [scheme, iter, saltText, hashText] = stored.split('$');
  if (canonical === null || scheme !== 'pbkdf2-sha256' || !iter || !saltText || !hashText) return false;
  const iterations = /^\d{1,8}$/.test(iter) ? Number(iter) : 0;
  // A damaged stored value must fail closed, and never make verification hang.
  if (iterations < 1_000 || iterations > MAX_PIN_HASH_ITERATIONS) return false;
  let expected: Uint8Array;
  let actual: Uint8Array;
  try {
    expected = fromBase64(hashText);
    actual = await derive(canonical, fromBase64(saltText), iterations);
  } catch {
    return false;
  }
  if (actual.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < actual.length; i++) diff |= actual[i]! ^ expected[i]!;
  return diff === 0;
}

/** Masks anything shaped like a PIN in text bound for logs, error messages or the screen. */
export function redactPins(text: string): string {
  return text.replace(/\b[2-9A-HJKMNP-Z]{3}[\s-]?[2-9A-HJKMNP-Z]{3}[\s-]?[2-9A-HJKMNP-Z]{3}\b/gi, (match) =>
    /\d/.test(match) && /[A-Z]/i.test(match) ? '•••-•••-•••' : match,
  );
}

/** A PIN as the app prints and emails it (formatPin): three groups of three symbols. */
const FORMATTED_PIN = /\b[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}\b/g;
export const MASKED_PIN = '•••-•••-•••';

/**
 * Masks every PIN in a message the app wrote (a Welcome email in the mail-drop folder), for people
 * who may read the message but not the PIN: each printed form, whatever its letters, and the
 * forms redactPins catches.
 */
export function maskPinsInMessage(text: string): string {
  return redactPins(text.replace(FORMATTED_PIN, MASKED_PIN));
}
