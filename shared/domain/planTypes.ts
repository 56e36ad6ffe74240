import type { WelcomeState } from './enrollment';
import type { Authority } from './patient';
import type { VerdictKind, Warning } from './verdict';

// What the Family PIN plan (plan.ts) takes and gives: children, contacts, the clerk's choices, the plan.

export interface PlanChild {
  patientId: string;
  firstName: string;
  lastName: string;
  /** 'YYYY-MM-DD' */
  dateOfBirth: string | null;
  verdictKind: VerdictKind;
  /** The Sort-1 contact with Joint/Exclusive authority or residing with the child. */
  eligiblePrimaryContactId: string | null;
  checkingInToday: boolean;
  /** The review's warnings (turning the Minor Age Limit soon, teen confidentiality...), shown again in the plan. */
  warnings?: readonly Warning[];
  /** The unredeemed, unexpired PIN the child already holds from any desk: not issued again by default. */
  heldPin?: { pinId: string; description: string; reprintBatchId: string | null; delivery?: 'email' | 'print' } | null;
}

export interface PlanContactLink {
  patientId: string;
  sort: number | null;
  authority: Authority | null;
  residesWith: boolean;
}

export interface PlanContact {
  contactId: string;
  firstName: string;
  lastName: string;
  /** From their Sort-1 link ('Mother', 'Father', 'Guardian'...): chooses her/him/them. */
  relationship: string;
  email: string | null;
  hasPortalAccount: boolean;
  links: PlanContactLink[];
  /** Their one Welcome email, queued or sent by any desk within PIN validity (see enrollment.ts). */
  welcome?: { state: WelcomeState; at: string | null; workstation: string | null };
  /** Their language on file ('en', 'es' ...): the packet's and the Welcome email's by default. */
  language?: string;
}

export interface PlanChoices {
  /** No email at all: every PIN printed. */
  printOnly: boolean;
  /** guardianContactId -> patientId whose PIN goes in the Welcome email. */
  firstChildByGuardian: Record<string, string>;
  /** guardianContactId -> who gets the Welcome email and owns the account instead, and why. */
  recipientByGuardian: Record<string, { contactId: string; reason: string }>;
  /** patientId -> account owner for a child with no eligible Primary Contact, and why (audited). */
  recipientByChild: Record<string, { contactId: string; reason: string }>;
  /** patientId -> true/false: overrides who is preselected (children checking in and their guardians' others). */
  include: Record<string, boolean>;
  /** patientId -> reason: "Replace this child's PIN" although they hold one (audited). */
  replacePins: Record<string, string>;
  /** account owner contactId -> reason: send a Welcome email although one was queued or sent (audited). */
  resendWelcome: Record<string, string>;
  /** account owner contactId -> language of their packet and Welcome email for this family. */
  languageByGuardian: Record<string, string>;
}

/** When the plan runs: describes held PINs and earlier Welcome emails in the practice's time. */
export interface PlanClock {
  now: Date;
  timeZone: string;
}

export type Delivery = 'email' | 'print';

export interface PlannedChild {
  patientId: string;
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  delivery: Delivery;
  /** The review's warnings about this child, repeated beside them in the plan. */
  warnings?: string[];
  /** Set for "Replace this child's PIN": the PIN the new one revokes once the portal has it. */
  replaces?: { pinId: string; reason: string } | null;
  /** Set when the clerk chose this child's account owner (no eligible Primary Contact). */
  chosenOwnerReason?: string | null;
}

export type FallbackCode = 'no_email' | 'has_portal_account' | 'welcome_already' | 'print_only_chosen';

export interface RecipientOption {
  contactId: string;
  name: string;
  /** The usable address, or null (none, or not exactly one mailbox). */
  email: string | null;
}

export interface GuardianPlan {
  /** The eligible Primary Contact the children were grouped under. */
  guardianContactId: string;
  recipient: { contactId: string; name: string; email: string | null; overridden: boolean; reason: string | null };
  mode: 'email' | 'print-only';
  /** Why this guardian is print-only, as a sentence; null in email mode. */
  fallback: { code: FallbackCode; message: string } | null;
  /** The first child (email child, or the one to create the account with) first, then oldest first. */
  children: PlannedChild[];
  /** null in print-only mode. */
  emailChildId: string | null;
  /** The account exists or its Welcome email is on its way: every slip says "add this child". */
  accountExists: boolean;
  /** Set when the clerk re-sends a Welcome email although one was queued or sent. */
  resendReason: string | null;
  /** Who may own this group's account instead: a right (authority or residence) to every child. */
  recipientOptions: RecipientOption[];
  /** The packet's and the Welcome email's language: chosen for this family, else the recipient's. */
  language: string;
  /** The plain sentence(s) shown before issuing. */
  summary: string;
}

export type NotIssuedCode = 'excluded' | 'blocked' | 'no_guardian' | 'needs_recipient' | 'pin_held' | 'not_selected';

export interface NotIssuedChild {
  patientId: string;
  firstName: string;
  code: NotIssuedCode;
  reason: string;
  /** needs_recipient: the contacts with authority or residence, one of whom the clerk may choose. */
  recipientOptions?: RecipientOption[];
  /** pin_held: the held PIN, and its batch when this desk can reprint its slip (a printed PIN still held here). */
  heldPin?: { pinId: string; reprintBatchId: string | null };
}

export interface FamilyPlan {
  /** Ordered by the oldest child of each group. */
  guardians: GuardianPlan[];
  /** Excluded and blocked children, and eligible children with no eligible primary contact, in input order. */
  notIssued: NotIssuedChild[];
  pinCount: number;
  emailCount: number;
}

export type PlanChoiceErrorCode = 'recipient_not_allowed' | 'unknown_child' | 'unknown_contact' | 'reason_required';

export class PlanChoiceError extends Error {
  constructor(
    readonly code: PlanChoiceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PlanChoiceError';
  }
}

export const NO_CHOICES: PlanChoices = Object.freeze({
  printOnly: false,
  firstChildByGuardian: Object.freeze({}) as Record<string, string>,
  recipientByGuardian: Object.freeze({}) as Record<string, { contactId: string; reason: string }>,
  recipientByChild: Object.freeze({}) as Record<string, { contactId: string; reason: string }>,
  include: Object.freeze({}) as Record<string, boolean>,
  replacePins: Object.freeze({}) as Record<string, string>,
  resendWelcome: Object.freeze({}) as Record<string, string>,
  languageByGuardian: Object.freeze({}) as Record<string, string>,
});

export const NOT_ISSUED_REASONS = {
  excluded: 'not eligible',
  blocked: 'blocked until fixed',
  noGuardian: 'no guardian who can own the account',
  needsRecipient: 'choose who owns the account',
  notSelected: 'not checking in today, and their account owner is not at the desk: include them if the parent asks',
  leftOut: 'left out of this pass',
} as const;
