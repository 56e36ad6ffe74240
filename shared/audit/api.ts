/**
 * Contract calls for the audit log screen (issue 6): list with filters, export to CSV, verify the
 * hash chain. All administrator-only. Merged into the one contract in shared/api.ts.
 */
import { z } from 'zod';
import { call } from '../contractCall';

const isoDate = z.iso.date();

/** The screen's filters; the same for the list and the CSV export. Dates are practice-local days, inclusive. */
export const auditFilterSchema = z.strictObject({
  from: isoDate.optional(),
  to: isoDate.optional(),
  clerkId: z.string().min(1).max(64).optional(),
  /** Part of a patient's name ("ana lop") or their chart number. */
  patient: z.string().trim().max(100).optional(),
  action: z
    .string()
    .regex(/^[a-z_]{1,40}$/)
    .optional(),
});
export type AuditFilter = z.output<typeof auditFilterSchema>;

export interface AuditRowView {
  id: number;
  /** ISO instant. */
  at: string;
  clerkId: string | null;
  /** The clerk's display name, or "System" for the app's own entries. */
  clerkName: string;
  workstation: string;
  action: string;
  /** The action in plain words: "PIN printed". */
  actionLabel: string;
  patientId: string | null;
  /** "Ana Lopez (C1042)", or null when the entry is not about one patient. */
  patientName: string | null;
  /** The patient's chart number (the patient filter takes it), null when unknown. */
  patientChart: string | null;
  /** What changed, in plain words. Never a PIN. */
  summary: string;
}

export interface AuditPage {
  rows: AuditRowView[];
  offset: number;
  limit: number;
  /** True when older rows match the filters beyond this page. */
  hasMore: boolean;
}

export interface AuditFilterOptions {
  clerks: { id: string; displayName: string }[];
  actions: { action: string; label: string }[];
}

export type AuditProblemKind = 'altered' | 'removed' | 'truncated';

export interface AuditProblem {
  kind: AuditProblemKind;
  /** The first row that fails (for 'removed' and 'truncated', the first missing id). */
  rowId: number;
  /** When and what the named row recorded, when the row is still there. */
  at: string | null;
  action: string | null;
  actionLabel: string | null;
  /** For people: what is wrong and what to do. */
  message: string;
}

export interface AuditVerification {
  ok: boolean;
  /** Rows whose hashes were recomputed. */
  rowsChecked: number;
  /** The last row checked (rows appended during the check are checked next time). */
  lastId: number | null;
  checkedAt: string;
  ms: number;
  problem: AuditProblem | null;
}

/** What the status bar shows about the audit log. */
export type AuditLogState = 'checking' | 'intact' | 'tampered';

export interface AuditExportResult {
  file: string;
  rows: number;
}

export const auditCalls = {
  'audit.list': call<AuditPage>('admin')(
    z.strictObject({
      filter: auditFilterSchema,
      limit: z.number().int().min(1).max(500).default(50),
      offset: z.number().int().min(0).max(10_000_000).default(0),
    }),
  ),
  'audit.filterOptions': call<AuditFilterOptions>('admin')(z.strictObject({})),
  'audit.export': call<AuditExportResult>('admin')(z.strictObject({ filter: auditFilterSchema })),
  'audit.verify': call<AuditVerification>('admin')(z.strictObject({})),
  /** The last verification (at start or on demand), or null while the first one runs. */
  'audit.lastVerification': call<AuditVerification | null>('admin')(z.strictObject({})),
} as const;
