import type { FamilyView } from '../../../shared/api';
import type { FamilyPlan } from '../../../shared/domain/plan';
import { useNavigation } from '../app/navigation';
import { ReasonInput } from './ReasonInput';
import { without } from './wizardPlan';
import { useWizard } from './wizardStore';

/** Children this pass leaves out by default, each with what the clerk can do about it. */
export function NotInThisPass({ family, plan }: { family: FamilyView; plan: FamilyPlan }) {
  const { choices, setChoices } = useWizard();
  const go = useNavigation((s) => s.go);
  // A child being replaced or given an owner shows its reason field instead of its row.
  const replacing = Object.keys(choices.replacePins);
  const choosing = new Set(Object.keys(choices.recipientByChild));
  const actionable = plan.notIssued.filter(
    (n) =>
      (n.code === 'pin_held' && !replacing.includes(n.patientId)) || n.code === 'not_selected' || (n.code === 'needs_recipient' && !choosing.has(n.patientId)),
  );
  const other = plan.notIssued.filter((n) => n.code !== 'pin_held' && n.code !== 'not_selected' && n.code !== 'needs_recipient');
  const nameOf = (patientId: string) => family.children.find((c) => c.patientId === patientId)?.firstName ?? 'This child';
  if (actionable.length === 0 && replacing.length === 0 && choosing.size === 0 && other.length === 0) return null;
  return (
    <fieldset className="not-in-pass">
      <legend>Not in this pass</legend>
      <ul>
        {actionable.map((n) => (
          <li key={n.patientId}>
            {n.code === 'pin_held' && (
              <>
                <span>
                  {n.firstName} {n.reason}.
                </span>{' '}
                {n.heldPin?.reprintBatchId && (
                  <button type="button" onClick={() => go({ name: 'packet', batchId: n.heldPin!.reprintBatchId! })}>
                    Reprint {n.firstName}’s slip
                  </button>
                )}{' '}
                <button type="button" onClick={() => setChoices((ch) => ({ ...ch, replacePins: { ...ch.replacePins, [n.patientId]: '' } }))}>
                  Replace {n.firstName}’s PIN…
                </button>
              </>
            )}
            {n.code === 'not_selected' && (
              <label>
                <input type="checkbox" checked={false} onChange={() => setChoices((ch) => ({ ...ch, include: { ...ch.include, [n.patientId]: true } }))} />
                Include {n.firstName} ({n.reason})
              </label>
            )}
            {n.code === 'needs_recipient' && (
              <span>
                {n.firstName}: no eligible Primary Contact. Account owner:{' '}
                <select
                  value=""
                  onChange={(e) =>
                    setChoices((ch) => ({ ...ch, recipientByChild: { ...ch.recipientByChild, [n.patientId]: { contactId: e.target.value, reason: '' } } }))
                  }
                >
                  <option value="">Choose…</option>
                  {(n.recipientOptions ?? []).map((o) => (
                    <option key={o.contactId} value={o.contactId}>
                      {o.name}
                      {o.email ? ` (${o.email})` : ' (no usable email)'}
                    </option>
                  ))}
                </select>
              </span>
            )}
          </li>
        ))}
        {replacing.map((patientId) => (
          <li key={`replace-${patientId}`}>
            <ReasonInput
              label={`Replace ${nameOf(patientId)}’s PIN. Reason (recorded):`}
              autoFocus={choices.replacePins[patientId] === ''}
              value={choices.replacePins[patientId] ?? ''}
              onChange={(reason) => setChoices((ch) => ({ ...ch, replacePins: { ...ch.replacePins, [patientId]: reason } }))}
            />{' '}
            <button type="button" onClick={() => setChoices((ch) => ({ ...ch, replacePins: without(ch.replacePins, patientId) }))}>
              Keep the PIN {nameOf(patientId)} has
            </button>
          </li>
        ))}
        {Object.entries(choices.recipientByChild).map(([patientId, choice]) => (
          <li key={`owner-${patientId}`}>
            <ReasonInput
              label={`Why ${family.contacts.find((c) => c.contactId === choice.contactId)?.firstName ?? 'this contact'} owns ${nameOf(patientId)}’s account (recorded):`}
              value={choice.reason}
              onChange={(reason) => setChoices((ch) => ({ ...ch, recipientByChild: { ...ch.recipientByChild, [patientId]: { ...choice, reason } } }))}
            />{' '}
            <button type="button" onClick={() => setChoices((ch) => ({ ...ch, recipientByChild: without(ch.recipientByChild, patientId) }))}>
              Undo
            </button>
          </li>
        ))}
      </ul>
      {other.length > 0 && <p className="muted">No PIN for: {other.map((n) => `${n.firstName} (${n.reason})`).join(', ')}.</p>}
    </fieldset>
  );
}
