import { create } from 'zustand';
import type { ChecklistItem, ReadinessSummary } from '../../../shared/bulk/api';
import { call } from '../api/client';
import { count } from './bulkWords';

export type ExportKind = 'bulk_pin' | 'exclusions' | 'worklist';

interface ReadinessState {
  summary: ReadinessSummary | null;
  loading: boolean;
  error: string | null;
  /** Checklist items whose answer is being saved. */
  saving: Partial<Record<ChecklistItem, boolean>>;
  checklistError: { item: ChecklistItem; message: string } | null;
  exporting: ExportKind | null;
  exportNote: string | null;
  exportError: string | null;
  /** Counts afresh; the summary on screen stays while it counts. */
  load(): Promise<void>;
  answer(item: ChecklistItem, answer: boolean | null, note: string): Promise<boolean>;
  exportFile(kind: ExportKind): Promise<void>;
}

/** Only the newest count may land: an older, slower answer must not overwrite a newer one. */
let readNumber = 0;
/** Checklist answers are saved one after another, in the order they were given. */
let saveQueue: Promise<unknown> = Promise.resolve();

export const useReadiness = create<ReadinessState>((set, get) => ({
  summary: null,
  loading: false,
  error: null,
  saving: {},
  checklistError: null,
  exporting: null,
  exportNote: null,
  exportError: null,
  async load() {
    const mine = ++readNumber;
    set({ loading: true, error: null });
    try {
      const summary = await call('bulk.readiness', {});
      if (mine === readNumber) set({ summary, loading: false });
    } catch (error) {
      if (mine === readNumber) set({ loading: false, error: (error as Error).message });
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
    set({ exporting: kind, exportNote: null, exportError: null });
    try {
      const result = await call('bulk.export', { kind });
      const lines = `${count(result.rows)} ${result.rows === 1 ? 'row' : 'rows'}`;
      const children =
        result.children === undefined
          ? ''
          : ` (guardians and patients with no Primary Contact, ${count(result.children)} ${result.children === 1 ? 'child' : 'children'})`;
      set({ exporting: null, exportNote: `Saved ${lines}${children} to ${result.file}` });
    } catch (error) {
      set({ exporting: null, exportError: (error as Error).message });
    }
  },
}));
