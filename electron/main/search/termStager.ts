import fs from 'node:fs';
import type { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { knownTermBlocks, type BlockRuns, type CellShape, type TermSource } from './termMerge';

/**
 * An import's new patients' search terms, staged by a second worker thread while the job's own
 * worker writes their rows (issue 14). The job knows, before its first transaction, which
 * patients it will insert and with what values (importer/applyChunks.ts predicts them as its
 * reconcile names them); computing and sorting their terms was about 8 s of a 34 s apply at
 * 200,000 patients, after the rows, on the one core the job had. Here that work runs on the other
 * core beside the rows, into a file of its own beside the mirror (`<mirror>-import-terms`: the
 * mirror's lock is never taken, and the writer's temporary tables are per connection); the job
 * attaches the file once its rows are in and adds the terms cell by cell as before
 * (search/termMerge.ts mergeStaged).
 *
 * The file is scratch: it syncs nothing, keeps no journal, and is deleted when the job ends. A
 * crash leaves it behind, and the next import deletes it first (the resumed job stages its terms
 * the old way, on its own connection).
 */

export const TERMS_STAGE_SCHEMA = 'import_terms_stage';

/** The scratch file of the mirror at `databaseFile`. */
export function termStageFileOf(databaseFile: string): string {
  return `${databaseFile}-import-terms`;
}

/** The scratch file and its journal (none is kept, but a crash of an older build might leave one). */
function termStageFiles(databaseFile: string): string[] {
  const file = termStageFileOf(databaseFile);
  return [file, `${file}-journal`];
}

/**
 * The scratch file removed. One that cannot be removed now (Windows: a handle not yet let go) stays:
 * the next import's stager truncates it when it starts, and a finished job must not fail over it.
 */
export function removeTermStage(databaseFile: string): void {
  for (const file of termStageFiles(databaseFile)) {
    try {
      fs.rmSync(file, { force: true });
    } catch {
      // Left for the next import (above).
    }
  }
}

/** A patient and the values of its terms, as the job will write them. */
export interface KnownPatient {
  id: string;
  source: TermSource;
}

/**
 * Patients as one flat list (id, first, last, chart, birth date, contacts, then five values per
 * contact): a list of strings is copied to the other thread about three times faster than as many
 * objects (200,000 patients: 80 against 180-320 ms of the job's thread).
 */
type Packed = (string | number | null)[];

function pack(patients: readonly KnownPatient[]): Packed {
  const out: Packed = [];
  for (const { id, source } of patients) {
    const p = source.patient;
    out.push(id, p.firstName, p.lastName, p.chartNumber, p.dateOfBirth, source.contacts.length);
    for (const c of source.contacts) out.push(c.firstName, c.lastName, c.email, c.mobilePhone, c.homePhone);
  }
  return out;
}

function unpack(packed: Packed): KnownPatient[] {
  const patients: KnownPatient[] = [];
  const text = (i: number) => packed[i] as string;
  const maybe = (i: number) => packed[i] as string | null;
  for (let i = 0; i < packed.length; ) {
    const id = text(i);
    const patient = { firstName: text(i + 1), lastName: text(i + 2), chartNumber: text(i + 3), dateOfBirth: maybe(i + 4) };
    const count = packed[i + 5] as number;
    i += 6;
    const contacts = [];
    for (let c = 0; c < count; c++, i += 5)
      contacts.push({ firstName: text(i), lastName: text(i + 1), email: maybe(i + 2), mobilePhone: maybe(i + 3), homePhone: maybe(i + 4) });
    patients.push({ id, source: { patient, contacts } });
  }
  return patients;
}

/** What the stager tells the job once every patient is staged. */
export interface StagedBlocks {
  shape: CellShape;
  runs: BlockRuns;
}

export type StagerMessage =
  | { type: 'begin'; count: number; slicesPerBlock: number }
  | { type: 'add'; packed: Packed }
  /** `drop`: patients whose staged terms must go (the job did not insert them after all, or the desk indexed them since). */
  | { type: 'end'; drop: string[] };

export type StagerReply = { type: 'staged'; staged: StagedBlocks } | { type: 'failed'; message: string };

/**
 * The stager's side (a worker thread: jobWorker.ts): the file made (0600: it holds names, dates of
 * birth, email addresses), the patients' terms staged as they come, in id order, block by block.
 */
export function serveTermStager(
  port: { on(event: 'message', listener: (message: StagerMessage) => void): void; postMessage(reply: StagerReply): void },
  databaseFile: string,
  nativeBinding?: string,
): Promise<void> {
  const file = termStageFileOf(databaseFile);
  removeTermStage(databaseFile);
  fs.closeSync(fs.openSync(file, 'w', 0o600));
  fs.chmodSync(file, 0o600);
  const sqlite = new BetterSqlite3(file, { nativeBinding });
  sqlite.pragma('journal_mode = OFF');
  sqlite.pragma('synchronous = OFF');
  let blocks: ReturnType<typeof knownTermBlocks> | null = null;
  return new Promise<void>((resolve) => {
    port.on('message', (message) => {
      if (!sqlite.open) return;
      try {
        if (message.type === 'begin') blocks = knownTermBlocks(sqlite, 'main', message.count, message.slicesPerBlock);
        else if (message.type === 'add') blocks!.add(unpack(message.packed));
        else if (message.type === 'end') {
          const runs = blocks!.end();
          if (message.drop.length > 0) {
            // A full pass over the staged terms (no index by patient): rare, and only the patients named go.
            sqlite.prepare('DELETE FROM import_terms WHERE patient_id IN (SELECT value FROM json_each(?))').run(JSON.stringify(message.drop));
          }
          const staged: StagedBlocks = { shape: blocks!.shape, runs };
          sqlite.close();
          port.postMessage({ type: 'staged', staged });
          resolve();
        }
      } catch (error) {
        sqlite.close();
        port.postMessage({ type: 'failed', message: (error as Error).message });
        resolve();
      }
    });
  });
}

/** The job's side: a stager started on the first `begin`, its file removed at `close`. */
export interface TermStager {
  begin(count: number, slicesPerBlock: number): void;
  /** The next patients, in id order. */
  add(patients: KnownPatient[]): void;
  /** Every patient is sent: the staging ends (without the `drop`ped patients' terms), and the file can be attached. */
  staged(drop: string[]): Promise<StagedBlocks>;
  /** The stager's thread ended and its file removed (whatever happened before). */
  close(): Promise<void>;
  readonly file: string;
}

export function termStager(databaseFile: string, start: () => Worker): TermStager {
  let worker: Worker | null = null;
  let ended: Promise<void> = Promise.resolve();
  let failure: Error | null = null;
  let waiting: { resolve(staged: StagedBlocks): void; reject(error: Error): void } | null = null;
  const fail = (error: Error) => {
    failure ??= error;
    waiting?.reject(error);
    waiting = null;
  };
  const post = (message: StagerMessage) => {
    if (failure) return;
    worker!.postMessage(message);
  };
  return {
    file: termStageFileOf(databaseFile),
    begin(count, slicesPerBlock) {
      let w: Worker;
      try {
        w = start();
      } catch (error) {
        // No second thread here (none can start): the job stages the terms itself (staged() says why).
        fail(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      worker = w;
      ended = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.on('message', (reply: StagerReply) => {
        if (reply.type === 'failed') fail(new Error(`The search-term stager failed: ${reply.message}`));
        else {
          waiting?.resolve(reply.staged);
          waiting = null;
        }
      });
      w.on('error', (error) => fail(error));
      w.on('exit', (code) => fail(new Error(`The search-term stager stopped (exit code ${code}).`)));
      post({ type: 'begin', count, slicesPerBlock });
    },
    add(patients) {
      post({ type: 'add', packed: pack(patients) });
    },
    staged(drop) {
      if (failure) return Promise.reject(failure);
      if (!worker) return Promise.reject(new Error('The search-term stager was not started.'));
      return new Promise<StagedBlocks>((resolve, reject) => {
        waiting = { resolve, reject };
        post({ type: 'end', drop });
      });
    },
    async close() {
      if (worker) {
        await worker.terminate();
        await ended;
      }
      removeTermStage(databaseFile);
    },
  };
}
