import { useEffect, useMemo, useRef } from 'react';
import type { FamilyView } from '../../../shared/api';
import type { FamilyPlan } from '../../../shared/domain/plan';
import { call } from '../api/client';
import { GuardianOptions } from './GuardianOptions';
import { NotInThisPass } from './NotInThisPass';
import { computePlan } from './wizardPlan';
import { useWizard } from './wizardStore';
import { ErrorNote } from '../components/ErrorNote';

/** Step 2: the plan in sentences, the clerk's choices, and Issue. */

export function PlanStep({ family }: { family: FamilyView }) {
  const { choices, setChoices, issue, busy, setStep } = useWizard();
  const { plan, error, waitingForReason } = useMemo(() => computePlan(family, choices), [family, choices]);
  // While the clerk types a required reason the plan waits for it; show the last whole plan meanwhile.
  const lastPlan = useRef<FamilyPlan | null>(null);
  if (plan) lastPlan.current = plan;
  const shown = plan ?? lastPlan.current;
  const expected = plan ? plan.guardians.flatMap((g) => g.children.map((c) => c.patientId)) : [];
  const nothing = shown !== null && shown.pinCount === 0;
  // While the clerk reads the plan, main makes and hashes the PINs for this batch: Issue then only writes.
  const batchId = useWizard((s) => s.batchId);
  const pinCount = plan?.pinCount ?? 0;
  useEffect(() => {
    if (pinCount > 0) void call('pins.prepare', { batchId, count: pinCount }).catch(() => undefined);
  }, [batchId, pinCount]);
  return (
    <>
      <section className="plan-summary" aria-label="Plan">
        {shown?.guardians.map((g) => (
          <p key={g.guardianContactId} className="plan-sentence">
            {g.summary}
          </p>
        ))}
        {nothing && (
          <p className="plan-sentence">
            Nothing to issue by default:{' '}
            {shown.notIssued
              .filter((n) => n.code !== 'excluded' && n.code !== 'blocked')
              .map((n) => `${n.firstName} ${n.code === 'pin_held' ? n.reason : `(${n.reason})`}`)
              .join('; ') || 'no child can get a PIN'}
            .
          </p>
        )}
        <ErrorNote message={error} />
        {waitingForReason && <p className="muted">Type the reason below to go on: it is recorded.</p>}
      </section>
      <label className="option-row">
        <input type="checkbox" checked={choices.printOnly} onChange={(e) => setChoices((ch) => ({ ...ch, printOnly: e.target.checked }))} />
        Print-only: send no email, print every PIN with the portal address at the top
      </label>
      {shown?.guardians.map((g) => (
        <GuardianOptions key={g.guardianContactId} guardian={g} />
      ))}
      {shown && <NotInThisPass family={family} plan={shown} />}
      <div className="wizard-actions">
        <button type="button" onClick={() => setStep('review')}>
          Back
        </button>
        <button
          type="button"
          className="primary"
          autoFocus
          disabled={!plan || plan.pinCount === 0 || busy || waitingForReason}
          onClick={() => void issue(expected)}
        >
          {busy
            ? 'Issuing…'
            : `Issue ${plan?.pinCount ?? 0} PIN${plan?.pinCount === 1 ? '' : 's'}${plan && plan.emailCount > 0 ? ` and queue ${plan.emailCount} Welcome email${plan.emailCount === 1 ? '' : 's'}` : ''}`}
        </button>
      </div>
    </>
  );
}
