import { create } from 'zustand';
import type { CallInput } from '../../../shared/api';
import type { QualityProblem, WorklistRow } from '../../../shared/bulk/api';
import { call } from '../api/client';

/** Rows per page of the worklist. */
export const WORKLIST_PAGE_SIZE = 100;

export type ContactChanges = NonNullable<CallInput<'bulk.fixContact'>['changes']>;
export type LinkChanges = NonNullable<CallInput<'bulk.fixContact'>['links']>;

/** Which page of which filter the rows on screen belong to. */
export function pageKey(problem: QualityProblem | null, offset: number): string {
  return `${problem ?? 'all'}@${offset}`;
}

interface WorklistState {
  shownFor: string | null;
  rows: WorklistRow[] | null;
  /** Rows matching the filter: guardians, and patients with no Primary Contact. */
  total: number;
  /** Children on those rows. */
  children: number;
  loading: boolean;
  error: string | null;
  /** The row whose Fix form is open. */
  editingKey: string | null;
  savingKey: string | null;
  fixError: { key: string; message: string } | null;
  /** What the last fix did, for the live note. */
  note: string | null;
  /** Reads one page; `quiet` keeps the rows and note on screen while it reads (after a fix). */
  load(problem: QualityProblem | null, offset: number, quiet?: boolean): Promise<void>;
  edit(key: string | null): void;
  fix(row: WorklistRow, changes: ContactChanges, links: LinkChanges, problem: QualityProblem | null, offset: number): Promise<boolean>;
}

/** Only the newest read may fill the list: a slow answer for another filter must not land here. */
let readNumber = 0;

function contactName(row: WorklistRow): string {
  return row.contact ? `${row.contact.firstName} ${row.contact.lastName}`.trim() : 'the Primary Contact';
}

export const useWorklist = create<WorklistState>((set, get) => ({
  shownFor: null,
  rows: null,
  total: 0,
  children: 0,
  loading: false,
  error: null,
  editingKey: null,
  savingKey: null,
  fixError: null,
  note: null,
  async load(problem, offset, quiet = false) {
    const mine = ++readNumber;
    const key = pageKey(problem, offset);
    const same = get().shownFor === key;
    set(quiet && same ? { loading: true } : { loading: true, error: null, note: null, fixError: null, editingKey: same ? get().editingKey : null });
    try {
      const page = await call('bulk.worklist', { ...(problem ? { problem } : {}), limit: WORKLIST_PAGE_SIZE, offset });
      if (mine !== readNumber) return;
      // The open form stays open only while its row is still listed.
      const editingKey = page.rows.some((r) => r.key === get().editingKey) ? get().editingKey : null;
      set({ shownFor: key, rows: page.rows, total: page.total, children: page.children, loading: false, error: null, editingKey });
    } catch (error) {
      if (mine === readNumber) set({ loading: false, error: (error as Error).message });
    }
  },
  edit(key) {
    set({ editingKey: key, fixError: null });
  },
  async fix(row, changes, links, problem, offset) {
    if (get().savingKey || !row.contactId) return false;
    set({ savingKey: row.key, fixError: null, note: null });
    let updated: WorklistRow | null;
    try {
      updated = await call('bulk.fixContact', { contactId: row.contactId, changes, links });
    } catch (error) {
      set({ savingKey: null, fixError: { key: row.key, message: (error as Error).message } });
      return false;
    }
    // Fixed for good, or no longer matching the filter: the row leaves the list; otherwise it shows what is left.
    const leaves = updated === null || updated.problems.length === 0 || (problem !== null && !updated.problems.some((p) => p.code === problem));
    const rows = (get().rows ?? []).flatMap((r) => (r.key !== row.key ? [r] : leaves || !updated ? [] : [updated]));
    const name = updated?.contact ? `${updated.contact.firstName} ${updated.contact.lastName}`.trim() : contactName(row);
    const children = row.children.length === 1 ? row.children[0]!.patientName : `their ${row.children.length} children`;
    const left = updated && !leaves ? ` Still to fix: ${updated.problems.map((p) => p.message).join('; ')}` : '';
    set({
      savingKey: null,
      editingKey: null,
      rows,
      total: leaves ? Math.max(0, get().total - 1) : get().total,
      children: leaves ? Math.max(0, get().children - row.children.length) : get().children,
      note: `Saved ${name}’s details, for ${children}.${left}`,
    });
    // Read the page again: the whole picture is recomputed (a shared email may be fixed for another row too).
    await get().load(problem, offset, true);
    return true;
  },
}));
