import type { Result } from './api';

/**
 * What the preload exposes as window.api and what web mode's HTTP bridge implements. Kept apart
 * from api.ts so the sandboxed preload bundles no schema library.
 */
export interface Bridge {
  invoke(name: string, input: unknown): Promise<Result<unknown>>;
  /**
   * Electron only: print the window through the main process (system dialog, remembered
   * printer). An iframe's print() in Electron can hang or print blank pages; the window in print
   * media shows only the packet, so this prints exactly what react-to-print would.
   */
  print?(): Promise<{ ok: boolean; message?: string }>;
}

/** The one IPC channel; the call name travels as data and is checked against the contract. */
export const IPC_CHANNEL = 'fpp:invoke';
export const PRINT_CHANNEL = 'fpp:print';
