import type { Result } from './api';

/**
 * What the preload exposes as window.api and what web mode's HTTP bridge implements. Kept apart
 * from api.ts so the sandboxed preload bundles no schema library.
 */
export interface Bridge {
  invoke(name: string, input: unknown): Promise<Result<unknown>>;
}

/** The one IPC channel; the call name travels as data and is checked against the contract. */
export const IPC_CHANNEL = 'fpp:invoke';
