import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The workstation's key for PIN fingerprints, kept in a file beside the database (owner-only),
 * not in it: a copied database alone does not let anyone test guesses against fingerprints.
 */
export function loadPinKey(dir: string | null): Buffer {
  if (dir === null) return randomBytes(32);
  const file = path.join(dir, 'pin-fingerprint.key');
  try {
    const key = fs.readFileSync(file);
    if (key.length === 32) return key;
  } catch {
    // first start: create it below
  }
  const key = randomBytes(32);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, key, { mode: 0o600, flag: 'w' });
  return key;
}

export function pinFingerprint(key: Buffer, canonicalPin: string): string {
  return createHmac('sha256', key).update(canonicalPin).digest('base64url');
}
