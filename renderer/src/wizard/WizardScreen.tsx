import { useEffect, useMemo, useRef } from 'react';
import { useReactToPrint } from 'react-to-print';
import type { FamilyView } from '../../../shared/api';
import { hasAccessRight } from '../../../shared/domain/contacts';
import { planFamilyPins, PlanChoiceError, type FamilyPlan, type GuardianPlan, type PlanChoices } from '../../../shared/domain/plan';
import { planInputsFromFamily } from '../../../shared/domain/planInputs';
import { useNavigation } from '../app/navigation';
import { ChildCard } from '../components/ChildCard';
import { ContactsTable } from '../family/FamilyScreen';
import { FamilyPacket } from '../packet/FamilyPacket';
import { useQrCode } from '../packet/useQrCode';
import { useWizard, type WizardStep } from './wizardStore';

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

function computePlan(family: FamilyView, choices: PlanChoices): { plan: FamilyPlan | null; error: string | null } {
  const { children, contacts } = planInputsFromFamily(family);
  try {
    return { plan: planFamilyPins(children, contacts, choices), error: null };
  } catch (error) {
    if (error instanceof PlanChoiceError) return { plan: null, error: error.message };
    throw error;
  }
}

function ReviewStep({ family }: { family: FamilyView }) {
  const { correctName, setStep, choices } = useWizard();
  const { plan } = computePlan(family, choices);
  const count = plan?.pinCount ?? 0;
  return (
    <>
      <ul className="children" aria-label="Children">
        {family.children.map((child) => (
          <ChildCard
            key={child.patientId}
            child={child}
            contacts={family.contacts}
            onFixName={(first, last) => correctName(child.patientId, first, last)}
          />
        ))}
      </ul>
      <div className="wizard-actions">
        <button type="button" className="primary" autoFocus disabled={count === 0} onClick={() => setStep('plan')}>
          {count === 0 ? 'No child can get a PIN yet' : `Continue: plan ${count} PIN${count === 1 ? '' : 's'}`}
        </button>
      </div>
      {family.contacts.length > 0 && <ContactsTable family={family} />}
    </>
  );
}

function GuardianOptions({ family, guardian }: { family: FamilyView; guardian: GuardianPlan }) {
  const { choices, setChoices } = useWizard();
  const childIds = guardian.children.map((c) => c.patientId);
  // Only contacts with authority or residence for every child of this group may own the account.
  const allowed = family.contacts.filter((c) =>
    childIds.every((id) => c.links.some((l) => l.patientId === id && hasAccessRight(l))),
  );
  const override = choices.recipientByGuardian[guardian.guardianContactId];
  const firstChild = guardian.emailChildId ?? guardian.children[0]?.patientId;
  return (
    <fieldset className="guardian-options">
      <legend>Account owner group: {guardian.recipient.name}</legend>
      {guardian.children.length > 1 && (
        <div className="option-row" role="radiogroup" aria-label={`Child whose PIN ${guardian.mode === 'email' ? 'goes by email' : 'comes first'}`}>
          <span>{guardian.mode === 'email' ? 'Welcome email carries the PIN of:' : 'First PIN (creates the account):'}</span>
          {guardian.children.map((c) => (
            <label key={c.patientId}>
              <input
                type="radio"
                name={`first-${guardian.guardianContactId}`}
                checked={firstChild === c.patientId}
                onChange={() =>
                  setChoices((ch) => ({ ...ch, firstChildByGuardian: { ...ch.firstChildByGuardian, [guardian.guardianContactId]: c.patientId } }))
                }
              />
              {c.firstName}
            </label>
          ))}
        </div>
      )}
      {allowed.length > 1 && (
        <div className="option-row">
          <label>
            Send to and account owner:{' '}
            <select
              value={override?.contactId ?? guardian.guardianContactId}
              onChange={(e) =>
                setChoices((ch) => {
                  const next = { ...ch.recipientByGuardian };
                  if (e.target.value === guardian.guardianContactId) delete next[guardian.guardianContactId];
                  else next[guardian.guardianContactId] = { contactId: e.target.value, reason: next[guardian.guardianContactId]?.reason ?? '' };
                  return { ...ch, recipientByGuardian: next };
                })
              }
            >
              {allowed.map((c) => (
                <option key={c.contactId} value={c.contactId}>
                  {c.firstName} {c.lastName}
                  {c.email ? ` (${c.email})` : ' (no email)'}
                </option>
              ))}
            </select>
          </label>
          {override && (
            <label>
              Reason for the change (recorded):{' '}
              <input
                value={override.reason}
                maxLength={300}
                required
                onChange={(e) =>
                  setChoices((ch) => ({
                    ...ch,
                    recipientByGuardian: { ...ch.recipientByGuardian, [guardian.guardianContactId]: { contactId: override.contactId, reason: e.target.value } },
                  }))
                }
              />
            </label>
          )}
        </div>
      )}
    </fieldset>
  );
}

function PlanStep({ family }: { family: FamilyView }) {
  const { choices, setChoices, issue, busy, setStep } = useWizard();
  const { plan, error } = useMemo(() => computePlan(family, choices), [family, choices]);
  const expected = plan ? plan.guardians.flatMap((g) => g.children.map((c) => c.patientId)) : [];
  return (
    <>
      <section className="plan-summary" aria-label="Plan">
        {plan?.guardians.map((g) => (
          <p key={g.guardianContactId} className="plan-sentence">
            {g.summary}
          </p>
        ))}
        {plan && plan.notIssued.length > 0 && (
          <p className="muted">No PIN for: {plan.notIssued.map((n) => `${n.firstName} (${n.reason})`).join(', ')}.</p>
        )}
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </section>
      <label className="option-row">
        <input type="checkbox" checked={choices.printOnly} onChange={(e) => setChoices((ch) => ({ ...ch, printOnly: e.target.checked }))} />
        Print-only: send no email, print every PIN with the portal address at the top
      </label>
      {plan?.guardians.map((g) => <GuardianOptions key={g.guardianContactId} family={family} guardian={g} />)}
      <div className="wizard-actions">
        <button type="button" onClick={() => setStep('review')}>
          Back
        </button>
        <button type="button" className="primary" autoFocus disabled={!plan || plan.pinCount === 0 || busy} onClick={() => void issue(expected)}>
          {busy ? 'Issuing…' : `Issue ${plan?.pinCount ?? 0} PIN${plan?.pinCount === 1 ? '' : 's'}${plan && plan.emailCount > 0 ? ` and queue ${plan.emailCount} Welcome email${plan.emailCount === 1 ? '' : 's'}` : ''}`}
        </button>
      </div>
    </>
  );
}

export function PrintStep() {
  const { packet, recordPrinted, reprint } = useWizard();
  const go = useNavigation((s) => s.go);
  const packetRef = useRef<HTMLDivElement>(null);
  const printButton = useRef<HTMLButtonElement>(null);
  const qr = useQrCode(packet?.portalUrl ?? '');
  // The button is disabled until the QR code is drawn; focus it then, so Enter prints.
  useEffect(() => {
    if (qr) printButton.current?.focus();
  }, [qr]);
  const electronPrint = window.api?.print;
  const print = useReactToPrint({
    contentRef: packetRef,
    documentTitle: packet ? `Portal PINs - ${packet.familyName} family` : 'Portal PINs',
    // In Electron the main process prints the window (see shared/bridge.ts); browsers use the iframe.
    print: electronPrint ? async () => void (await electronPrint()) : undefined,
  });
  if (!packet) return null;
  const printed = packet.guardians.flatMap((g) => g.children).filter((c) => c.delivery === 'print').length;
  const emailed = packet.guardians.filter((g) => g.mode === 'email');
  return (
    <>
      <section className="issued no-print" aria-label="Issued">
        <p className="plan-sentence">
          {reprint ? 'Reprint of the PINs issued' : 'PINs issued'} {new Date(packet.issuedAt).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' })} by{' '}
          {packet.issuedBy}: {printed} on paper
          {emailed.length > 0 ? `, ${emailed.length} Welcome email${emailed.length === 1 ? '' : 's'} queued (sent once the portal has the PIN)` : ''}.
        </p>
        <div className="wizard-actions">
          <button
            ref={printButton}
            type="button"
            className="primary"
            disabled={!qr || printed === 0}
            onClick={() => {
              void recordPrinted();
              print();
            }}
          >
            {qr ? `Print packet (${printed + 1} page${printed === 0 ? '' : 's'})` : 'Preparing the packet…'}
          </button>
          <button type="button" onClick={() => go({ name: 'checkin' })}>
            Done: back to check-in
          </button>
        </div>
      </section>
      <FamilyPacket ref={packetRef} batch={packet} qr={qr} />
    </>
  );
}

export function WizardScreen({ familyId }: { familyId: string }) {
  const { family, step, error, start, familyId: loaded } = useWizard();
  useEffect(() => {
    if (loaded !== familyId) void start(familyId);
  }, [familyId, loaded, start]);

  return (
    <section className="screen wizard" aria-labelledby="wizard-title">
      <header className="screen-header no-print">
        <h1 id="wizard-title">Portal PINs: {family ? `${family.familyName} family` : '…'}</h1>
        <Stepper current={step} />
      </header>
      {error && (
        <p role="alert" className="error no-print">
          {error}
        </p>
      )}
      {family && step === 'review' && <ReviewStep family={family} />}
      {family && step === 'plan' && <PlanStep family={family} />}
      {step === 'print' && <PrintStep />}
    </section>
  );
}

export function PacketScreen({ batchId }: { batchId: string }) {
  const { openPacket, error, packet } = useWizard();
  useEffect(() => {
    void openPacket(batchId);
  }, [batchId, openPacket]);
  return (
    <section className="screen wizard" aria-labelledby="packet-title">
      <header className="screen-header no-print">
        <h1 id="packet-title">Reprint: {packet ? `${packet.familyName} family` : '…'}</h1>
      </header>
      {error && (
        <p role="alert" className="error no-print">
          {error}
        </p>
      )}
      <PrintStep />
    </section>
  );
}
