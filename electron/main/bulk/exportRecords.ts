/**
 * The Bulk PIN files' columns and records (SPEC 3.5 "Export"), from a computed snapshot, and the
 * file written from them. Runs where the snapshot is: in the Bulk PIN job's worker, or in this
 * thread when there is none (export.ts names the file and audits it).
 */
import { EXCLUSION_LABELS } from '../../../shared/domain/exclusions';
import { checkMobile } from '../../../shared/domain/contactQuality';
import { formatUsDate } from '../../../shared/domain/dates';
import { csvPieces, writeFileAtomic, type CsvValue } from '../lib/csv';
import { Pacer } from '../lib/pacing';
import type { BulkSnapshot } from './snapshot';

export type ExportKind = 'bulk_pin' | 'exclusions' | 'worklist';

export const BULK_PIN_COLUMNS = [
  'Guardian First Name',
  'Guardian Last Name',
  'Guardian Email',
  'Guardian Mobile',
  'Preferred Reminder Method',
  'Child First Name',
  'Child Last Name',
  'Child Date of Birth',
  'Chart Number',
] as const;

export const EXCLUSION_COLUMNS = ['Chart Number', 'Patient First Name', 'Patient Last Name', 'Reason Code', 'Reason', 'Detail'] as const;

/** One line per worklist row: a guardian with their children, or a patient with no Primary Contact. */
export const WORKLIST_COLUMNS = [
  'Guardian First Name',
  'Guardian Last Name',
  'Email',
  'Mobile',
  'Preferred Reminder Method',
  'Number of Children',
  'Children',
  'Chart Numbers',
  'Problem Codes',
  'Problems',
] as const;

/** A valid North American mobile in one format, "(617) 555-0142"; anything else as typed. */
function mobileForFile(value: string | null): string {
  if (value === null || value.trim() === '') return '';
  const check = checkMobile(value);
  return check.ok ? check.formatted : value.trim();
}

export const EXPORT_COLUMNS: Record<ExportKind, readonly string[]> = { bulk_pin: BULK_PIN_COLUMNS, exclusions: EXCLUSION_COLUMNS, worklist: WORKLIST_COLUMNS };

/** Guardians read per slice while writing the Bulk PIN file (the file is never all in memory). */
const GUARDIANS_PER_SLICE = 2_000;

/** The records of one file, produced as they are written. */
export async function* exportRecords(snapshot: BulkSnapshot, kind: ExportKind): AsyncGenerator<CsvValue[]> {
  const pacer = new Pacer();
  switch (kind) {
    case 'bulk_pin':
      for (let offset = 0; offset < snapshot.guardianCount; offset += GUARDIANS_PER_SLICE) {
        for (const g of await snapshot.guardians(offset, GUARDIANS_PER_SLICE)) {
          const mobile = mobileForFile(g.mobilePhone);
          for (const c of g.children) {
            yield [
              g.firstName.trim(),
              g.lastName.trim(),
              g.email,
              mobile,
              g.preferredReminder ?? '',
              c.firstName.trim(),
              c.lastName.trim(),
              formatUsDate(c.dateOfBirth),
              c.chartNumber,
            ];
          }
          if (pacer.due()) await pacer.pause();
        }
      }
      return;
    case 'exclusions':
      for (const e of await snapshot.exclusions()) {
        yield [e.chartNumber, e.firstName, e.lastName, e.reason, EXCLUSION_LABELS[e.reason], e.detail];
        if (pacer.due()) await pacer.pause();
      }
      return;
    case 'worklist':
      for (const w of snapshot.worklist) {
        yield [
          w.contact?.firstName ?? '',
          w.contact?.lastName ?? '',
          w.contact?.email ?? '',
          w.contact?.mobilePhone ?? '',
          w.contact?.preferredReminder ?? '',
          w.children.length,
          w.children.map((c) => c.patientName).join('; '),
          w.children.map((c) => c.chartNumber).join('; '),
          w.problems.map((p) => p.code).join('; '),
          w.problems.map((p) => p.message).join(' '),
        ];
        if (pacer.due()) await pacer.pause();
      }
      return;
  }
}

/** How an export job reports and is stopped (the Bulk PIN export as a read job). */
export interface ExportWatch {
  /** Records written so far, and in all. */
  progress(rowsDone: number, rowsTotal: number): void;
  stopping(): boolean;
}

/** The export was cancelled: its temporary file is removed, nothing is left under its name. */
export class ExportStopped extends Error {
  constructor() {
    super('The export was cancelled; no file was saved.');
    this.name = 'ExportStopped';
  }
}

/** Records between two progress reports. */
const PROGRESS_EVERY = 2_000;

/** The number of records a file will have. */
function recordsIn(snapshot: BulkSnapshot, kind: ExportKind): number {
  if (kind === 'bulk_pin') return snapshot.eligibleChildren;
  if (kind === 'worklist') return snapshot.worklist.length;
  return Object.values(snapshot.exclusionCounts).reduce((a, b) => a + b, 0);
}

/**
 * Writes one file into `dir` (atomically: a crash or a cancel leaves no file under `name`, and a
 * cancel removes the temporary one); its path and record count.
 */
export async function writeExportFile(
  snapshot: BulkSnapshot,
  kind: ExportKind,
  dir: string,
  name: string,
  watch?: ExportWatch,
): Promise<{ file: string; rows: number }> {
  let rows = 0;
  const total = recordsIn(snapshot, kind);
  async function* counted(): AsyncGenerator<CsvValue[]> {
    for await (const record of exportRecords(snapshot, kind)) {
      rows += 1;
      if (rows % PROGRESS_EVERY === 0) {
        watch?.progress(rows, total);
        if (watch?.stopping()) throw new ExportStopped();
      }
      yield record;
    }
    watch?.progress(rows, total);
  }
  const file = await writeFileAtomic(dir, name, csvPieces(EXPORT_COLUMNS[kind], counted()));
  return { file, rows };
}
