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
