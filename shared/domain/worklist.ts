/**
 * The data-quality worklist's vocabulary: the problem codes and the shape of a row (a Primary
 * Contact with their children, or a patient with no Primary Contact). The rules that fill it
 * (contactQuality.ts, worklistGroups.ts) live beside it; the contract (shared/bulk/api.ts) sends it.
 */

export const QUALITY_PROBLEMS = [
  'no_primary_contact',
  'missing_first_name',
  'missing_last_name',
  'missing_email',
  'malformed_email',
  'email_domain_typo',
  'missing_mobile',
  'invalid_mobile',
  'no_authority_or_residence',
  'authority_inferred',
  'missing_reminder_method',
  'shared_email',
] as const;
export type QualityProblem = (typeof QUALITY_PROBLEMS)[number];

/** What the worklist says is wrong, in words (`code` for the filter). */
export interface WorklistProblem {
  code: QualityProblem;
  message: string;
}

/** One child on a guardian's worklist row, with what belongs to that child's link to the guardian. */
export interface WorklistChild {
  patientId: string;
  patientName: string;
  chartNumber: string;
  /** The guardian's authority and residence for this child (null for a patient without a Primary Contact). */
  authority: string | null;
  residesWith: boolean;
  /** Problems of this child only (authority and residence, an email shared with another family); the guardian's own are on the row. */
  problems: WorklistProblem[];
}

/**
 * One row of the data-quality worklist: a Primary Contact with every child of theirs that has
 * something to fix (fixed once, for all of them), or a patient with no Primary Contact.
 */
export interface WorklistRow {
  /** `contact:${contactId}`, or `patient:${patientId}` for a patient with no Primary Contact. */
  key: string;
  contactId: string | null;
  contact: {
    firstName: string;
    lastName: string;
    email: string | null;
    mobilePhone: string | null;
    preferredReminder: string | null;
  } | null;
  /** Eldest first as the mirror lists them; one for a patient with no Primary Contact. */
  children: WorklistChild[];
  /** Every problem of the row once: the guardian's own (name, email, mobile, reminder method), then the children's, naming the child. */
  problems: WorklistProblem[];
}
