import { birthdayOfAge, daysBetween, formatUsDate, type IsoDate } from './dates';
import { patientEligibility } from './eligibility';
import { isUnofficialName } from './names';
import type { PatientStatus } from './patient';

/** Days ahead in which turning the Minor Age Limit earns a warning. */
export const MINOR_LIMIT_WARNING_DAYS = 90;

export interface VerdictSettings {
  minorAgeLimit: number;
  /** 0 turns the adolescent-confidentiality warning off. */
  adolescentAge: number;
}

export interface VerdictInput {
  firstName: string;
  lastName: string;
  dateOfBirth: IsoDate | null;
  status: PatientStatus;
  portalLinked: boolean;
  hasEligibleGuardian: boolean;
  /**
   * When there is no eligible Primary Contact: the Sort-1 contact's name (null: no Sort 1 at all)
   * and how many other contacts have authority or live with the child (SPEC 3.2 step 2).
   */
  noGuardian?: { sortOneName: string | null; otherRecipients: number };
  /** The unredeemed, unexpired PIN the child already holds (any desk), in words: "12 minutes ago by Dana at DESK-1 (printed)". */
  heldPin?: string | null;
}

/** 'needs_recipient': the clerk chooses who owns the account among the contacts with a right to the child. */
export type VerdictKind = 'eligible' | 'excluded' | 'blocked' | 'needs_recipient';

export type ReasonCode =
  | 'status'
  | 'over_minor_age'
  | 'no_date_of_birth'
  | 'invalid_date_of_birth'
  | 'future_date_of_birth'
  | 'portal_linked'
  | 'unofficial_name'
  | 'no_eligible_guardian'
  | 'needs_recipient';

export type WarningCode = 'pin_held' | 'turns_minor_limit_soon' | 'adolescent_confidentiality';

export interface Reason {
  code: ReasonCode;
  message: string;
}
export interface Warning {
  code: WarningCode;
  message: string;
}

export interface ChildVerdict {
  kind: VerdictKind;
  /** Why the child is excluded or blocked; empty when eligible. */
  reasons: Reason[];
  warnings: Warning[];
  age: number | null;
}

/**
 * The per-child verdict of the family review (SPEC 3.2 step 2). Exclusions (status, age, no date
 * of birth, already on the portal) outrank blocks (fixable here: placeholder name, no guardian
 * who can own the account); warnings never stop a PIN.
 */
export function childVerdict(child: VerdictInput, settings: VerdictSettings, today: IsoDate): ChildVerdict {
  const placeholder = isUnofficialName(child.firstName, child.lastName);
  // "Baby Girl's name is still Baby Girl" reads badly: a placeholder is not a name to address.
  const name = placeholder ? 'This child' : child.firstName.trim();
  const excluded: Reason[] = [];
  const blocked: Reason[] = [];
  const warnings: Warning[] = [];

  const eligibility = patientEligibility(child, settings.minorAgeLimit, today);
  for (const exclusion of eligibility.exclusions) {
    switch (exclusion.code) {
      case 'status':
        excluded.push({ code: 'status', message: `${name} is ${exclusion.status}: only Active patients get a PIN.` });
        break;
      case 'no_date_of_birth':
        excluded.push({
          code: 'no_date_of_birth',
          message: `${name} has no date of birth on file. The portal needs it with the PIN: add it to the chart first.`,
        });
        break;
      case 'invalid_date_of_birth':
        excluded.push({
          code: 'invalid_date_of_birth',
          message: `${name}'s date of birth on file ("${exclusion.dateOfBirth}") is not a real date. Correct it in the chart first.`,
        });
        break;
      case 'future_date_of_birth':
        excluded.push({
          code: 'future_date_of_birth',
          message: `${name}'s date of birth (${formatUsDate(exclusion.dateOfBirth)}) is in the future. Correct it in the chart.`,
        });
        break;
      case 'over_minor_age':
        excluded.push({
          code: 'over_minor_age',
          message: `${name} is ${exclusion.age}, at or over the Minor Age Limit of ${exclusion.minorAgeLimit}: registers on their own account.`,
        });
        break;
    }
  }
  const age = eligibility.age;
  if (age !== null && eligibility.exclusions.every((e) => e.code === 'status')) {
    const turns = birthdayOfAge(eligibility.dateOfBirth!, settings.minorAgeLimit);
    const days = daysBetween(today, turns);
    if (days <= MINOR_LIMIT_WARNING_DAYS) {
      warnings.push({
        code: 'turns_minor_limit_soon',
        message: `${name} turns ${settings.minorAgeLimit} on ${formatUsDate(turns)} (in ${days} day${days === 1 ? '' : 's'}) and will then leave the parent's account.`,
      });
    }
    if (settings.adolescentAge > 0 && age >= settings.adolescentAge) {
      warnings.push({
        code: 'adolescent_confidentiality',
        message: `${name} is ${age}: the practice limits a parent's portal access from age ${settings.adolescentAge}.`,
      });
    }
  }
  if (child.portalLinked) {
    excluded.push({ code: 'portal_linked', message: `${name} is already linked to a portal account.` });
  }

  if (placeholder) {
    blocked.push({
      code: 'unofficial_name',
      message: `${name}'s name on the chart is still "${child.firstName.trim() || '(blank)'}". Update it before issuing a PIN.`,
    });
  }
  let needsRecipient: Reason | null = null;
  if (!child.hasEligibleGuardian) {
    const sortOne = child.noGuardian?.sortOneName ?? null;
    const others = child.noGuardian?.otherRecipients ?? 0;
    const why = sortOne === null ? `${name} has no Primary Contact (Sort 1)` : `Sort 1 (${sortOne}) has no authority and does not live with ${name}`;
    if (others > 0) {
      needsRecipient = {
        code: 'needs_recipient',
        message: `${why}. Choose who owns the account among the ${others === 1 ? 'contact' : `${others} contacts`} with authority or living with ${name}, in the plan (a reason is recorded).`,
      };
    } else {
      blocked.push({ code: 'no_eligible_guardian', message: `${why}, and no other contact has authority: fix it in the practice system.` });
    }
  }

  if (child.heldPin) {
    warnings.push({ code: 'pin_held', message: `PIN issued ${child.heldPin}. Not issued again unless you replace it.` });
  }

  if (excluded.length > 0) return { kind: 'excluded', reasons: excluded, warnings, age };
  if (blocked.length > 0) return { kind: 'blocked', reasons: blocked, warnings, age };
  if (needsRecipient) return { kind: 'needs_recipient', reasons: [needsRecipient], warnings, age };
  return { kind: 'eligible', reasons: [], warnings, age };
}
