import { create } from 'zustand';
import type { SyncProblemList, SyncSummary } from '../../../shared/api';
import { call } from '../api/client';
import { useSession } from '../app/sessionStore';

interface SyncRunState {
  running: boolean;
  summary: SyncSummary | null;
  error: string | null;
  /** Pulls from the practice system now; the status bar shows the progress meanwhile. */
  syncNow(): Promise<void>;
  reset(): void;
}

export const useSyncRun = create<SyncRunState>((set, get) => ({
  running: false,
  summary: null,
  error: null,
  async syncNow() {
    if (get().running) return;
    set({ running: true, summary: null, error: null });
    const refresh = useSession.getState().refreshStatus;
    void refresh();
    try {
      set({ summary: await call('sync.now', {}), running: false });
    } catch (error) {
      set({ error: (error as Error).message, running: false });
    }
    void refresh();
  },
  reset() {
    if (!get().running) set({ summary: null, error: null });
  },
}));

const count = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many: string) => `${count(n)} ${n === 1 ? one : many}`;

/** "Pulled 1,234 rows in 3 pages; 2 removed upstream; 1 kept as changed here (waiting in the outbox)." */
export function describeSync(summary: SyncSummary): string {
  const parts = [`Pulled ${plural(summary.rows, 'row', 'rows')} in ${plural(summary.pages, 'page', 'pages')}`];
  if (summary.tombstones > 0) parts.push(`${plural(summary.tombstones, 'record', 'records')} removed in the practice system`);
  if (summary.keptLocal > 0) {
    parts.push(`${plural(summary.keptLocal, 'record', 'records')} kept as changed here, because that change is still waiting in the outbox`);
  }
  if (summary.setAside > 0) {
    parts.push(`${plural(summary.setAside, 'record', 'records')} set aside because this desk could not read them (see Sync problems below)`);
  }
  if (summary.olderIgnored > 0) {
    parts.push(`${plural(summary.olderIgnored, 'record', 'records')} ignored because they were older than what this desk holds`);
  }
  if (summary.charactersRemoved > 0) {
    parts.push(`${plural(summary.charactersRemoved, 'hidden control character', 'hidden control characters')} removed from names and contact details`);
  }
  return `${parts.join('; ')}. Synced ${new Date(summary.lastSyncAt).toLocaleString()}.`;
}

interface SyncProblemsState {
  list: SyncProblemList | null;
  loading: boolean;
  error: string | null;
  /** Administrators only (main refuses anyone else). */
  load(): Promise<void>;
}

/** Records the pull set aside, for an administrator to take up with the practice system's vendor. */
export const useSyncProblems = create<SyncProblemsState>((set) => ({
  list: null,
  loading: false,
  error: null,
  async load() {
    set({ loading: true, error: null });
    try {
      set({ list: await call('sync.problems', {}), loading: false });
    } catch (error) {
      set({ error: (error as Error).message, loading: false });
    }
  },
}));
