import { randomUUID } from 'node:crypto';
import type { FamilyView, IssuedBatch, Result } from '../../shared/api';
import { NO_CHOICES, planFamilyPins, type FamilyPlan, type PlanChoices } from '../../shared/domain/plan';
import { planInputsFromFamily } from '../../shared/planInputs';
import type { App } from '../../electron/main/app';
import { DANA, NEW_YORK_TIME, openTestDesk } from './testDesk';

/**
 * What the wizard does: load the family (the review), plan it as the renderer does, and confirm
 * with the review's token. Returns the review and the plan the clerk saw, and main's answer.
 */
export async function reviewAndIssue(
  app: App,
  familyId: string,
  choices: Partial<PlanChoices> = {},
  batchId: string = randomUUID(),
): Promise<{ batchId: string; family: FamilyView; plan: FamilyPlan; result: Result<IssuedBatch> }> {
  const family = await loadReview(app, familyId);
  const full = { ...NO_CHOICES, ...choices };
  const plan = planFamily(app, family, full);
  const expectedPatientIds = plan.guardians.flatMap((g) => g.children.map((c) => c.patientId));
  const result = (await app.invoke('pins.issue', {
    batchId,
    familyId,
    choices: full,
    expectedPatientIds: expectedPatientIds.length > 0 ? expectedPatientIds : ['none'],
    reviewToken: family.reviewToken,
  })) as Result<IssuedBatch>;
  return { batchId, family, plan, result };
}

/** The wizard's pins.issue input for a family as reviewed and planned, with the default choices. */
export function issueInput(family: FamilyView, plan: FamilyPlan, batchId: string = randomUUID()) {
  return {
    batchId,
    familyId: family.familyId,
    choices: NO_CHOICES,
    expectedPatientIds: plan.guardians.flatMap((g) => g.children.map((c) => c.patientId)),
    reviewToken: family.reviewToken,
  };
}

export async function loadReview(app: App, familyId: string): Promise<FamilyView> {
  const loaded = await app.invoke('family.load', { familyId });
  if (!loaded.ok) throw new Error(`family.load: ${loaded.error.message}`);
  return loaded.value as FamilyView;
}

export function planFamily(app: App, family: FamilyView, choices: Partial<PlanChoices> = {}): FamilyPlan {
  const { children, contacts } = planInputsFromFamily(family);
  return planFamilyPins(children, contacts, { ...NO_CHOICES, ...choices }, { now: app.context.now(), timeZone: family.timeZone });
}

/**
 * A desk for issuing tests: a real SQLite file, the practice in New York with a portal address,
 * and the clerk Dana Reyes (k1) signed in. `now` is read on every call, so a test can move it.
 */
export async function openIssuingDesk(file: string, options: { now: () => Date; workstation: string }): Promise<App> {
  return openTestDesk(file, {
    now: options.now,
    workstation: options.workstation,
    settings: { ...NEW_YORK_TIME, portalUrl: 'https://portal.example.org' },
    clerks: [DANA],
  });
}
