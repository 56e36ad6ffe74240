import type { PlanChild } from './planTypes';

// The order of a family's children in the plan: the same on every machine (code-unit order, not locale order).

/** Oldest first; a missing date of birth last; same date (twins) by first name, then patient id. */
export function oldestFirst(a: PlanChild, b: PlanChild): number {
  if (a.dateOfBirth !== b.dateOfBirth) {
    if (a.dateOfBirth === null) return 1;
    if (b.dateOfBirth === null) return -1;
    return compareText(a.dateOfBirth, b.dateOfBirth);
  }
  return compareText(a.firstName.trim().toLowerCase(), b.firstName.trim().toLowerCase()) || compareText(a.patientId, b.patientId);
}

/** Youngest first; the same date (twins) by first name, then patient id, like oldestFirst. */
export function youngestFirst(a: PlanChild, b: PlanChild): number {
  if (a.dateOfBirth !== b.dateOfBirth && a.dateOfBirth !== null && b.dateOfBirth !== null) return compareText(b.dateOfBirth, a.dateOfBirth);
  return oldestFirst(a, b);
}

// Code-unit order, not locale order, so the plan is the same on every machine.
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
