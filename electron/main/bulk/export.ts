/**
 * The Bulk PIN files (SPEC 3.5 "Export"): the campaign file of eligible guardians and their
 * children, the exclusions report, and the data-quality worklist, as CSV in the export folder.
 *
 * The Bulk PIN file has one record per guardian–child pair (the guardian's columns repeat for
 * each child): the simplest shape every tool reads without guessing how many child columns to
 * expect. Rows of one guardian are adjacent; the guardian's email is the grouping key, and the
 * campaign sends one email per guardian listing all their children.
 */
import path from 'node:path';
import type { ExportResult } from '../../../shared/bulk/api';
import { EXCLUSION_LABELS } from '../../../shared/domain/exclusions';
import { checkMobile } from '../../../shared/domain/contactQuality';
import { formatUsDate } from '../../../shared/domain/dates';
import { appendAudit } from '../audit/audit';
import { requireClerk } from '../clerks/sessionService';
import type { AppContext } from '../context';
import { csvPieces, writeFileAtomic, type CsvValue } from '../lib/csv';
import { Pacer } from '../lib/pacing';
import { bulkSnapshot, keepSnapshotAfterOwnWrite, mirrorStamp, type BulkSnapshot } from './snapshot';
import { practiceTimeZone } from '../../../shared/settings';

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

const FILE_PREFIX: Record<ExportKind, string> = { bulk_pin: 'bulk-pin', exclusions: 'bulk-pin-exclusions', worklist: 'data-quality' };

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

/** "2026-11-22-1000" in the given zone. */
export function fileStamp(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')}-${get('hour')}${get('minute')}`;
}

export async function exportBulkFile(ctx: AppContext, exportDir: string, kind: ExportKind): Promise<ExportResult> {
  const clerk = await requireClerk(ctx);
  const snapshot = await bulkSnapshot(ctx);
  const name = `${FILE_PREFIX[kind]}-${fileStamp(ctx.now(), practiceTimeZone(await ctx.settings()))}.csv`;
  let rows = 0;
  async function* counted(): AsyncGenerator<CsvValue[]> {
    for await (const record of exportRecords(snapshot, kind)) {
      rows += 1;
      yield record;
    }
  }
  const file = await writeFileAtomic(exportDir, name, csvPieces(EXPORT_COLUMNS[kind], counted()));
  const stamp = mirrorStamp(ctx.sqlite);
  await appendAudit(ctx.db, {
    action: 'bulk_exported',
    clerkId: clerk.id,
    workstation: ctx.workstation,
    at: ctx.now(),
    details:
      kind === 'bulk_pin'
        ? { kind, file: path.basename(file), rows, guardians: snapshot.guardianCount, children: snapshot.eligibleChildren }
        : kind === 'worklist'
          ? { kind, file: path.basename(file), rows, children: snapshot.worklistChildren }
          : { kind, file: path.basename(file), rows },
  });
  keepSnapshotAfterOwnWrite(ctx.sqlite, stamp, 1);
  return kind === 'worklist' ? { file, rows, children: snapshot.worklistChildren } : { file, rows };
}
