import type { FamilyView } from '../../../shared/api';
import { ChildCards } from '../components/ChildCard';
import { ContactsTable } from '../family/FamilyScreen';
import { computePlan, continueLabel } from './wizardPlan';
import { useWizard } from './wizardStore';

/** Step 1: the children and their verdicts, with what can be fixed here. */

export function ReviewStep({ family }: { family: FamilyView }) {
  const { correctName, setStep, choices, replacePin } = useWizard();
  const { plan } = computePlan(family, choices);
  const label = continueLabel(plan);
  const needsName = family.children.some((c) => c.verdict.kind === 'blocked' && c.verdict.reasons.some((r) => r.code === 'unofficial_name'));
  return (
    <>
      <ChildCards family={family} onFixName={correctName} onReplace={replacePin} />
      <div className="wizard-actions">
        {/* A child whose name must be fixed first has the keyboard (its name field); Enter must not leave it out. */}
        <button type="button" className="primary" autoFocus={!needsName} disabled={label.startsWith('No child')} onClick={() => setStep('plan')}>
          {label}
        </button>
      </div>
      {family.contacts.length > 0 && <ContactsTable family={family} />}
    </>
  );
}
