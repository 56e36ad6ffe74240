import { useEffect } from 'react';
import { useNavigation } from '../app/navigation';
import { PlanStep } from './PlanStep';
import { PrintStep } from './PrintStep';
import { ReviewStep } from './ReviewStep';
import { useWizard, type WizardStep } from './wizardStore';
import { ErrorNote } from '../components/ErrorNote';

const STEPS: { step: WizardStep; label: string }[] = [
  { step: 'review', label: '1 Review' },
  { step: 'plan', label: '2 Plan' },
  { step: 'print', label: '3 Issue and print' },
];

function Stepper({ current }: { current: WizardStep }) {
  return (
    <ol className="stepper no-print" aria-label="Steps">
      {STEPS.map((s) => (
        <li key={s.step} aria-current={s.step === current ? 'step' : undefined} className={s.step === current ? 'current' : undefined}>
          {s.label}
        </li>
      ))}
    </ol>
  );
}

/**
 * `visit` is the navigation entry that opened the wizard: each visit (from check-in, search, the
 * family page) starts a fresh pass on the family as it is now, while a clerk's stashed work (same
 * entry, given back after another clerk used the station) carries on where it was.
 */
export function WizardScreen({ familyId, visit, replacePatientId }: { familyId: string; visit: object; replacePatientId?: string }) {
  const { family, step, error, start, visit: started, setStep } = useWizard();
  useEffect(() => {
    if (started !== visit) void start(familyId, visit, replacePatientId);
  }, [familyId, visit, started, start, replacePatientId]);
  // Escape on the plan goes back to the review, not out of the wizard.
  const setStepBack = useNavigation((s) => s.setStepBack);
  useEffect(() => {
    setStepBack(() => {
      if (useWizard.getState().step !== 'plan') return false;
      setStep('review');
      return true;
    });
    return () => setStepBack(null);
  }, [setStepBack, setStep]);

  return (
    <section className="screen wizard" aria-labelledby="wizard-title">
      <header className="screen-header no-print">
        <h1 id="wizard-title">Portal PINs: {family ? `${family.familyName} family` : '…'}</h1>
        <Stepper current={step} />
      </header>
      <ErrorNote message={error} className="no-print" />
      {family && step === 'review' && <ReviewStep family={family} />}
      {family && step === 'plan' && <PlanStep family={family} />}
      {step === 'print' && <PrintStep />}
    </section>
  );
}
