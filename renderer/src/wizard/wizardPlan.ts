import type { FamilyView } from '../../../shared/api';
import { planFamilyPins, PlanChoiceError, type FamilyPlan, type PlanChoices } from '../../../shared/domain/plan';
import { planInputsFromFamily } from '../../../shared/planInputs';

/** A record without the entries whose reason is still blank. */
function withReasons<T>(record: Record<string, T>, reasonOf: (value: T) => string): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => reasonOf(value).trim() !== ''));
}

/**
 * The plan as the clerk is deciding it. A replacement, a re-sent Welcome email or a chosen account
 * owner waits for its reason: until one is typed the plan shows the rest as it stands (and main,
 * which gets the choices as they are, refuses a blank reason).
 */
export function computePlan(family: FamilyView, choices: PlanChoices): { plan: FamilyPlan | null; error: string | null; waitingForReason: boolean } {
  const { children, contacts } = planInputsFromFamily(family);
  const ready: PlanChoices = {
    ...choices,
    replacePins: withReasons(choices.replacePins, (r) => r),
    resendWelcome: withReasons(choices.resendWelcome, (r) => r),
    recipientByChild: withReasons(choices.recipientByChild, (c) => c.reason),
  };
  const waitingForReason =
    Object.keys(ready.replacePins).length !== Object.keys(choices.replacePins).length ||
    Object.keys(ready.resendWelcome).length !== Object.keys(choices.resendWelcome).length ||
    Object.keys(ready.recipientByChild).length !== Object.keys(choices.recipientByChild).length;
  try {
    return { plan: planFamilyPins(children, contacts, ready, { now: new Date(), timeZone: family.timeZone }), error: null, waitingForReason };
  } catch (error) {
    if (error instanceof PlanChoiceError) return { plan: null, error: error.message, waitingForReason };
    throw error;
  }
}

/** What the review's Continue button says: the count, or why there is nothing to issue by default. */
export function continueLabel(plan: FamilyPlan | null): string {
  const count = plan?.pinCount ?? 0;
  if (count > 0) return `Continue: plan ${count} PIN${count === 1 ? '' : 's'}`;
  if (plan?.notIssued.some((n) => n.code === 'pin_held' || n.code === 'not_selected' || n.code === 'needs_recipient')) {
    return 'Continue: nothing to issue by default (see why)';
  }
  return 'No child can get a PIN yet';
}

/** Record update without the key (choices are plain records sent to main). */
export function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  const next = { ...record };
  delete next[key];
  return next;
}
