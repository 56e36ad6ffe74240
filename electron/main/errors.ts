import type { ErrorCode } from '../../shared/api';

/** An error meant for the clerk: its message says what happened and what to do. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export function notFound(what: string): AppError {
  return new AppError('not_found', `${what} was not found. It may have been merged or removed; search again.`);
}

/** What kind of storage failure an error from SQLite or the file system is, if it is one. */
export type StorageProblem = 'full' | 'read_only' | 'io' | 'cannot_open';

export function storageProblemOf(error: unknown): StorageProblem | null {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return null;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return 'full';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES') return 'read_only';
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') return 'io';
  if (code.startsWith('SQLITE_CANTOPEN')) return 'cannot_open';
  return null;
}

const STORAGE_MESSAGES: Record<StorageProblem, string> = {
  full: 'The disk is full: nothing was saved. Free some space on this computer (or ask IT to), then try again.',
  read_only: 'The data folder cannot be written (it is read-only): nothing was saved. Ask IT to make it writable for this user, then try again.',
  io: 'The computer could not write to its disk: nothing was saved. Try again; if it keeps happening, ask IT to check the disk.',
  cannot_open: 'The database file could not be opened for writing: nothing was saved. Check that the data folder is still there and writable, then try again.',
};

/**
 * A full disk, a read-only folder or a failing disk as an error the clerk can act on (dispatch
 * uses it for every call); null for anything else. The driver's own text is left out: it may
 * quote data.
 */
export function storageFailure(error: unknown): AppError | null {
  if (error instanceof AppError) return null;
  const problem = storageProblemOf(error);
  return problem ? new AppError('storage', STORAGE_MESSAGES[problem], { problem }) : null;
}

/** The same problems met while starting, naming the folder so IT knows where to look. */
export function startupStorageFailure(error: unknown, dataDir: string): AppError | null {
  const problem = storageProblemOf(error);
  if (!problem) return null;
  const messages: Record<StorageProblem, string> = {
    full: `The disk holding ${dataDir} is full, so Family Portal PINs cannot start safely. Free some space, then start the app again.`,
    read_only: `Family Portal PINs cannot write to its data folder ${dataDir} (it is read-only for this user). Ask IT to make it writable, then start the app again.`,
    io: `Family Portal PINs could not write to its data folder ${dataDir} (disk error). Ask IT to check the disk, then start the app again.`,
    cannot_open: `Family Portal PINs could not open its database in ${dataDir}. Check that the folder exists and is writable, then start the app again.`,
  };
  return new AppError('storage', messages[problem], { problem });
}
