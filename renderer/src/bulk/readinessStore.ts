import { create } from 'zustand';
import type { ChecklistItem, ReadinessSummary } from '../../../shared/bulk/api';
import type { JobView, ReadJobKind } from '../../../shared/jobs/jobs';
import { call } from '../api/client';
import { useSession } from '../app/sessionStore';
import { count } from './bulkWords';

export type ExportKind = 'bulk_pin' | 'exclusions' | 'worklist';

interface ReadinessState {
  summary: ReadinessSummary | null;
  loading: boolean;
  error: string | null;
  /** The Bulk PIN job while it counts (worked out in the background, with progress). */
  job: JobView | null;
  cancelling: boolean;
  /** Checklist items whose answer is being saved. */
  saving: Partial<Record<ChecklistItem, boolean>>;
  checklistError: { item: ChecklistItem; message: string } | null;
  exporting: ExportKind | null;
  /** The export as a job while it is written (records written), and whether a cancel was asked. */
  exportJob: JobView | null;
  exportNote: string | null;
  exportError: string | null;
  /** Counts afresh; the summary on screen stays while it counts. */
  load(): Promise<void>;
  /** Stops the count in progress (nothing is kept; the summary on screen stays). */
  cancel(): Promise<void>;
  answer(item: ChecklistItem, answer: boolean | null, note: string): Promise<boolean>;
  exportFile(kind: ExportKind): Promise<void>;
  cancelExport(): Promise<void>;
}

/** How often the job's progress is read while it counts (the status bar's status, shared). */
const PROGRESS_POLL_MS = 500;

/** Progress comes from the job as the status bar shows it (refreshed with it): `seen` gets the running job of that kind. */
function pollJob(kind: ReadJobKind, seen: (job: JobView) => void): ReturnType<typeof setInterval> {
  const session = useSession.getState();
  return setInterval(() => {
    void session.refreshStatus().then(() => {
      const job = useSession.getState().status?.jobs.find((j) => j.kind === kind && (j.state === 'running' || j.state === 'cancelling'));
      if (job) seen(job);
    });
  }, PROGRESS_POLL_MS);
}

/** Only the newest count may land: an older, slower answer must not overwrite a newer one. */
let readNumber = 0;
/** Checklist answers are saved one after another, in the order they were given. */
let saveQueue: Promise<unknown> = Promise.resolve();

export const useReadiness = create<ReadinessState>((set, get) => ({
  summary: null,
  loading: false,
  error: null,
  job: null,
  cancelling: false,
  saving: {},
  checklistError: null,
  exporting: null,
  exportJob: null,
  exportNote: null,
  exportError: null,
  async load() {
    const mine = ++readNumber;
    set({ loading: true, error: null, job: null, cancelling: false });
    const poll = pollJob('bulk.readiness', (job) => {
      if (mine === readNumber && get().loading) set({ job });
    });
    try {
      const summary = await call('bulk.readiness', {});
      if (mine === readNumber) set({ summary, loading: false, job: null, cancelling: false });
    } catch (error) {
      if (mine === readNumber) set({ loading: false, job: null, cancelling: false, error: (error as Error).message });
    } finally {
      clearInterval(poll);
    }
  },
  async cancel() {
    const { job, cancelling } = get();
    if (!job || cancelling) return;
    set({ cancelling: true });
    try {
      await call('jobs.cancel', { jobId: job.id });
    } catch (error) {
      set({ cancelling: false, error: (error as Error).message });
    }
  },
  answer(item, answer, note) {
    set({ saving: { ...get().saving, [item]: true }, checklistError: null });
    const run = saveQueue.then(async () => {
      try {
        const summary = await call('bulk.setChecklist', { item, answer, note });
        // The answer carries fresh counts too; it is newer than any count still on its way.
        ++readNumber;
        set({ summary, loading: false });
        return true;
      } catch (error) {
        set({ checklistError: { item, message: (error as Error).message } });
        return false;
      } finally {
        set({ saving: { ...get().saving, [item]: false } });
      }
    });
    saveQueue = run;
    return run;
  },
  async exportFile(kind) {
    if (get().exporting) return;
    set({ exporting: kind, exportJob: null, exportNote: null, exportError: null });
    const poll = pollJob('bulk.export', (job) => {
      if (get().exporting) set({ exportJob: job });
    });
    try {
      const result = await call('bulk.export', { kind });
      const lines = `${count(result.rows)} ${result.rows === 1 ? 'row' : 'rows'}`;
      const children =
        result.children === undefined
          ? ''
          : ` (guardians and patients with no Primary Contact, ${count(result.children)} ${result.children === 1 ? 'child' : 'children'})`;
      set({ exporting: null, exportJob: null, exportNote: `Saved ${lines}${children} to ${result.file}` });
    } catch (error) {
      set({ exporting: null, exportJob: null, exportError: (error as Error).message });
    } finally {
      clearInterval(poll);
    }
  },
  async cancelExport() {
    const job = get().exportJob;
    if (job?.state !== 'running') return;
    try {
      set({ exportJob: await call('jobs.cancel', { jobId: job.id }) });
    } catch (error) {
      set({ exportError: (error as Error).message });
    }
  },
}));
