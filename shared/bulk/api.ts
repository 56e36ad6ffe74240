/**
 * Contract calls for Bulk PIN readiness and the practice-data import (SPEC 3.5). Merged into the
 * one contract in shared/api.ts; kept in its own file because the area is large.
 */
import { z } from 'zod';
import { call } from '../contractCall';
import { mailboxSchema } from '../mailboxSchema';
import { AUTHORITIES, REMINDER_METHODS } from '../domain/patient';
import { EXCLUSION_REASONS, type ExclusionReason } from '../domain/exclusions';
import { QUALITY_PROBLEMS, type WorklistRow } from '../domain/worklist';
import { IMPORT_FIELD_NAMES, IMPORT_KINDS, type ImportField, type ImportKind, type MissingField } from '../import/fields';
import type { JobView } from '../jobs/jobs';

const id = z.string().min(1).max(64);
const page = { limit: z.number().int().min(1).max(1000).default(100), offset: z.number().int().min(0).default(0) };

// ---- eligibility --------------------------------------------------------------------------

// The reason codes live with their words in shared/domain/exclusions.ts, the worklist's codes and rows in
// shared/domain/worklist.ts (the domain's rules use them); the contract names them.
export { EXCLUSION_REASONS, type ExclusionReason } from '../domain/exclusions';
export { QUALITY_PROBLEMS, type QualityProblem, type WorklistChild, type WorklistProblem, type WorklistRow } from '../domain/worklist';

export interface EligibleChild {
  patientId: string;
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  chartNumber: string;
}
export interface EligibleGuardian {
  contactId: string;
  firstName: string;
  lastName: string;
  email: string;
  mobilePhone: string | null;
  preferredReminder: string | null;
  children: EligibleChild[];
}
export interface ExclusionRow {
  patientId: string;
  firstName: string;
  lastName: string;
  chartNumber: string;
  reason: ExclusionReason;
  /** For people: "Inactive", "19 (limit 18)", "Sort 1 Rosa Perez has no authority and does not reside". */
  detail: string;
}

// ---- data quality -------------------------------------------------------------------------

/** A page of the worklist: guardians (rows) and the children they cover. */
export interface WorklistPage {
  rows: WorklistRow[];
  /** Rows (guardians, and patients with no Primary Contact) matching the filter. */
  total: number;
  /** Children on those rows. */
  children: number;
}

// ---- readiness ----------------------------------------------------------------------------

export const CHECKLIST_ITEMS = ['single_npi_and_practice', 'current_version', 'portal_fully_live', 'register_records_archived'] as const;
export type ChecklistItem = (typeof CHECKLIST_ITEMS)[number];
export interface ChecklistAnswer {
  item: ChecklistItem;
  answer: boolean | null;
  answeredBy: string | null;
  answeredAt: string | null;
  note: string;
}
export interface ReadinessSummary {
  checklist: ChecklistAnswer[];
  /** All four answered yes. */
  checklistReady: boolean;
  eligibleGuardians: number;
  eligibleChildren: number;
  exclusions: { reason: ExclusionReason; count: number }[];
  /** Worklist rows: guardians with something to fix, and patients with no Primary Contact. */
  openQualityRows: number;
  /** The children on those rows. */
  openQualityChildren: number;
  computedAt: string;
  elapsedMs: number;
}

export interface ExportResult {
  file: string;
  /** Lines written (besides the header). */
  rows: number;
  /** The worklist file: its lines are guardians (and patients with no Primary Contact); this many children in all. */
  children?: number;
}

// ---- import -------------------------------------------------------------------------------

export interface ImportColumnMapping {
  header: string;
  /** Target field of the file's kind, or null = ignore this column. */
  field: ImportField | null;
}
export const IMPORT_ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252'] as const;
export type ImportEncoding = (typeof IMPORT_ENCODINGS)[number];

/** How a file's bytes were read (issue 11: a file is read as bytes, never assumed UTF-8). */
export interface ImportFileEncoding {
  /** null: the file could not be read as text (the problems say why). */
  encoding: ImportEncoding | null;
  /** The file starts with a byte-order mark. */
  bom: boolean;
  /**
   * Windows-1252 only: the file is not UTF-8 (this is its first line that is not); it is read
   * as Windows-1252 once the administrator confirms that the names in `samples` read right.
   */
  notUtf8Line: number | null;
  /** Windows-1252 only: the administrator confirmed (the file was sent with encoding 'windows-1252'). */
  confirmed: boolean;
  /** Windows-1252 only: rows with accented or other non-ASCII letters, as they read that way. */
  samples: { line: number; text: string }[];
}

export interface ImportFilePreview {
  name: string;
  kind: ImportKind | null;
  rows: number;
  columns: ImportColumnMapping[];
  /** Required fields of the kind that no column maps to. */
  missingFields: MissingField[];
  encoding: ImportFileEncoding;
}
export interface ImportProblem {
  file: string;
  line: number;
  column: string | null;
  message: string;
}
export interface ImportPreview {
  files: ImportFilePreview[];
  problems: ImportProblem[];
  /** More problems exist than listed. */
  moreProblems: number;
  counts: { families: number; patients: number; contacts: number; links: number; appointments: number };
  /** What applying would change: new and updated rows, unchanged rows. */
  changes: { inserted: number; updated: number; unchanged: number };
  /**
   * Control and bidi-override characters removed from names and contact fields (issue 11):
   * "12 hidden characters removed from 5 fields".
   */
  hiddenCharacters: { removed: number; fields: number };
}
export interface ImportResult extends ImportPreview {
  applied: boolean;
  /**
   * The import's run record (issue 14) once its files were staged: 'done', or 'cancelled' /
   * 'failed' part-way (what was applied stays, each family whole), 'rolled_back' (nothing was).
   * Null when the files had problems and nothing was staged.
   */
  job: JobView | null;
}

const importFile = z
  .strictObject({
    name: z.string().min(1).max(200),
    /** The file's text, already decoded (scripts and tests). */
    content: z.string().max(200_000_000).optional(),
    /** The file's bytes as read from disk, base64: the import works out how to read them. */
    bytes: z.string().max(270_000_000).optional(),
    /** The administrator confirmed reading a file that is not UTF-8 as Windows-1252. */
    encoding: z.literal('windows-1252').optional(),
    kind: z.enum(IMPORT_KINDS).optional(),
    mapping: z
      .array(z.strictObject({ header: z.string().max(200), field: z.enum(IMPORT_FIELD_NAMES).nullable() }))
      .max(200)
      .optional(),
  })
  .refine((file) => (file.content === undefined) !== (file.bytes === undefined), { message: 'Give each file either its text or its bytes.' });
export const importInput = z.strictObject({ files: z.array(importFile).min(1).max(3) });

const empty = z.strictObject({});

export const bulkCalls = {
  'bulk.readiness': call<ReadinessSummary>('admin')(empty),
  'bulk.setChecklist': call<ReadinessSummary>('admin')(
    z.strictObject({ item: z.enum(CHECKLIST_ITEMS), answer: z.boolean().nullable(), note: z.string().max(500).default('') }),
  ),
  'bulk.eligible': call<{ guardians: EligibleGuardian[]; total: number }>('admin')(z.strictObject({ ...page })),
  'bulk.exclusions': call<{ rows: ExclusionRow[]; total: number }>('admin')(z.strictObject({ reason: z.enum(EXCLUSION_REASONS).optional(), ...page })),
  'bulk.worklist': call<WorklistPage>('admin')(z.strictObject({ problem: z.enum(QUALITY_PROBLEMS).optional(), ...page })),
  /** Fixes a guardian once for all their children: their own details, and authority and residence per child. */
  'bulk.fixContact': call<WorklistRow | null>('admin')(
    z.strictObject({
      contactId: id,
      changes: z
        .strictObject({
          firstName: z.string().trim().min(1).max(80).optional(),
          lastName: z.string().trim().min(1).max(80).optional(),
          email: mailboxSchema.nullable().optional(),
          mobilePhone: z.string().max(40).nullable().optional(),
          preferredReminder: z.enum(REMINDER_METHODS).nullable().optional(),
        })
        .default({}),
      /** Authority and "Lives with" of the guardian for each child whose link changes. */
      links: z
        .array(z.strictObject({ patientId: id, authority: z.enum(AUTHORITIES).nullable().optional(), residesWith: z.boolean().optional() }))
        .max(50)
        .default([]),
    }),
  ),
  'bulk.export': call<ExportResult>('admin')(z.strictObject({ kind: z.enum(['bulk_pin', 'exclusions', 'worklist']) })),
  'import.preview': call<ImportPreview>('admin')(importInput),
  'import.apply': call<ImportResult>('admin')(importInput),
} as const;
