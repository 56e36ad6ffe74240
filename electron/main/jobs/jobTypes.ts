import type { ImportPreview, ImportResult } from '../../../shared/bulk/api';
import type { PictureParams, PictureSummary } from '../../../shared/bulk/picture';

/** What a job tells whoever started it (tests and the bench act on them: events, not sleeps). */
export interface JobEvents {
  /** The job is staged in its run record. */
  started?: (jobId: string) => void;
  /** A transaction committed: rows applied so far. */
  progress?: (jobId: string, rowsDone: number, rowsTotal: number) => void;
}

/** What the job runner (main thread) and its worker threads (electron/main/jobWorker.ts) tell each other. */

/** A job for a worker: start one (with its input), or resume one from its run record. */
export type WorkerJob =
  /** `texts`: keys of long texts left out of `input`, sent after it in slices (lib/textParts.ts). */
  | { kind: 'import.apply'; jobId: string; input: unknown; texts?: string[] }
  | { kind: 'import.resume'; jobId: string }
  /** The import's preview (importer/applyCore.ts previewInThread): read only, no run record; its files sent as the apply's. */
  | { kind: 'import.preview'; jobId: string; input: unknown; texts?: string[] }
  /** A session: the worker answers calls (a pull's pages, search-term slices) until told to stop. */
  | { kind: 'sync.apply'; jobId: string }
  /** A FHIR load's second session: export batches prepared (fhir/stagePrep.ts), then pages assembled on a read-only connection (fhir/assembleReader.ts); no writes. */
  | { kind: 'fhir.prep'; jobId: string }
  /** An import's second worker: its new patients' search terms staged beside its rows (search/termStager.ts). */
  | { kind: 'import.terms'; jobId: string }
  /** The Bulk PIN picture (bulk/pictureWorker.ts): worked out, then pages answered until told to stop. */
  | { kind: 'bulk.picture'; jobId: string; params: PictureParams };

/** A session's call (main → worker) and its answer. */
export type SessionCall = { type: 'call'; id: number; op: string; args: unknown };

export interface JobWorkerData {
  fppJobWorker: true;
  databaseFile: string;
  /** better-sqlite3 built for Electron's ABI: the worker loads the same build as the main connection. */
  nativeBinding?: string;
  job: WorkerJob;
  /** The app connection's DeskTurn counter: the worker lets the desk go first. */
  deskTurn?: SharedArrayBuffer;
  /** How this worker was started (lib/workerEntry.ts WorkerLaunch, its script as a URL string): an import starts its second worker the same way. */
  launch?: { script: string; bootstrap: string | null; ownFlags?: boolean };
}

export type WorkerMessage =
  | { type: 'started'; jobId: string }
  | { type: 'progress'; jobId: string; rowsDone: number; rowsTotal: number }
  /** A session's job is worked out (the Bulk PIN picture's counts); calls may follow. */
  | { type: 'ready'; jobId: string; summary: PictureSummary }
  | { type: 'done'; result: ImportResult | ImportPreview | null }
  | { type: 'failed'; message: string; stack?: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; message: string };
