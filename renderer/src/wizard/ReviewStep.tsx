import type { FamilyView } from '../../../shared/api';
import { useNavigation } from '../app/navigation';
import { ChildCard } from '../components/ChildCard';
import { ContactsTable } from '../family/FamilyScreen';
import { computePlan, continueLabel } from './wizardPlan';
import { useWizard } from './wizardStore';

/** Step 1: the children and their verdicts, with what can be fixed here. */

export function ReviewStep({ family }: { family: FamilyView }) {
  const { correctName, setStep, choices, replacePin } = useWizard();
  const go = useNavigation((s) => s.go);
  const { plan } = computePlan(family, choices);
  const label = continueLabel(plan);
  const needsName = family.children.some((c) => c.verdict.kind === 'blocked' && c.verdict.reasons.some((r) => r.code === 'unofficial_name'));
  return (
    <>
      <ul className="children" aria-label="Children">
        {family.children.map((child) => (
          <ChildCard
            key={child.patientId}
            child={child}
            contacts={family.contacts}
            onFixName={(first, last) => correctName(child.patientId, first, last)}
            onReprint={(batchId) => go({ name: 'packet', batchId })}
            onReplace={() => replacePin(child.patientId)}
          />
        ))}
      </ul>
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
