import { create } from 'zustand';
import type { AuditFilter, AuditFilterOptions, AuditPage, AuditVerification } from '../../../shared/audit/api';
import { call } from '../api/client';
import { useSession } from '../app/sessionStore';

export const AUDIT_PAGE_SIZE = 50;

interface AuditState {
  filter: AuditFilter;
  offset: number;
  page: AuditPage | null;
  options: AuditFilterOptions | null;
  loading: boolean;
  error: string | null;
  exporting: boolean;
  /** "Saved 120 rows to …/audit-log-….csv" after an export. */
  exportNote: string | null;
  exportError: string | null;
  verifying: boolean;
  verification: AuditVerification | null;
  verifyError: string | null;
  /** Loads the filter choices, the last verification and the first page. */
  open(): Promise<void>;
  /** New filters: back to the newest rows. */
  apply(filter: AuditFilter): Promise<void>;
  goTo(offset: number): Promise<void>;
  exportCsv(): Promise<void>;
  verify(): Promise<void>;
}

/** Only the newest read may fill the table. */
let readNumber = 0;

export const useAudit = create<AuditState>((set, get) => {
  async function load(filter: AuditFilter, offset: number) {
    const mine = ++readNumber;
    set({ filter, offset, loading: true, error: null });
    try {
      const page = await call('audit.list', { filter, limit: AUDIT_PAGE_SIZE, offset });
      if (mine === readNumber) set({ page, loading: false });
    } catch (error) {
      if (mine === readNumber) set({ loading: false, error: (error as Error).message });
    }
  }

  return {
    filter: {},
    offset: 0,
    page: null,
    options: null,
    loading: false,
    error: null,
    exporting: false,
    exportNote: null,
    exportError: null,
    verifying: false,
    verification: null,
    verifyError: null,
    async open() {
      set({ exportNote: null, exportError: null, verifyError: null });
      const options = call('audit.filterOptions', {}).then(
        (options) => set({ options }),
        (error: unknown) => set({ error: (error as Error).message }),
      );
      // The check covers every entry there is now (main checks again when entries were added since).
      set({ verifying: true });
      const verification = call('audit.lastVerification', {}).then(
        (verification) => set({ verification, verifying: false }),
        (error: unknown) => set({ verifyError: (error as Error).message, verifying: false }),
      );
      await Promise.all([options, verification, load(get().filter, 0)]);
    },
    apply(filter) {
      set({ exportNote: null, exportError: null });
      return load(filter, 0);
    },
    goTo(offset) {
      return load(get().filter, Math.max(0, offset));
    },
    async exportCsv() {
      if (get().exporting) return;
      set({ exporting: true, exportNote: null, exportError: null });
      try {
        const { file, rows } = await call('audit.export', { filter: get().filter });
        set({ exporting: false, exportNote: `Saved ${rows.toLocaleString('en-US')} ${rows === 1 ? 'row' : 'rows'} to ${file}` });
      } catch (error) {
        set({ exporting: false, exportError: (error as Error).message });
      }
      // The export is itself an audit entry: show it if the newest rows are on screen.
      if (get().offset === 0) await load(get().filter, 0);
    },
    async verify() {
      if (get().verifying) return;
      set({ verifying: true, verifyError: null });
      try {
        set({ verification: await call('audit.verify', {}), verifying: false });
      } catch (error) {
        set({ verifying: false, verifyError: (error as Error).message });
      }
      void useSession.getState().refreshStatus();
      if (get().offset === 0) await load(get().filter, 0);
    },
  };
});
