import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { writePrivateFileAtomically } from '../secrets/secretStore';

/**
 * One process per data folder (issue 10). Two processes on one mirror would both drain its outbox:
 * every Welcome email sent twice, every enrollment posted twice.
 *
 * The lock is SQLite's own exclusive lock on a small file, `instance.lock`, held by a write
 * transaction that stays open for the life of the process. SQLite takes it with fcntl() on
 * Linux and macOS and LockFileEx() on Windows: the operating system drops it when the process
 * ends, however it ends (kill -9, a crash, a power cut), so a lock left behind by a dead process
 * cannot exist and a restart never has to clean anything up. SQLite also tracks the locks of its
 * own connections inside one process, so a second createApp in the same process is refused too
 * (POSIX locks alone would let it through).
 *
 * `instance.json` beside it says who holds the lock (process, mode, since when, the web address),
 * so a second start can name the running instance. It is information only: the OS lock decides.
 *
 * Nothing in the process may open and close `instance.lock` through another file handle: on
 * POSIX that would silently drop the lock (fcntl locks belong to the process, not the handle).
 */
export const LOCK_FILE = 'instance.lock';
export const HOLDER_FILE = 'instance.json';

/** Who started the process: the Electron app, web mode, or a script or test calling createApp. */
export type InstanceMode = 'electron' | 'web' | 'script';

export interface InstanceHolder {
  pid: number;
  mode: InstanceMode;
  /** ISO time the lock was taken. */
  since: string;
  /** Web mode's address (origin only: the launch code is never written down). */
  address?: string;
}

export interface InstanceLock {
  readonly dataDir: string;
  /** Adds the address a second start should send the user to (web mode, once it listens). */
  announce(address: string): void;
  /** Gives the folder up (idempotent). The OS does the same if the process dies first. */
  release(): void;
}

/** Another process (or another createApp in this one) holds the data folder. */
export class InstanceLockedError extends Error {
  readonly code = 'instance_locked';
  constructor(
    readonly dataDir: string,
    readonly holder: InstanceHolder | null,
    now: Date = new Date(),
  ) {
    super(alreadyRunningMessage(holder, now));
    this.name = 'InstanceLockedError';
  }
}

const MODE_WORDS: Record<InstanceMode, string> = {
  electron: 'the desktop app',
  web: 'web mode',
  script: 'started by a script',
};

/** "10:42" today, "Dec 2, 10:42" another day, in this computer's time zone. */
function sinceWords(since: string, now: Date): string {
  const at = new Date(since);
  if (Number.isNaN(at.getTime())) return '';
  const time = at.toLocaleTimeString('en-US', { hour: '2-digit', minute: '2-digit', hour12: false });
  if (at.toDateString() === now.toDateString()) return time;
  return `${at.toLocaleDateString('en-US', { month: 'short', day: 'numeric' })}, ${time}`;
}

/** The refusal a second start prints or shows. */
export function alreadyRunningMessage(holder: InstanceHolder | null, now: Date = new Date()): string {
  const who = holder
    ? [MODE_WORDS[holder.mode], `process ${holder.pid}`, `since ${sinceWords(holder.since, now)}`, holder.address].filter(Boolean).join(', ')
    : 'another process';
  return `Family Portal PINs is already running on this data folder (${who}). Use that window, or stop it first.`;
}

function parseHolder(text: string): InstanceHolder | null {
  try {
    const value = JSON.parse(text) as Partial<InstanceHolder>;
    if (typeof value.pid !== 'number' || typeof value.since !== 'string' || !(value.mode && value.mode in MODE_WORDS)) return null;
    return { pid: value.pid, mode: value.mode, since: value.since, ...(typeof value.address === 'string' ? { address: value.address } : {}) };
  } catch {
    return null;
  }
}

/** What `instance.json` says about the holder (null when missing or unreadable). */
export function readHolder(dataDir: string): InstanceHolder | null {
  try {
    return parseHolder(fs.readFileSync(path.join(dataDir, HOLDER_FILE), 'utf8'));
  } catch {
    return null;
  }
}

const isBusy = (error: unknown) => {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
};

/**
 * Takes the data folder for this process, or throws InstanceLockedError naming the holder. Call
 * before the database is opened (and before a backup is restored over it).
 */
export function acquireInstanceLock(dataDir: string, options: { mode: InstanceMode; nativeBinding?: string; now?: () => Date }): InstanceLock {
  const now = options.now ?? (() => new Date());
  const file = path.join(dataDir, LOCK_FILE);
  // No busy timeout: a held lock is an answer, not something to wait for.
  const connection = new BetterSqlite3(file, { timeout: 0, nativeBinding: options.nativeBinding });
  try {
    fs.chmodSync(file, 0o600);
    connection.pragma('locking_mode = EXCLUSIVE');
    // Nothing is ever written to this file: no journal file either.
    connection.pragma('journal_mode = MEMORY');
    // Takes the EXCLUSIVE lock at once and keeps it: this transaction never ends while we run.
    connection.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    connection.close();
    if (isBusy(error)) throw new InstanceLockedError(dataDir, readHolder(dataDir), now());
    throw error;
  }
  let holder: InstanceHolder = { pid: process.pid, mode: options.mode, since: now().toISOString() };
  const holderFile = path.join(dataDir, HOLDER_FILE);
  const writeHolder = () => writePrivateFileAtomically(holderFile, `${JSON.stringify(holder)}\n`);
  try {
    writeHolder();
  } catch (error) {
    connection.close();
    throw error;
  }
  let held = true;
  return {
    dataDir,
    announce(address) {
      if (!held) return;
      holder = { ...holder, address };
      writeHolder();
    },
    release() {
      if (!held) return;
      held = false;
      // Ours to remove while we still hold the lock; a later holder writes its own.
      fs.rmSync(holderFile, { force: true });
      connection.close();
    },
  };
}
