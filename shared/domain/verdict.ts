import { ageOn, birthdayOfAge, daysBetween, formatUsDate, isValidIsoDate, type IsoDate } from './dates';
import { isUnofficialName } from './names';
import { isStatusEligible, type PatientStatus } from './patient';

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
  unredeemedPins: readonly { issuedAt: string; issuedBy: string }[];
}

export type VerdictKind = 'eligible' | 'excluded' | 'blocked';

export type ReasonCode =
  | 'status'
  | 'over_minor_age'
  | 'no_date_of_birth'
  | 'invalid_date_of_birth'
  | 'future_date_of_birth'
  | 'portal_linked'
  | 'unofficial_name'
  | 'no_eligible_guardian';

export type WarningCode = 'unredeemed_pin' | 'turns_minor_limit_soon' | 'adolescent_confidentiality';

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
  let age: number | null = null;

  if (!isStatusEligible(child.status)) {
    excluded.push({ code: 'status', message: `${name} is ${child.status}: only Active patients get a PIN.` });
  }
  if (child.dateOfBirth === null || child.dateOfBirth.trim() === '') {
    excluded.push({
      code: 'no_date_of_birth',
      message: `${name} has no date of birth on file. The portal needs it with the PIN: add it to the chart first.`,
    });
  } else if (!isValidIsoDate(child.dateOfBirth)) {
    excluded.push({
      code: 'invalid_date_of_birth',
      message: `${name}'s date of birth on file ("${child.dateOfBirth}") is not a real date. Correct it in the chart first.`,
    });
  } else {
    age = ageOn(child.dateOfBirth, today);
    if (age < 0) {
      excluded.push({
        code: 'future_date_of_birth',
        message: `${name}'s date of birth (${formatUsDate(child.dateOfBirth)}) is in the future. Correct it in the chart.`,
      });
      age = null;
    } else if (age >= settings.minorAgeLimit) {
      excluded.push({
        code: 'over_minor_age',
        message: `${name} is ${age}, at or over the Minor Age Limit of ${settings.minorAgeLimit}: registers on their own account.`,
      });
    } else {
      const turns = birthdayOfAge(child.dateOfBirth, settings.minorAgeLimit);
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
  if (!child.hasEligibleGuardian) {
    blocked.push({
      code: 'no_eligible_guardian',
      message: `${name} has no Primary Contact (Sort 1) with Joint or Exclusive authority or living with them. Fix the family contacts first.`,
    });
  }

  for (const pin of child.unredeemedPins) {
    warnings.push({
      code: 'unredeemed_pin',
      message: `An unused PIN was issued for ${name} on ${pin.issuedAt} by ${pin.issuedBy}; it stays valid until used or expired.`,
    });
  }

  if (excluded.length > 0) return { kind: 'excluded', reasons: excluded, warnings, age };
  if (blocked.length > 0) return { kind: 'blocked', reasons: blocked, warnings, age };
  return { kind: 'eligible', reasons: [], warnings, age };
}
