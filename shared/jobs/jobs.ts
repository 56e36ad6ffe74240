/**
 * Heavy jobs run in worker threads (issue 14): their kinds, states and what the screens show of
 * them. Migration 010 spells the same lists in its CHECK constraints (migrations never import live code).
 */

export const JOB_KINDS = ['import.apply', 'sync.pull'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/**
 * Jobs that only read the mirror (Bulk PIN readiness, and its exports): shown and cancelled like
 * the others, but with no run record, since they leave nothing behind to resume or roll back (a
 * crash or a cancel: the next screen call reads again). Not in migration 010's list.
 */
export const READ_JOB_KINDS = ['bulk.readiness', 'bulk.export'] as const;
export type ReadJobKind = (typeof READ_JOB_KINDS)[number];

export const JOB_STATES = ['running', 'cancelling', 'cancelled', 'done', 'failed', 'rolled_back'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** A job as the status bar and its screen show it. */
export interface JobView {
  id: string;
  kind: JobKind | ReadJobKind;
  state: JobState;
  rowsDone: number;
  rowsTotal: number;
  /** Set when the job was picked up again after the app stopped in the middle of it. */
  resumed: boolean;
  startedAt: string;
  updatedAt: string;
  /** What happened, in the practice's words (a failure, a cancel, a resume). */
  message: string | null;
}

const KIND_WORDS: Record<JobKind, string> = { 'import.apply': 'Import', 'sync.pull': 'Sync' };
const READ_WORDS: Record<ReadJobKind, { what: string; rows: string }> = {
  'bulk.readiness': { what: 'Bulk PIN readiness', rows: 'patients read' },
  'bulk.export': { what: 'Bulk PIN export', rows: 'rows written' },
};

const isReadJob = (kind: JobKind | ReadJobKind): kind is ReadJobKind => (READ_JOB_KINDS as readonly string[]).includes(kind);

/** "Bulk PIN readiness 40% (80,000 of 200,000 patients read)"; "Bulk PIN export cancelled: nothing was kept". */
function readJobLabel(kind: ReadJobKind, job: Pick<JobView, 'state' | 'rowsDone' | 'rowsTotal'>): string {
  const { what, rows } = READ_WORDS[kind];
  const n = (x: number) => x.toLocaleString('en-US');
  const pct = job.rowsTotal > 0 ? Math.floor((job.rowsDone / job.rowsTotal) * 100) : 0;
  switch (job.state) {
    case 'running':
      return `${what} ${pct}% (${n(job.rowsDone)} of ${n(job.rowsTotal)} ${rows})`;
    case 'cancelling':
      return `${what} stopping`;
    case 'cancelled':
    case 'rolled_back':
      return `${what} cancelled: nothing was kept`;
    case 'done':
      return `${what} finished (${n(job.rowsTotal)} ${rows})`;
    case 'failed':
      return `${what} stopped with a problem; open the Bulk PIN screen again to retry`;
  }
}

/** "Import 40% applied (80,000 of 200,000 rows)"; "Import cancelled: 80,000 of 200,000 rows were applied". */
export function jobLabel(job: Pick<JobView, 'kind' | 'state' | 'rowsDone' | 'rowsTotal' | 'resumed'>): string {
  if (isReadJob(job.kind)) return readJobLabel(job.kind, job);
  const what = KIND_WORDS[job.kind];
  const n = (x: number) => x.toLocaleString('en-US');
  const pct = job.rowsTotal > 0 ? Math.floor((job.rowsDone / job.rowsTotal) * 100) : 0;
  const rows = `${n(job.rowsDone)} of ${n(job.rowsTotal)} rows`;
  switch (job.state) {
    case 'running':
      return `${what} ${pct}% applied (${rows})${job.resumed ? ', resumed after a restart' : ''}`;
    case 'cancelling':
      return `${what} stopping after the current step (${rows} applied)`;
    case 'cancelled':
      // A pull keeps its cursor: the next sync (every five minutes, or Sync now) continues from there.
      return job.kind === 'sync.pull'
        ? `${what} cancelled: ${rows} were applied, each page whole; the next sync continues from there`
        : `${what} cancelled: ${rows} were applied, each family whole`;
    case 'done':
      return `${what} finished (${n(job.rowsTotal)} rows)${job.resumed ? ', resumed after a restart' : ''}`;
    case 'failed':
      return `${what} stopped with a problem after ${rows}`;
    case 'rolled_back':
      return `${what} rolled back: nothing was kept`;
  }
}
