import fs from 'node:fs';
import path from 'node:path';
import { SECRET_KEYS, type SecretKey } from '../../../shared/settings';
import { isSealed, type DataCipher } from '../crypto/envelope';

/**
 * Secrets (SMTP password, sync token) in `secrets.json` beside the database, never in it. The
 * file is owner-only and each value in it is sealed with the data key (crypto/envelope.ts);
 * a file left in plain text by an earlier version is sealed in place when the store opens.
 */
export interface SecretStore {
  get(key: SecretKey): string | null;
  set(key: SecretKey, value: string | null): void;
}

export const SECRETS_FILE = 'secrets.json';
const purposeOf = (key: string) => `secret:${key}`;

/** Writes an owner-only (0600) file through a temporary file and a rename: readers see the old or the new content, never half. */
export function writePrivateFileAtomically(file: string, content: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    fs.fchmodSync(fd, 0o600);
    fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}

export function fileSecretStore(dir: string | null, cipher: DataCipher): SecretStore {
  const memory = new Map<SecretKey, string>();
  const file = dir === null ? null : path.join(dir, SECRETS_FILE);
  const readSealed = (): Record<string, string> => {
    if (!file) return {};
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return {};
    }
    try {
      const parsed = JSON.parse(text) as unknown;
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, string>) : {};
    } catch {
      throw new Error(`The secrets file ${file} is damaged. Delete it and enter the SMTP password and sync token again in Settings.`);
    }
  };
  const write = (all: Record<string, string>) => writePrivateFileAtomically(file!, JSON.stringify(all));

  if (file) {
    // Seal what an earlier version stored in plain text.
    const stored = readSealed();
    const plain = SECRET_KEYS.filter((key) => typeof stored[key] === 'string' && !isSealed(stored[key]));
    if (plain.length > 0) {
      for (const key of plain) stored[key] = cipher.seal(stored[key]!, purposeOf(key));
      write(stored);
    }
  }

  return {
    get(key) {
      if (!file) return memory.get(key) ?? null;
      const value = readSealed()[key];
      return typeof value === 'string' ? cipher.open(value, purposeOf(key)) : null;
    },
    set(key, value) {
      if (!file) {
        if (value === null) memory.delete(key);
        else memory.set(key, value);
        return;
      }
      const all = readSealed();
      if (value === null) delete all[key];
      else all[key] = cipher.seal(value, purposeOf(key));
      write(all);
    },
  };
}
