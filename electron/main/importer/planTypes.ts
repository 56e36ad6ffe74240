import type { ImportFilePreview, ImportProblem } from '../../../shared/bulk/api';
import type { Authority, PatientStatus, ReminderMethod } from '../../../shared/domain/patient';
import type { ImportKind } from '../../../shared/import/fields';
import type { RecordSource } from './csv';

// What an import reads (files) and what stage 1 makes of them (the plan: records to upsert, problems).

export interface ImportFileInput {
  name: string;
  /** The text, already decoded (scripts and tests); or */
  content?: string;
  /** the bytes as read from disk, base64 (the import screen): see decode.ts. */
  bytes?: string;
  /** The administrator confirmed reading a file that is not UTF-8 as Windows-1252. */
  encoding?: 'windows-1252';
  kind?: ImportKind;
  mapping?: { header: string; field: string | null }[];
}
export interface ImportInput {
  files: ImportFileInput[];
}

export const MAX_LISTED_PROBLEMS = 1_000;

export interface Source {
  file: string;
  line: number;
}
export interface PatientRecord extends Source {
  chart: string;
  /** null: no family; undefined: no Family column (an existing patient keeps theirs). */
  familyId: string | null | undefined;
  firstName: string;
  lastName: string;
  dateOfBirth: string | null;
  sex: 'F' | 'M' | 'X' | null | undefined;
  status: PatientStatus;
}
export interface FamilyRecord extends Source {
  id: string;
  /** From a Family name column; undefined: keep the stored name, or the first patient's last name. */
  name: string | undefined;
  derivedName: string;
}
export interface ContactRecord extends Source {
  id: string;
  firstName: string | undefined;
  lastName: string | undefined;
  email: string | null | undefined;
  mobilePhone: string | null | undefined;
  homePhone: string | null | undefined;
  preferredReminder: ReminderMethod | null | undefined;
  language: string | undefined;
}
export interface LinkRecord extends Source {
  chart: string;
  contactId: string;
  sort: number | null;
  relationship: string | undefined;
  authority: Authority | null | undefined;
  residesWith: boolean | undefined;
  portalFlag: boolean | undefined;
}
export interface AppointmentRecord extends Source {
  id: string;
  chart: string;
  startsAt: string;
  provider: string;
  reason: string | undefined;
}

export interface ImportPlan {
  files: ImportFilePreview[];
  /** The first problems of each file in line order (at most MAX_LISTED_PROBLEMS per file). */
  problems: ImportProblem[];
  problemCount: number;
  patients: PatientRecord[];
  families: Map<string, FamilyRecord>;
  contacts: Map<string, ContactRecord>;
  links: Map<string, LinkRecord>;
  appointments: Map<string, AppointmentRecord>;
  /** Every chart number the patients files list, rows with problems included. */
  chartsInFiles: Set<string>;
  /** Control and bidi-override characters removed from names and contact fields, and from how many cells. */
  hiddenCharacters: { removed: number; fields: number };
}

export interface PlanEnvironment {
  /** The practice's date: a date of birth after it is refused. */
  today: string;
  /** Chart numbers already in the mirror (asked once, only when a file refers to patients). */
  mirrorCharts(): Promise<ReadonlySet<string>> | ReadonlySet<string>;
  /** Called every few thousand rows: the caller lets the event loop run. */
  pause?: () => Promise<void>;
  /** Reads a file's records: the import's own CsvReader unless given (bench/csvCompare.ts gives csv-parse). */
  records?: (text: string) => RecordSource;
}
