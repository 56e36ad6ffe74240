import path from 'node:path';
import { sql, type SelectQueryBuilder } from 'kysely';
import type { AuditExportResult, AuditFilter, AuditFilterOptions, AuditPage, AuditRowView } from '../../../shared/audit/api';
import { AUDIT_ACTIONS } from '../../../shared/audit/actions';
import { auditActionLabel, summarizeAuditDetails } from '../../../shared/audit/words';
import { addDays, zoneOffsetMinutes } from '../../../shared/domain/dates';
import { csvPieces, writeFileAtomic, type CsvValue } from '../lib/csv';
import { fileStamp } from '../bulk/export';
import { requireClerk } from '../clerks/sessionService';
import type { AppContext } from '../context';
import type { ChainedColumns } from '../db/auditChain';
import type { Database } from '../db/schema';
import { appendAudit } from '../audit/audit';
import { practiceTimeZone } from '../../../shared/settings';

/**
 * The audit screen's reads: rows newest first with the screen's filters, names joined in, details
 * in plain words; and the same rows as a CSV file in the exports folder.
 */

/** The instant a practice-local calendar day begins ("2026-11-22" in America/Chicago → 06:00Z). */
export function startOfLocalDay(date: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wallMidnight = Date.UTC(y, m - 1, d);
  // Twice: the offset at the guess may differ from the offset at the answer around a DST change.
  let instant = wallMidnight - zoneOffsetMinutes(wallMidnight, timeZone) * 60_000;
  instant = wallMidnight - zoneOffsetMinutes(instant, timeZone) * 60_000;
  return new Date(instant);
}

type AuditQuery = SelectQueryBuilder<Database, 'audit_log', object>;

/** Escapes LIKE's wildcards in a person's text. */
const likeText = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

async function filtered(ctx: AppContext, filter: AuditFilter): Promise<AuditQuery> {
  const timeZone = practiceTimeZone(await ctx.settings());
  let query: AuditQuery = ctx.db.selectFrom('audit_log');
  if (filter.from) query = query.where('audit_log.at', '>=', startOfLocalDay(filter.from, timeZone).toISOString());
  if (filter.to) query = query.where('audit_log.at', '<', startOfLocalDay(addDays(filter.to, 1), timeZone).toISOString());
  if (filter.clerkId) query = query.where('audit_log.clerk_id', '=', filter.clerkId);
  if (filter.action) query = query.where('audit_log.action', '=', filter.action);
  const patient = filter.patient?.trim();
  if (patient) {
    const pattern = likeText(patient.replace(/\s+/g, ' '));
    query = query.where('audit_log.patient_id', 'in', (eb) =>
      eb
        .selectFrom('patients')
        .select('patients.id')
        .where((w) =>
          w.or([
            // Raw fragments: concatenated names and LIKE … ESCAPE have no operator in Kysely's builder.
            w(sql`lower(patients.chart_number)`, '=', patient.toLowerCase()),
            w(sql`lower(patients.first_name || ' ' || patients.last_name)`, 'like', sql`${pattern} ESCAPE '\\'`),
            w(sql`lower(patients.last_name || ', ' || patients.first_name)`, 'like', sql`${pattern} ESCAPE '\\'`),
          ]),
        ),
    );
  }
  return query;
}

/** An audit row as stored, with who and which patient it names. */
interface JoinedRow extends ChainedColumns {
  clerk_name: string | null;
  first_name: string | null;
  last_name: string | null;
  chart_number: string | null;
}

function view(row: JoinedRow): AuditRowView {
  return {
    id: row.id,
    at: row.at,
    clerkId: row.clerk_id,
    clerkName: row.clerk_id === null ? 'System' : (row.clerk_name ?? `Unknown clerk (${row.clerk_id})`),
    workstation: row.workstation,
    action: row.action,
    actionLabel: auditActionLabel(row.action),
    patientId: row.patient_id,
    patientName:
      row.patient_id === null
        ? null
        : row.first_name !== null
          ? `${row.first_name} ${row.last_name ?? ''} (${row.chart_number ?? '?'})`.replace(/ +\(/, ' (')
          : `Patient ${row.patient_id} (no longer in the mirror)`,
    patientChart: row.patient_id === null ? null : row.chart_number,
    summary: summarizeAuditDetails(row.details),
  };
}

function withNames(query: AuditQuery) {
  return query
    .leftJoin('clerks', 'clerks.id', 'audit_log.clerk_id')
    .leftJoin('patients', 'patients.id', 'audit_log.patient_id')
    .select([
      'audit_log.id',
      'audit_log.at',
      'audit_log.clerk_id',
      'audit_log.workstation',
      'audit_log.action',
      'audit_log.patient_id',
      'audit_log.details',
      'clerks.display_name as clerk_name',
      'patients.first_name',
      'patients.last_name',
      'patients.chart_number',
    ]);
}

export async function listAudit(ctx: AppContext, filter: AuditFilter, limit: number, offset: number): Promise<AuditPage> {
  const rows = (await withNames(await filtered(ctx, filter))
    .orderBy('audit_log.id', 'desc')
    .limit(limit + 1)
    .offset(offset)
    .execute()) as JoinedRow[];
  return { rows: rows.slice(0, limit).map(view), offset, limit, hasMore: rows.length > limit };
}

export async function auditFilterOptions(ctx: AppContext): Promise<AuditFilterOptions> {
  const clerks = await ctx.db.selectFrom('clerks').select(['id', 'display_name']).orderBy('display_name').execute();
  // Actions this version knows, and any other that is in the log (written by a newer version).
  const present = await ctx.db.selectFrom('audit_log').select('action').distinct().execute();
  const actions = [...new Set([...AUDIT_ACTIONS, ...present.map((p) => p.action)])];
  return {
    clerks: clerks.map((c) => ({ id: c.id, displayName: c.display_name })),
    actions: actions.map((action) => ({ action, label: auditActionLabel(action) })).sort((a, b) => a.label.localeCompare(b.label)),
  };
}

export const AUDIT_EXPORT_COLUMNS = ['Entry', 'When (UTC)', 'When (practice time)', 'Clerk', 'Workstation', 'Action', 'Patient', 'Details'] as const;

/** Rows read per slice while writing the file (the log is never all in memory). */
const EXPORT_SLICE = 2_000;

function localTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone, dateStyle: 'short', timeStyle: 'medium', hourCycle: 'h23' }).format(new Date(iso));
}

export async function exportAudit(ctx: AppContext, exportDir: string, filter: AuditFilter): Promise<AuditExportResult> {
  const clerk = await requireClerk(ctx);
  const timeZone = practiceTimeZone(await ctx.settings());
  const base = await filtered(ctx, filter);
  // The rows present now: anything appended while writing (this export's own entry) is left out.
  const upTo =
    (
      await ctx.db
        .selectFrom('audit_log')
        .select((eb) => eb.fn.max('id').as('max'))
        .executeTakeFirst()
    )?.max ?? 0;
  let rows = 0;
  async function* records(): AsyncGenerator<CsvValue[]> {
    // Keyset pages, newest first, like the screen.
    let before = Number(upTo) + 1;
    for (;;) {
      const page = (await withNames(base.where('audit_log.id', '<', before))
        .orderBy('audit_log.id', 'desc')
        .limit(EXPORT_SLICE)
        .execute()) as JoinedRow[];
      for (const row of page) {
        const v = view(row);
        rows += 1;
        yield [v.id, v.at, localTime(v.at, timeZone), v.clerkName, v.workstation, v.actionLabel, v.patientName ?? '', v.summary];
      }
      if (page.length < EXPORT_SLICE) return;
      before = page.at(-1)!.id;
    }
  }
  const name = `audit-log-${fileStamp(ctx.now(), timeZone)}.csv`;
  const file = await writeFileAtomic(exportDir, name, csvPieces(AUDIT_EXPORT_COLUMNS, records()));
  const used = Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined && value !== ''));
  await appendAudit(ctx.db, {
    action: 'audit_exported',
    clerkId: clerk.id,
    workstation: ctx.workstation,
    at: ctx.now(),
    details: { file: path.basename(file), rows, filter: used },
  });
  return { file, rows };
}
