import fs from 'node:fs';
import path from 'node:path';
import type { SecretKey } from '../../../shared/settings';

/**
 * Secrets (SMTP password, sync token) in a file readable only by this user, beside the database
 * and never in it. Issue 6 puts the file's contents under Electron's safeStorage.
 */
export interface SecretStore {
  get(key: SecretKey): string | null;
  set(key: SecretKey, value: string | null): void;
}

export function fileSecretStore(dir: string | null): SecretStore {
  const memory = new Map<SecretKey, string>();
  const file = dir === null ? null : path.join(dir, 'secrets.json');
  const read = (): Record<string, string> => {
    if (!file) return Object.fromEntries(memory);
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    } catch {
      return {};
    }
  };
  return {
    get: (key) => read()[key] ?? null,
    set(key, value) {
      if (!file) {
        if (value === null) memory.delete(key);
        else memory.set(key, value);
        return;
      }
      const all = read();
      if (value === null) delete all[key];
      else all[key] = value;
      const temp = `${file}.tmp`;
      fs.writeFileSync(temp, JSON.stringify(all), { mode: 0o600 });
      fs.renameSync(temp, file);
    },
  };
}
