import { compareText, oldestFirst, youngestFirst } from './childOrder';
import { shownEmail } from './contactQuality';
import { hasAccessRight } from './contacts';
import { checkMailbox, emailProblemWords, type MailboxCheck } from './email';
import { describeWhen } from './enrollment';
import { fullName } from './names';
import {
  NO_CHOICES,
  NOT_ISSUED_REASONS,
  PlanChoiceError,
  type FallbackCode,
  type FamilyPlan,
  type GuardianPlan,
  type NotIssuedChild,
  type NotIssuedCode,
  type PlanChild,
  type PlanChoices,
  type PlanClock,
  type PlanContact,
  type PlannedChild,
  type RecipientOption,
} from './planTypes';
import { firstNames, listNames, pinsFor, possessive, pronouns, withoutFinalStop } from './planWords';

// The plan's vocabulary (all of planTypes.ts), from the module its callers import.
export * from './planTypes';
export { listNames, pronouns } from './planWords';

/**
 * Step 3 of the Family PIN wizard (SPEC 3.2): group eligible children by the guardian who will own
 * the portal account and decide, per guardian, which PIN goes in the Welcome email and which are
 * printed ("Do not send PIN") so the parent adds them to the same account.
 */

/** An older plan (or a test) may leave the newer choices out: they default to none. */
function withDefaults(choices: Partial<PlanChoices>): PlanChoices {
  return { ...NO_CHOICES, ...choices };
}

export function planFamilyPins(
  children: PlanChild[],
  contacts: PlanContact[],
  partialChoices: Partial<PlanChoices>,
  clock: PlanClock = { now: new Date(), timeZone: 'UTC' },
): FamilyPlan {
  const choices = withDefaults(partialChoices);
  const contactsById = new Map(contacts.map((c) => [c.contactId, c]));
  const notIssued: NotIssuedChild[] = [];
  const candidates: { child: PlanChild; owner: string; chosenOwnerReason: string | null }[] = [];

  for (const child of children) {
    const firstName = child.firstName.trim();
    const basic = notIssuedReason(child);
    if (basic !== null) {
      notIssued.push({ patientId: child.patientId, firstName, ...basic });
      continue;
    }
    let owner = child.eligiblePrimaryContactId;
    let chosenOwnerReason: string | null = null;
    if (owner === null) {
      // SPEC 3.2: no eligible Primary Contact, but contacts with authority or residence: the clerk chooses.
      const options = recipientOptionsFor([child], contacts);
      const choice = ownValue(choices.recipientByChild, child.patientId);
      if (choice === undefined) {
        notIssued.push({
          patientId: child.patientId,
          firstName,
          code: 'needs_recipient',
          reason: NOT_ISSUED_REASONS.needsRecipient,
          recipientOptions: options,
        });
        continue;
      }
      const chosen = contactsById.get(choice.contactId);
      if (!chosen || !options.some((o) => o.contactId === choice.contactId)) {
        throw new PlanChoiceError(
          'recipient_not_allowed',
          `${chosen ? fullName(chosen) : 'That contact'} has no authority for ${firstName} and does not live with them: choose one of ${listNames(options.map((o) => o.name))}.`,
        );
      }
      chosenOwnerReason = requireReason(choice.reason, `Give a short reason for choosing ${fullName(chosen)} to own ${possessive(firstName)} account.`);
      owner = chosen.contactId;
    }
    candidates.push({ child, owner, chosenOwnerReason });
  }

  // Children checking in bring their account owners to the desk; the owners' other children come
  // along, anyone else's are listed but not preselected (SPEC 3.2 step 3).
  const anyCheckingIn = candidates.some((c) => c.child.checkingInToday);
  const ownersAtDesk = new Set(candidates.filter((c) => c.child.checkingInToday).map((c) => c.owner));
  const groups = new Map<string, { child: PlanChild; chosenOwnerReason: string | null; replace: { pinId: string; reason: string } | null }[]>();
  for (const { child, owner, chosenOwnerReason } of candidates) {
    const firstName = child.firstName.trim();
    const included = ownValue(choices.include, child.patientId);
    const preselected = !anyCheckingIn || child.checkingInToday || ownersAtDesk.has(owner);
    if (included === false || (included === undefined && !preselected)) {
      notIssued.push({
        patientId: child.patientId,
        firstName,
        code: 'not_selected',
        reason: included === false ? NOT_ISSUED_REASONS.leftOut : NOT_ISSUED_REASONS.notSelected,
      });
      continue;
    }
    let replace: { pinId: string; reason: string } | null = null;
    if (child.heldPin) {
      const reason = ownValue(choices.replacePins, child.patientId);
      if (reason === undefined) {
        notIssued.push({
          patientId: child.patientId,
          firstName,
          code: 'pin_held',
          reason: `holds a PIN issued ${child.heldPin.description}`,
          heldPin: { pinId: child.heldPin.pinId, reprintBatchId: child.heldPin.delivery === 'email' ? null : child.heldPin.reprintBatchId },
        });
        continue;
      }
      replace = { pinId: child.heldPin.pinId, reason: requireReason(reason, `Give a short reason for replacing ${possessive(firstName)} PIN.`) };
    }
    const group = groups.get(owner);
    const entry = { child, chosenOwnerReason, replace };
    if (group) group.push(entry);
    else groups.set(owner, [entry]);
  }

  const ordered = [...groups.entries()]
    .map(([guardianId, group]) => ({ guardianId, group: [...group].sort((a, b) => oldestFirst(a.child, b.child)) }))
    .sort((a, b) => oldestFirst(a.group[0]!.child, b.group[0]!.child) || compareText(a.guardianId, b.guardianId));

  const guardians = ordered.map(({ guardianId, group }) => planGuardian(guardianId, group, children, contacts, contactsById, choices, clock));

  return {
    guardians,
    notIssued,
    pinCount: guardians.reduce((n, g) => n + g.children.length, 0),
    emailCount: guardians.filter((g) => g.mode === 'email').length,
  };
}

function notIssuedReason(child: PlanChild): { code: NotIssuedCode; reason: string } | null {
  if (child.verdictKind === 'excluded') return { code: 'excluded', reason: NOT_ISSUED_REASONS.excluded };
  if (child.verdictKind === 'blocked') return { code: 'blocked', reason: NOT_ISSUED_REASONS.blocked };
  if (child.verdictKind === 'eligible' && child.eligiblePrimaryContactId === null) return { code: 'no_guardian', reason: NOT_ISSUED_REASONS.noGuardian };
  return null;
}

function requireReason(reason: string, ask: string): string {
  const trimmed = reason.trim();
  if (trimmed === '') throw new PlanChoiceError('reason_required', ask);
  return trimmed;
}

/** Contacts with authority or residence for every one of these children: who may own their account. */
export function recipientOptionsFor(group: readonly Pick<PlanChild, 'patientId'>[], contacts: readonly PlanContact[]): RecipientOption[] {
  return contacts
    .filter((c) => group.every((child) => c.links.some((l) => l.patientId === child.patientId && hasAccessRight(l))))
    .map((c) => {
      const mailbox = checkMailbox(c.email);
      return { contactId: c.contactId, name: fullName(c), email: mailbox.ok ? mailbox.address : null };
    });
}

type GroupEntry = { child: PlanChild; chosenOwnerReason: string | null; replace: { pinId: string; reason: string } | null };

function planGuardian(
  guardianId: string,
  entries: GroupEntry[],
  allChildren: PlanChild[],
  contacts: readonly PlanContact[],
  contactsById: Map<string, PlanContact>,
  choices: PlanChoices,
  clock: PlanClock,
): GuardianPlan {
  const group = entries.map((e) => e.child);
  const guardian = contactsById.get(guardianId);
  if (!guardian) {
    throw new PlanChoiceError('unknown_contact', `The Primary Contact of ${firstNames(group)} is missing from the family contacts.`);
  }
  const firstChild = chooseFirstChild(guardian, group, allChildren, choices);
  const override = chooseRecipient(guardian, group, contactsById, choices);
  const recipient = override?.contact ?? guardian;
  const mailbox = checkMailbox(recipient.email);
  const email = mailbox.ok ? mailbox.address : null;
  const resendAsked = ownValue(choices.resendWelcome, recipient.contactId);
  const resendReason =
    resendAsked === undefined ? null : requireReason(resendAsked, `Give a short reason for sending ${fullName(recipient)} another Welcome email.`);
  const fallback = fallbackFor(recipient, mailbox, choices.printOnly, resendReason !== null, clock);
  const mode = fallback === null ? 'email' : 'print-only';
  const accountExists = fallback?.code === 'has_portal_account' || fallback?.code === 'welcome_already';
  const rest = group.filter((c) => c !== firstChild);
  const inOrder = [firstChild, ...rest];
  const entryOf = new Map(entries.map((e) => [e.child, e]));

  const plannedChildren: PlannedChild[] = inOrder.map((c) => ({
    patientId: c.patientId,
    firstName: c.firstName,
    lastName: c.lastName,
    dateOfBirth: c.dateOfBirth ?? '',
    delivery: mode === 'email' && c === firstChild ? 'email' : 'print',
    warnings: (c.warnings ?? []).filter((w) => w.code !== 'pin_held').map((w) => w.message),
    replaces: entryOf.get(c)!.replace,
    chosenOwnerReason: entryOf.get(c)!.chosenOwnerReason,
  }));

  const recipientName = fullName(recipient);
  const p = pronouns(recipient.relationship);
  const sentences: string[] = [];
  if (mode === 'email') {
    sentences.push(`${recipientName} (${email}) receives the Welcome email with ${possessive(firstChild.firstName.trim())} PIN.`);
    if (rest.length > 0) sentences.push(`${pinsFor(rest)} printed for ${p.object} to add.`);
    if (resendReason !== null) sentences.push(`(A Welcome email was already queued or sent: sending another because ${withoutFinalStop(resendReason)}.)`);
  } else if (accountExists) {
    sentences.push(fallback!.message);
  } else {
    sentences.push(`${pinsFor(inOrder)} printed for ${recipientName}.`);
    sentences.push(fallback!.message);
  }
  if (override) sentences.push(`(Recipient changed from ${fullName(guardian)}: ${withoutFinalStop(override.reason)}.)`);
  for (const entry of entries) {
    if (entry.chosenOwnerReason !== null) {
      sentences.push(`(${recipientName} owns ${possessive(entry.child.firstName.trim())} account: ${withoutFinalStop(entry.chosenOwnerReason)}.)`);
    }
    if (entry.replace) sentences.push(`(${possessive(entry.child.firstName.trim())} earlier PIN is replaced: ${withoutFinalStop(entry.replace.reason)}.)`);
  }

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
    accountExists,
    resendReason,
    recipientOptions: recipientOptionsFor(group, contacts),
    language: ownValue(choices.languageByGuardian, recipient.contactId) ?? recipient.language ?? 'en',
    summary: sentences.join(' '),
  };
}

function chooseFirstChild(guardian: PlanContact, group: PlanChild[], allChildren: PlanChild[], choices: PlanChoices): PlanChild {
  const chosenId = ownValue(choices.firstChildByGuardian, guardian.contactId);
  if (chosenId === undefined) return defaultFirstChild(group);
  const chosen = group.find((c) => c.patientId === chosenId);
  if (chosen) return chosen;
  const elsewhere = allChildren.find((c) => c.patientId === chosenId);
  const who = elsewhere ? elsewhere.firstName.trim() : 'The chosen child';
  throw new PlanChoiceError(
    'unknown_child',
    `${who} is not among the children planned for ${fullName(guardian)} (${firstNames(group)}): pick one of them to go first.`,
  );
}

const NOT_FIRST: ReadonlySet<string> = new Set(['turns_minor_limit_soon', 'adolescent_confidentiality']);

/**
 * SPEC 3.2 step 3: the child checking in (the youngest of them), else the youngest who is neither
 * about to leave the parent's account nor at the practice's teen-confidentiality age, else the
 * youngest. The account is created with this child's PIN, so it must be one the parent keeps.
 */
function defaultFirstChild(group: readonly PlanChild[]): PlanChild {
  // A missing date of birth (cannot happen for an eligible child) never goes first.
  const dated = group.filter((c) => c.dateOfBirth !== null);
  const pool = [...(dated.length > 0 ? dated : group)].sort(youngestFirst);
  const checkingIn = pool.filter((c) => c.checkingInToday);
  const from = checkingIn.length > 0 ? checkingIn : pool;
  return from.find((c) => !(c.warnings ?? []).some((w) => NOT_FIRST.has(w.code))) ?? from[0]!;
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
      links.length === 0 ? `${name} is not listed as a contact for ${childName}` : `${name} has no authority for ${childName} and does not live with them`;
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
  resend: boolean,
  clock: PlanClock,
): { code: FallbackCode; message: string } | null {
  const name = fullName(recipient);
  const p = pronouns(recipient.relationship);
  if (printOnlyChosen) {
    return { code: 'print_only_chosen', message: 'Print-only was chosen, so no Welcome email is sent.' };
  }
  if (recipient.hasPortalAccount) {
    return {
      code: 'has_portal_account',
      message: `${name} already has a portal account: every PIN is printed on an add-child slip for ${p.object} to add under My Account > Add child/dependent.`,
    };
  }
  const welcome = recipient.welcome;
  if (!resend && welcome && welcome.state !== 'none') {
    const when = welcome.at ? ` ${describeWhen(welcome.at, clock.now, clock.timeZone)}` : '';
    const where = welcome.workstation ? ` from ${welcome.workstation}` : '';
    return {
      code: 'welcome_already',
      message: `${name} already has a Welcome email (${welcome.state === 'sent' ? 'sent' : 'queued'}${when}${where}): every PIN is printed on an add-child slip for ${p.object} to add to the same account under My Account > Add child/dependent.`,
    };
  }
  if (!mailbox.ok) {
    const why =
      mailbox.problem === 'missing'
        ? `${name} has no email on file`
        : `${possessive(name)} email on file ("${shownEmail(recipient.email ?? '')}") cannot be used: ${emailProblemWords(mailbox.problem)}`;
    return {
      code: 'no_email',
      message: `${why}, so no Welcome email: every PIN is printed and ${p.subject} ${p.plural ? 'create' : 'creates'} the account at the portal with the first one.`,
    };
  }
  return null;
}

// Record lookups from the UI must not find inherited keys such as "constructor".
function ownValue<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
