import { hasAccessRight } from './contacts';
import { checkMailbox, emailProblemWords, type MailboxCheck } from './email';
import { fullName } from './names';
import type { Authority } from './patient';
import type { VerdictKind } from './verdict';

/**
 * Step 3 of the Family PIN wizard (SPEC 3.2): group eligible children by the guardian who will own
 * the portal account and decide, per guardian, which PIN goes in the Welcome email and which are
 * printed ("Do not send PIN") so the parent adds them to the same account.
 */

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
}

export interface PlanChoices {
  /** No email at all: every PIN printed. */
  printOnly: boolean;
  /** guardianContactId -> patientId whose PIN goes in the Welcome email. */
  firstChildByGuardian: Record<string, string>;
  /** guardianContactId -> who gets the Welcome email and owns the account instead, and why. */
  recipientByGuardian: Record<string, { contactId: string; reason: string }>;
}

export type Delivery = 'email' | 'print';

export interface PlannedChild {
  patientId: string;
  firstName: string;
  lastName: string;
  dateOfBirth: string;
  delivery: Delivery;
}

export type FallbackCode = 'no_email' | 'has_portal_account' | 'print_only_chosen';

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
  /** The plain sentence(s) shown before issuing. */
  summary: string;
}

export interface NotIssuedChild {
  patientId: string;
  firstName: string;
  reason: string;
}

export interface FamilyPlan {
  /** Ordered by the oldest child of each group. */
  guardians: GuardianPlan[];
  /** Excluded and blocked children, and eligible children with no eligible primary contact, in input order. */
  notIssued: NotIssuedChild[];
  pinCount: number;
  emailCount: number;
}

export type PlanChoiceErrorCode = 'recipient_not_allowed' | 'unknown_child' | 'unknown_contact';

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
});

export const NOT_ISSUED_REASONS = {
  excluded: 'not eligible',
  blocked: 'blocked until fixed',
  noGuardian: 'no guardian who can own the account',
} as const;

export function planFamilyPins(children: PlanChild[], contacts: PlanContact[], choices: PlanChoices): FamilyPlan {
  const contactsById = new Map(contacts.map((c) => [c.contactId, c]));
  const notIssued: NotIssuedChild[] = [];
  const groups = new Map<string, PlanChild[]>();

  for (const child of children) {
    const reason = notIssuedReason(child);
    if (reason !== null) {
      notIssued.push({ patientId: child.patientId, firstName: child.firstName.trim(), reason });
      continue;
    }
    const guardianId = child.eligiblePrimaryContactId!;
    const group = groups.get(guardianId);
    if (group) group.push(child);
    else groups.set(guardianId, [child]);
  }

  const ordered = [...groups.entries()]
    .map(([guardianId, group]) => ({ guardianId, group: [...group].sort(oldestFirst) }))
    .sort((a, b) => oldestFirst(a.group[0]!, b.group[0]!) || compareText(a.guardianId, b.guardianId));

  const guardians = ordered.map(({ guardianId, group }) =>
    planGuardian(guardianId, group, children, contactsById, choices),
  );

  return {
    guardians,
    notIssued,
    pinCount: guardians.reduce((n, g) => n + g.children.length, 0),
    emailCount: guardians.filter((g) => g.mode === 'email').length,
  };
}

function notIssuedReason(child: PlanChild): string | null {
  if (child.verdictKind === 'excluded') return NOT_ISSUED_REASONS.excluded;
  if (child.verdictKind === 'blocked') return NOT_ISSUED_REASONS.blocked;
  if (child.eligiblePrimaryContactId === null) return NOT_ISSUED_REASONS.noGuardian;
  return null;
}

function planGuardian(
  guardianId: string,
  group: PlanChild[],
  allChildren: PlanChild[],
  contactsById: Map<string, PlanContact>,
  choices: PlanChoices,
): GuardianPlan {
  const guardian = contactsById.get(guardianId);
  if (!guardian) {
    throw new PlanChoiceError('unknown_contact', `The Primary Contact of ${firstNames(group)} is missing from the family contacts.`);
  }
  const firstChild = chooseFirstChild(guardian, group, allChildren, choices);
  const override = chooseRecipient(guardian, group, contactsById, choices);
  const recipient = override?.contact ?? guardian;
  const mailbox = checkMailbox(recipient.email);
  const email = mailbox.ok ? mailbox.address : null;
  const fallback = fallbackFor(recipient, mailbox, choices.printOnly);
  const mode = fallback === null ? 'email' : 'print-only';
  const rest = group.filter((c) => c !== firstChild);
  const inOrder = [firstChild, ...rest];

  const plannedChildren: PlannedChild[] = inOrder.map((c) => ({
    patientId: c.patientId,
    firstName: c.firstName,
    lastName: c.lastName,
    dateOfBirth: c.dateOfBirth ?? '',
    delivery: mode === 'email' && c === firstChild ? 'email' : 'print',
  }));

  const recipientName = fullName(recipient);
  const sentences: string[] = [];
  if (mode === 'email') {
    sentences.push(`${recipientName} (${email}) receives the Welcome email with ${possessive(firstChild.firstName.trim())} PIN.`);
    if (rest.length > 0) sentences.push(`${pinsFor(rest)} printed for ${pronouns(recipient.relationship).object} to add.`);
  } else {
    sentences.push(`${pinsFor(inOrder)} printed for ${recipientName}.`);
    sentences.push(fallback!.message);
  }
  if (override) sentences.push(`(Recipient changed from ${fullName(guardian)}: ${withoutFinalStop(override.reason)}.)`);

  return {
    guardianContactId: guardianId,
    recipient: {
      contactId: recipient.contactId,
      name: recipientName,
      email,
      overridden: override !== null,
      reason: override?.reason ?? null,
    },
    mode,
    fallback,
    children: plannedChildren,
    emailChildId: mode === 'email' ? firstChild.patientId : null,
    summary: sentences.join(' '),
  };
}

function chooseFirstChild(guardian: PlanContact, group: PlanChild[], allChildren: PlanChild[], choices: PlanChoices): PlanChild {
  const chosenId = ownValue(choices.firstChildByGuardian, guardian.contactId);
  if (chosenId === undefined) return group.find((c) => c.checkingInToday) ?? group[0]!;
  const chosen = group.find((c) => c.patientId === chosenId);
  if (chosen) return chosen;
  const elsewhere = allChildren.find((c) => c.patientId === chosenId);
  const who = elsewhere ? elsewhere.firstName.trim() : 'The chosen child';
  throw new PlanChoiceError(
    'unknown_child',
    `${who} is not among the children planned for ${fullName(guardian)} (${firstNames(group)}): pick one of them to go first.`,
  );
}

function chooseRecipient(
  guardian: PlanContact,
  group: PlanChild[],
  contactsById: Map<string, PlanContact>,
  choices: PlanChoices,
): { contact: PlanContact; reason: string } | null {
  const choice = ownValue(choices.recipientByGuardian, guardian.contactId);
  // Choosing the guardian themselves is no change of recipient.
  if (choice === undefined || choice.contactId === guardian.contactId) return null;

  const contact = contactsById.get(choice.contactId);
  if (!contact) {
    throw new PlanChoiceError('unknown_contact', `The new recipient is not one of the family contacts of ${firstNames(group)}.`);
  }
  // The recipient owns the one account every child of the group is added to, so they need a right to each child.
  for (const child of group) {
    const links = contact.links.filter((l) => l.patientId === child.patientId);
    if (links.some(hasAccessRight)) continue;
    const name = fullName(contact);
    const childName = child.firstName.trim();
    const they = pronouns(contact.relationship).subject;
    const why =
      links.length === 0
        ? `${name} is not listed as a contact for ${childName}`
        : `${name} has no authority for ${childName} and does not live with them`;
    throw new PlanChoiceError('recipient_not_allowed', `${why}: ${they} cannot receive ${possessive(childName)} PIN.`);
  }
  const reason = choice.reason.trim();
  if (reason === '') {
    throw new PlanChoiceError('recipient_not_allowed', 'Give a short reason for sending the Welcome email to someone else.');
  }
  return { contact, reason };
}

function fallbackFor(
  recipient: PlanContact,
  mailbox: MailboxCheck,
  printOnlyChosen: boolean,
): { code: FallbackCode; message: string } | null {
  const name = fullName(recipient);
  const p = pronouns(recipient.relationship);
  if (printOnlyChosen) {
    return { code: 'print_only_chosen', message: 'Print-only was chosen, so no Welcome email is sent.' };
  }
  if (!mailbox.ok) {
    const why = mailbox.problem === 'missing' ? `${name} has no email on file` : `${possessive(name)} email on file ("${recipient.email?.trim()}") cannot be used: ${emailProblemWords(mailbox.problem)}`;
    return {
      code: 'no_email',
      message: `${why}, so no Welcome email: every PIN is printed and ${p.subject} ${p.plural ? 'create' : 'creates'} the account at the portal with the first one.`,
    };
  }
  if (recipient.hasPortalAccount) {
    return {
      code: 'has_portal_account',
      message: `${name} already has a portal account: every PIN is printed for ${p.object} to add under My Account > Add child/dependent.`,
    };
  }
  return null;
}

const FEMININE = new Set(['mother', 'grandmother', 'stepmother', 'aunt', 'sister']);
const MASCULINE = new Set(['father', 'grandfather', 'stepfather', 'uncle', 'brother']);

export function pronouns(relationship: string): { subject: string; object: string; plural: boolean } {
  // "Step-Mother", "step mother" and "STEPMOTHER" are the same relationship.
  const key = relationship.toLowerCase().replace(/[^a-z]/g, '');
  if (FEMININE.has(key)) return { subject: 'she', object: 'her', plural: false };
  if (MASCULINE.has(key)) return { subject: 'he', object: 'him', plural: false };
  return { subject: 'they', object: 'them', plural: true };
}

/** "Ana", "Ana and Luis", "Ana, Luis and Sofia". */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function firstNames(children: readonly PlanChild[]): string {
  return listNames(children.map((c) => c.firstName.trim()));
}

function pinsFor(children: readonly PlanChild[]): string {
  const names = firstNames(children);
  return children.length === 1 ? `The PIN for ${names} is` : `PINs for ${names} are`;
}

function possessive(name: string): string {
  return `${name}'s`;
}

function withoutFinalStop(text: string): string {
  return text.replace(/[.\s]+$/, '');
}

/** Oldest first; a missing date of birth last; same date (twins) by first name, then patient id. */
function oldestFirst(a: PlanChild, b: PlanChild): number {
  if (a.dateOfBirth !== b.dateOfBirth) {
    if (a.dateOfBirth === null) return 1;
    if (b.dateOfBirth === null) return -1;
    return compareText(a.dateOfBirth, b.dateOfBirth);
  }
  return compareText(a.firstName.trim().toLowerCase(), b.firstName.trim().toLowerCase()) || compareText(a.patientId, b.patientId);
}

// Code-unit order, not locale order, so the plan is the same on every machine.
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Record lookups from the UI must not find inherited keys such as "constructor".
function ownValue<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
