/**
 * The Bulk PIN files (SPEC 3.5 "Export"): the campaign file of eligible guardians and their
 * children, the exclusions report, and the data-quality worklist, as CSV in the export folder.
 *
 * The Bulk PIN file has one record per guardian–child pair (the guardian's columns repeat for
 * each child): the simplest shape every tool reads without guessing how many child columns to
 * expect. Rows of one guardian are adjacent; the guardian's email is the grouping key, and the
 * campaign sends one email per guardian listing all their children.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { ExportResult } from '../../../shared/bulk/api';
import { appendAudit } from '../audit/audit';
import { requireClerk } from '../clerks/sessionService';
import type { AppContext } from '../context';
import type { JobRunner } from '../jobs/jobRunner';
import { practiceTimeZone } from '../../../shared/settings';
import type { ExportKind } from './exportRecords';
import { bulkPicture, keepBulkAfterOwnWrite } from './pictureCache';
import { mirrorStamp } from './snapshot';

export { BULK_PIN_COLUMNS, EXCLUSION_COLUMNS, EXPORT_COLUMNS, exportRecords, WORKLIST_COLUMNS, type ExportKind } from './exportRecords';

const FILE_PREFIX: Record<ExportKind, string> = { bulk_pin: 'bulk-pin', exclusions: 'bulk-pin-exclusions', worklist: 'data-quality' };

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

export async function exportBulkFile(ctx: AppContext, exportDir: string, kind: ExportKind, jobs?: JobRunner): Promise<ExportResult> {
  const clerk = await requireClerk(ctx);
  const picture = await bulkPicture(ctx, jobs);
  const { summary } = picture;
  const name = `${FILE_PREFIX[kind]}-${fileStamp(ctx.now(), practiceTimeZone(await ctx.settings()))}.csv`;
  // Written where the picture is (the job's worker, when there is one), atomically: a crash or a
  // failure leaves no half file under this name.
  const { file, rows } = await picture.writeExport(kind, exportDir, name, randomUUID());
  const stamp = mirrorStamp(ctx.sqlite);
  await appendAudit(ctx.db, {
    action: 'bulk_exported',
    clerkId: clerk.id,
    workstation: ctx.workstation,
    at: ctx.now(),
    details:
      kind === 'bulk_pin'
        ? { kind, file: path.basename(file), rows, guardians: summary.guardianCount, children: summary.eligibleChildren }
        : kind === 'worklist'
          ? { kind, file: path.basename(file), rows, children: summary.worklistChildren }
          : { kind, file: path.basename(file), rows },
  });
  keepBulkAfterOwnWrite(ctx.sqlite, stamp, 1);
  return kind === 'worklist' ? { file, rows, children: summary.worklistChildren } : { file, rows };
}
