import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The data key that seals secrets at rest (see envelope.ts). Where it comes from, strongest first:
 * - FPP_DATA_KEY (base64 of 32 bytes), for web mode and tests that bring their own key;
 * - in Electron, a random key wrapped by the operating system's keychain (safeStorage) and kept
 *   in `data-key.safe` in the data folder: the file alone opens nothing;
 * - otherwise a random key in `data.key`, readable only by this user.
 */
export const DATA_KEY_ENV = 'FPP_DATA_KEY';
export const WRAPPED_KEY_FILE = 'data-key.safe';
export const PLAIN_KEY_FILE = 'data.key';

/** The part of Electron's safeStorage the key provider uses (passed in: this file loads without Electron). */
export interface KeyWrapper {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export type DataKeySource = 'environment' | 'os-keychain' | 'key-file' | 'memory';

export interface DataKey {
  key: Buffer;
  source: DataKeySource;
}

export interface DataKeyOptions {
  env?: Record<string, string | undefined>;
  keyWrapper?: KeyWrapper;
}

function keyFromEnvironment(value: string): Buffer {
  const key = Buffer.from(value, 'base64');
  if (key.length !== 32 || key.toString('base64') !== value.replace(/\s+/g, '')) {
    throw new Error(`${DATA_KEY_ENV} must be 32 random bytes in base64 (for example the output of "openssl rand -base64 32").`);
  }
  return key;
}

/** Writes a new owner-only file, or returns false when another process created it first. */
function writeNewPrivateFile(file: string, content: Buffer): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    fs.fchmodSync(fd, 0o600); // exactly 0600 whatever the umask
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

function readPlainKey(file: string): Buffer | null {
  if (!fs.existsSync(file)) return null;
  const key = fs.readFileSync(file);
  if (key.length !== 32) throw new Error(`The data key file ${file} is damaged. Put the original file back, or ask IT for help.`);
  return key;
}

function wrappedKey(dir: string, wrapper: KeyWrapper): Buffer {
  const wrappedFile = path.join(dir, WRAPPED_KEY_FILE);
  const plainFile = path.join(dir, PLAIN_KEY_FILE);
  if (fs.existsSync(wrappedFile)) {
    let key: Buffer;
    try {
      key = Buffer.from(wrapper.decryptString(fs.readFileSync(wrappedFile)), 'base64');
    } catch {
      key = Buffer.alloc(0);
    }
    if (key.length !== 32) {
      throw new Error(`The data key in ${wrappedFile} cannot be unlocked by this user's keychain. Sign in as the user who set up the app, or ask IT for help.`);
    }
    return key;
  }
  // A folder first used by web mode: move its key under the keychain, then remove the plain copy.
  const key = readPlainKey(plainFile) ?? randomBytes(32);
  if (!writeNewPrivateFile(wrappedFile, wrapper.encryptString(key.toString('base64')))) return wrappedKey(dir, wrapper);
  fs.rmSync(plainFile, { force: true });
  return key;
}

function fileKey(dir: string): Buffer {
  const plainFile = path.join(dir, PLAIN_KEY_FILE);
  const existing = readPlainKey(plainFile);
  if (existing) return existing;
  if (fs.existsSync(path.join(dir, WRAPPED_KEY_FILE))) {
    throw new Error(
      `The data in ${dir} is protected by the desktop app's keychain key. Open it with the desktop app, or set ${DATA_KEY_ENV} to the key it was sealed with.`,
    );
  }
  const key = randomBytes(32);
  return writeNewPrivateFile(plainFile, key) ? key : fileKey(dir);
}

/** Loads (or creates, on first start) the key for a data folder; null folder = in-memory database. */
export function loadDataKey(dir: string | null, options: DataKeyOptions = {}): DataKey {
  const fromEnv = (options.env ?? process.env)[DATA_KEY_ENV];
  if (fromEnv) return { key: keyFromEnvironment(fromEnv.trim()), source: 'environment' };
  if (dir === null) return { key: randomBytes(32), source: 'memory' };
  if (options.keyWrapper?.isEncryptionAvailable()) return { key: wrappedKey(dir, options.keyWrapper), source: 'os-keychain' };
  return { key: fileKey(dir), source: 'key-file' };
}
