import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from '../errors';

/**
 * Values sealed at rest: AES-256-GCM with a fresh 96-bit nonce per value, written as
 * `enc1:<base64(nonce | ciphertext | tag)>`. The purpose (what the value is, e.g. "secret:syncToken")
 * is bound as associated data, so a sealed value cannot be moved into another field unnoticed.
 */
export const SEALED_PREFIX = 'enc1:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface DataCipher {
  seal(plain: string, purpose: string): string;
  open(sealed: string, purpose: string): string;
}

/** Raised when a sealed value cannot be opened: the message names no value, only what to do (the clerk sees it too). */
export class SealedDataError extends AppError {
  constructor(purpose: string) {
    super(
      'internal',
      `An encrypted value (${purpose}) in the data folder could not be decrypted: this computer's data key does not match the one it was sealed with. ` +
        'Put the original key back (data.key, data-key.safe or FPP_DATA_KEY), or ask IT for help.',
    );
    this.name = 'SealedDataError';
  }
}

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SEALED_PREFIX);
}

export function createDataCipher(key: Buffer): DataCipher {
  if (key.length !== 32) throw new Error('The data key must be 32 bytes.');
  const secretKey = Buffer.from(key); // a private copy: callers cannot change it afterwards
  return {
    seal(plain, purpose) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', secretKey, nonce);
      cipher.setAAD(Buffer.from(purpose, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return SEALED_PREFIX + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
    },
    open(sealed, purpose) {
      if (!isSealed(sealed)) throw new SealedDataError(purpose);
      const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64');
      if (raw.length < NONCE_BYTES + TAG_BYTES) throw new SealedDataError(purpose);
      try {
        const decipher = createDecipheriv('aes-256-gcm', secretKey, raw.subarray(0, NONCE_BYTES));
        decipher.setAAD(Buffer.from(purpose, 'utf8'));
        decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
        return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw new SealedDataError(purpose);
      }
    },
  };
}
