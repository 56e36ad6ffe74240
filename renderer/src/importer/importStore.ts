import { create } from 'zustand';
import type { CallInput } from '../../../shared/api';
import type { ImportColumnMapping, ImportPreview, ImportResult } from '../../../shared/bulk/api';
import type { ImportField, ImportKind } from '../../../shared/import/fields';
import type { JobView } from '../../../shared/jobs/jobs';
import { call } from '../api/client';
import { useSession } from '../app/sessionStore';

/** import.preview takes up to three files: patients, contacts and appointments. */
export const MAX_IMPORT_FILES = 3;
/** The contract's limit on one file (its bytes, sent as base64). */
const MAX_FILE_BYTES = 200_000_000;

interface ChosenFile {
  name: string;
  /** The file's bytes as read from disk, base64: main works out the encoding (never assumed UTF-8). */
  bytes: string;
  /** The administrator confirmed that the file, not UTF-8, reads right as Windows-1252. */
  encoding?: 'windows-1252';
  /** Chosen by the administrator instead of the detected kind. */
  kind?: ImportKind;
  /** Set once the administrator changes a column: then the whole mapping of the file is sent. */
  mapping?: ImportColumnMapping[];
}

/** A file's bytes as base64, read by the browser itself (fast for tens of megabytes). */
function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = typeof reader.result === 'string' ? reader.result : '';
      const comma = url.indexOf(',');
      resolve(comma === -1 ? '' : url.slice(comma + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(file);
  });
}

interface ImportState {
  files: ChosenFile[];
  reading: boolean;
  preview: ImportPreview | null;
  previewing: boolean;
  error: string | null;
  applying: boolean;
  /** The import's job while it applies (from the status): progress and what Cancel stops. */
  job: JobView | null;
  cancelling: boolean;
  applyError: string | null;
  result: ImportResult | null;
  choose(list: File[]): Promise<void>;
  setKind(index: number, kind: ImportKind | null): Promise<void>;
  setMapping(index: number, header: string, field: ImportField | null): Promise<void>;
  /** The administrator checked the names shown: read this file (not UTF-8) as Windows-1252. */
  confirmEncoding(index: number): Promise<void>;
  apply(): Promise<void>;
  /** Stops the import after the transaction it is writing: what was applied stays, each family whole. */
  cancel(): Promise<void>;
  clear(): void;
}

/** How often the screen asks how far the import got while it applies. */
const PROGRESS_POLL_MS = 500;

function inputOf(files: ChosenFile[]): CallInput<'import.preview'> {
  return {
    files: files.map((f) => ({
      name: f.name,
      bytes: f.bytes,
      ...(f.encoding ? { encoding: f.encoding } : {}),
      ...(f.kind ? { kind: f.kind } : {}),
      ...(f.mapping ? { mapping: f.mapping } : {}),
    })),
  };
}

/** Only the newest preview may land: changing two columns quickly must not show the first answer last. */
let previewNumber = 0;

export const useImport = create<ImportState>((set, get) => {
  async function runPreview(files: ChosenFile[]) {
    const mine = ++previewNumber;
    set({ files, previewing: true, error: null, applyError: null, result: null });
    try {
      const preview = await call('import.preview', inputOf(files));
      if (mine === previewNumber) set({ preview, previewing: false });
    } catch (error) {
      if (mine === previewNumber) set({ previewing: false, error: (error as Error).message });
    }
  }

  return {
    files: [],
    reading: false,
    preview: null,
    previewing: false,
    error: null,
    applying: false,
    job: null,
    cancelling: false,
    applyError: null,
    result: null,
    async choose(list) {
      if (get().applying) return;
      const mine = ++previewNumber;
      set({ files: [], preview: null, previewing: false, reading: false, result: null, error: null, applyError: null });
      if (list.length === 0) return;
      if (list.length > MAX_IMPORT_FILES) {
        set({ error: `Choose at most three files (patients, contacts, appointments); ${list.length} were chosen.` });
        return;
      }
      set({ reading: true });
      const files: ChosenFile[] = [];
      for (const file of list) {
        try {
          if (file.size > MAX_FILE_BYTES) {
            set({ reading: false, error: `${file.name} is too large to import in one go (over 200 MB). Export it in parts.` });
            return;
          }
          const bytes = await readBase64(file);
          if (mine !== previewNumber) return;
          files.push({ name: file.name, bytes });
        } catch (error) {
          if (mine === previewNumber) set({ reading: false, error: `Could not read ${file.name}: ${(error as Error).message}` });
          return;
        }
      }
      // Files chosen again while these were read: the newer choice wins.
      if (mine !== previewNumber) return;
      set({ reading: false });
      await runPreview(files);
    },
    async setKind(index, kind) {
      const files = get().files.map((f, i) =>
        i === index ? { name: f.name, bytes: f.bytes, ...(f.encoding ? { encoding: f.encoding } : {}), ...(kind ? { kind } : {}) } : f,
      );
      await runPreview(files);
    },
    async confirmEncoding(index) {
      const { files, applying } = get();
      if (applying || !files[index]) return;
      await runPreview(files.map((f, i) => (i === index ? { ...f, encoding: 'windows-1252' as const } : f)));
    },
    async setMapping(index, header, field) {
      const { files, preview } = get();
      const columns = files[index]?.mapping ?? preview?.files[index]?.columns;
      if (!columns) return;
      const mapping = columns.map((c) => (c.header === header ? { header, field } : { header: c.header, field: c.field }));
      await runPreview(files.map((f, i) => (i === index ? { ...f, mapping } : f)));
    },
    async apply() {
      const { files, applying, previewing } = get();
      if (applying || previewing || files.length === 0) return;
      set({ applying: true, job: null, cancelling: false, applyError: null, result: null });
      // Progress comes from the job's run record, through the status the status bar shows too (refreshed with it).
      const session = useSession.getState();
      const poll = setInterval(() => {
        void session.refreshStatus().then(() => {
          const job = useSession.getState().status?.jobs.find((j) => j.kind === 'import.apply' && (j.state === 'running' || j.state === 'cancelling'));
          if (get().applying && job) set({ job });
        });
      }, PROGRESS_POLL_MS);
      try {
        const result = await call('import.apply', inputOf(files));
        clearInterval(poll);
        set({ job: null, cancelling: false });
        if (result.applied) {
          // Done: let go of the file texts (tens of megabytes for a large practice).
          set({ applying: false, result, files: [], preview: null });
        } else {
          set({ applying: false, preview: result, applyError: 'Nothing was imported: the files have problems, listed below.' });
        }
      } catch (error) {
        clearInterval(poll);
        set({ applying: false, job: null, cancelling: false, applyError: `The import did not finish: ${(error as Error).message}` });
      }
    },
    async cancel() {
      const { job, cancelling } = get();
      if (!job || cancelling) return;
      set({ cancelling: true });
      try {
        set({ job: await call('jobs.cancel', { jobId: job.id }) });
      } catch (error) {
        set({ cancelling: false, applyError: (error as Error).message });
      }
    },
    clear() {
      if (get().applying) return;
      ++previewNumber;
      set({ files: [], preview: null, previewing: false, reading: false, error: null, applyError: null, result: null });
    },
  };
});
