import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckinList, FamilyView } from '../../shared/api';
import { NO_CHOICES, planFamilyPins } from '../../shared/domain/plan';
import { planInputsFromFamily } from '../../shared/planInputs';
import { signInOnWeb } from '../support/signIn';
import { webApi } from '../support/webApi';
import { startWebApp, type WebApp } from '../support/webApp';

/**
 * Issue 10: two tabs (or a double confirmation with a new batch id) confirming the same reviewed
 * family over web mode. Before, 20 of 20 families got two PIN sets and two Welcome emails.
 */
let desk: WebApp;
let invoke: ReturnType<typeof webApi>;

beforeAll(async () => {
  desk = await startWebApp({ demoFamilies: 120 });
  invoke = webApi(desk.url);
  await signInOnWeb(desk.url, 'demo');
}, 120_000);
afterAll(async () => {
  await desk?.stop();
});

/** The answer as the renderer gets it, refusal included. */
async function attempt(name: string, input: unknown): Promise<{ ok: boolean; message?: string }> {
  try {
    await invoke(name, input);
    return { ok: true };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

describe('two confirmations of one review, over web mode', () => {
  it('for 20 families, one set of PINs each; the second confirmation is refused as stale', async () => {
    const { families } = await invoke<CheckinList>('checkin.today', {});
    let tried = 0;
    let expectedPins = 0;
    let expectedEmails = 0;
    for (const { familyId } of families) {
      if (tried === 20) break;
      const review = await invoke<FamilyView>('family.load', { familyId });
      const { children, contacts } = planInputsFromFamily(review);
      const plan = planFamilyPins(children, contacts, NO_CHOICES, { now: new Date(), timeZone: review.timeZone });
      if (plan.pinCount === 0) continue;
      tried += 1;
      const request = (batchId: string) => ({
        batchId,
        familyId,
        choices: NO_CHOICES,
        expectedPatientIds: plan.guardians.flatMap((g) => g.children.map((c) => c.patientId)),
        reviewToken: review.reviewToken,
      });
      const answers = await Promise.all([attempt('pins.issue', request(randomUUID())), attempt('pins.issue', request(randomUUID()))]);
      expect(answers.filter((a) => a.ok)).toHaveLength(1);
      expect(answers.find((a) => !a.ok)?.message).toMatch(/changed since you reviewed it.*look again/);
      expectedPins += plan.pinCount;
      expectedEmails += plan.emailCount;

      // Reopened, the family shows what was issued and plans nothing more.
      const again = await invoke<FamilyView>('family.load', { familyId });
      const inputs = planInputsFromFamily(again);
      const next = planFamilyPins(inputs.children, inputs.contacts, NO_CHOICES, { now: new Date(), timeZone: again.timeZone });
      expect(next.pinCount).toBe(0);
    }
    expect(tried).toBe(20);
    const outbox = await invoke<{ kind: string }[]>('outbox.list', { status: 'pending' });
    expect(outbox.filter((r) => r.kind === 'portal.enrollment')).toHaveLength(expectedPins);
    expect(outbox.filter((r) => r.kind === 'email.welcome')).toHaveLength(expectedEmails);
  }, 120_000);
});
