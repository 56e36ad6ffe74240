import type { FamilyView } from './api';
import type { PlanChild, PlanContact } from './domain/planTypes';

/** The family review as the planner's inputs: renderer (preview) and main (issue) use the same. */
export function planInputsFromFamily(family: FamilyView): { children: PlanChild[]; contacts: PlanContact[] } {
  return {
    children: family.children.map((c) => {
      const held = c.enrollment.heldPin;
      return {
        patientId: c.patientId,
        firstName: c.firstName,
        lastName: c.lastName,
        dateOfBirth: c.dateOfBirth,
        verdictKind: c.verdict.kind,
        eligiblePrimaryContactId: c.eligiblePrimaryContactId,
        checkingInToday: c.checkingInToday,
        warnings: c.verdict.warnings,
        heldPin: held
          ? {
              pinId: held.pinId,
              description: c.enrollment.heldPinText ?? held.issuedAt,
              reprintBatchId: held.reprintable ? held.batchId : null,
              delivery: held.delivery,
            }
          : null,
      };
    }),
    contacts: family.contacts.map((c) => ({
      contactId: c.contactId,
      firstName: c.firstName,
      lastName: c.lastName,
      relationship: c.relationship,
      email: c.email,
      hasPortalAccount: c.hasPortalAccount,
      links: c.links.map((l) => ({ patientId: l.patientId, sort: l.sort, authority: l.authority, residesWith: l.residesWith })),
      welcome: { state: c.enrollment.welcome, at: c.enrollment.welcomeAt, workstation: c.enrollment.welcomeWorkstation },
      language: c.language,
    })),
  };
}
