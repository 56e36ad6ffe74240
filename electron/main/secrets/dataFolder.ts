import fs from 'node:fs';
import path from 'node:path';
import { startupStorageFailure } from '../errors';

/**
 * The data folder holds the patients' mirror and the keys: only this user may read it. Folder
 * 0700 (unless others share it: tightenFolder), every file the app keeps there 0600, set exactly
 * (chmod) whatever the umask was.
 */
const PRIVATE_FILES = ['secrets.json', 'data.key', 'data-key.safe', 'pin-fingerprint.key'];
// '-fhir-staging': a FHIR load's staging file (fhir/stagingFile.ts) and its rollback journal; '-import-terms': an
// import's new patients' search terms while it runs (search/termStager.ts); '-desk-journal': PINs issued while a job
// writes, on their way to the mirror (db/deskJournal.ts), with its WAL.
const DATABASE_SUFFIXES = [
  '',
  '-wal',
  '-shm',
  '-journal',
  '-fhir-staging',
  '-fhir-staging-journal',
  '-import-terms',
  '-import-terms-journal',
  '-desk-journal',
  '-desk-journal-wal',
  '-desk-journal-shm',
];

function chmodIfPresent(target: string, mode: number): void {
  try {
    fs.chmodSync(target, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Missing is fine; a folder this user does not own keeps its mode (the write check decides).
    if (code !== 'ENOENT' && code !== 'EPERM' && code !== 'EROFS') throw error;
  }
}

/** Group or others may write here, or the sticky bit is set (/tmp): a folder shared with others. */
const SHARED_FOLDER_BITS = 0o1022;

/**
 * The folder made owner-only, unless it is shared: others may write to it (a temporary folder such
 * as /tmp, a group's drop folder). Closing one of those would lock its other users out (an app run
 * as root with its data in /tmp made /tmp 0700), so it keeps its mode and only the app's own files
 * in it are tightened (0600: what they hold stays private either way).
 */
function tightenFolder(dir: string): void {
  let mode: number;
  try {
    mode = fs.statSync(dir).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if ((mode & SHARED_FOLDER_BITS) !== 0) return;
  chmodIfPresent(dir, 0o700);
}

/**
 * Creates the folder owner-only and proves it can be written (a full disk or read-only folder is
 * refused here, with a message naming the folder, before anything else is opened).
 */
export function prepareDataFolder(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    tightenFolder(dir);
    const probe = path.join(dir, `.write-check-${process.pid}`);
    const fd = fs.openSync(probe, 'w', 0o600);
    try {
      fs.writeSync(fd, 'ok');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
      fs.rmSync(probe, { force: true });
    }
  } catch (error) {
    throw startupStorageFailure(error, dir) ?? error;
  }
}

/** Tightens the database (and its WAL files) and the key and secret files to 0600. */
export function restrictDataFiles(dir: string, databaseFile: string): void {
  tightenFolder(dir);
  for (const suffix of DATABASE_SUFFIXES) chmodIfPresent(databaseFile + suffix, 0o600);
  for (const name of PRIVATE_FILES) chmodIfPresent(path.join(dir, name), 0o600);
}
