import fs from 'node:fs';

/**
 * Creates `file` empty and owner-only (0600, whatever the umask) when it is missing, before SQLite
 * opens it: SQLite gives the file's -wal and -shm the same mode. An existing file is left as it is.
 */
export function createOwnerOnlyFile(file: string): void {
  if (fs.existsSync(file)) return;
  const fd = fs.openSync(file, 'a', 0o600);
  fs.fchmodSync(fd, 0o600);
  fs.closeSync(fd);
}
