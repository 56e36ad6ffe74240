import { useEffect, useMemo, useRef, useState } from 'react';
import { useReactToPrint } from 'react-to-print';
import type { FamilyView, PacketGuardian } from '../../../shared/api';
import { listNames, planFamilyPins, PlanChoiceError, type FamilyPlan, type GuardianPlan, type PlanChoices } from '../../../shared/domain/plan';
import { planInputsFromFamily } from '../../../shared/domain/planInputs';
import { call } from '../api/client';
import { useNavigation } from '../app/navigation';
import { ChildCard } from '../components/ChildCard';
import { ContactsTable } from '../family/FamilyScreen';
import { FamilyPacket } from '../packet/FamilyPacket';
import { packetLanguages } from '../packet/packetWords';
import { useQrCode } from '../packet/useQrCode';
import { printOutcome, type PrintOutcome } from './printOutcome';
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

/** A record without the entries whose reason is still blank. */
function withReasons<T>(record: Record<string, T>, reasonOf: (value: T) => string): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => reasonOf(value).trim() !== ''));
}

/**
 * The plan as the clerk is deciding it. A replacement, a re-sent Welcome email or a chosen account
 * owner waits for its reason: until one is typed the plan shows the rest as it stands (and main,
 * which gets the choices as they are, refuses a blank reason).
 */
function computePlan(family: FamilyView, choices: PlanChoices): { plan: FamilyPlan | null; error: string | null; waitingForReason: boolean } {
  const { children, contacts } = planInputsFromFamily(family);
  const ready: PlanChoices = {
    ...choices,
    replacePins: withReasons(choices.replacePins, (r) => r),
    resendWelcome: withReasons(choices.resendWelcome, (r) => r),
    recipientByChild: withReasons(choices.recipientByChild, (c) => c.reason),
  };
  const waitingForReason =
    Object.keys(ready.replacePins).length !== Object.keys(choices.replacePins).length ||
    Object.keys(ready.resendWelcome).length !== Object.keys(choices.resendWelcome).length ||
    Object.keys(ready.recipientByChild).length !== Object.keys(choices.recipientByChild).length;
  try {
    return { plan: planFamilyPins(children, contacts, ready, { now: new Date(), timeZone: family.timeZone }), error: null, waitingForReason };
  } catch (error) {
    if (error instanceof PlanChoiceError) return { plan: null, error: error.message, waitingForReason };
    throw error;
  }
}

/** What the review's Continue button says: the count, or why there is nothing to issue by default. */
function continueLabel(plan: FamilyPlan | null): string {
  const count = plan?.pinCount ?? 0;
  if (count > 0) return `Continue: plan ${count} PIN${count === 1 ? '' : 's'}`;
  if (plan?.notIssued.some((n) => n.code === 'pin_held' || n.code === 'not_selected' || n.code === 'needs_recipient')) {
    return 'Continue: nothing to issue by default (see why)';
  }
  return 'No child can get a PIN yet';
}

function ReviewStep({ family }: { family: FamilyView }) {
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

function ReasonInput({ label, value, onChange, autoFocus = false }: { label: string; value: string; onChange: (value: string) => void; autoFocus?: boolean }) {
  return (
    <label className="reason-input">
      {label}{' '}
      <input value={value} maxLength={300} required autoFocus={autoFocus} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

/** Record update without the key (choices are plain records sent to main). */
function without<T>(record: Record<string, T>, key: string): Record<string, T> {
  const next = { ...record };
  delete next[key];
  return next;
}

function GuardianOptions({ guardian }: { guardian: GuardianPlan }) {
  const { choices, setChoices } = useWizard();
  const override = choices.recipientByGuardian[guardian.guardianContactId];
  const firstChild = guardian.emailChildId ?? guardian.children[0]?.patientId;
  // Who may own the account is the plan's decision (recipientOptions); this only offers it.
  const options = guardian.recipientOptions;
  const resend = choices.resendWelcome[guardian.recipient.contactId];
  const welcomeAlready = guardian.fallback?.code === 'welcome_already' || resend !== undefined;
  return (
    <fieldset className="guardian-options">
      <legend>Account owner: {guardian.recipient.name}</legend>
      <ul className="planned-children">
        {guardian.children.map((c) => (
          <li key={c.patientId}>
            <label>
              <input
                type="checkbox"
                checked
                onChange={() => setChoices((ch) => ({ ...ch, include: { ...ch.include, [c.patientId]: false } }))}
              />
              {c.firstName} {c.lastName}: {c.delivery === 'email' ? 'PIN in the Welcome email' : guardian.accountExists ? 'printed add-child slip' : 'printed slip'}
            </label>
            {(c.warnings ?? []).map((w) => (
              <p key={w} className="warning">
                ⚠ {w}
              </p>
            ))}
          </li>
        ))}
      </ul>
      <div className="option-row">
        <label>
          Packet{guardian.mode === 'email' ? ' and Welcome email' : ''} in:{' '}
          <select
            value={guardian.language}
            onChange={(e) => setChoices((ch) => ({ ...ch, languageByGuardian: { ...ch.languageByGuardian, [guardian.recipient.contactId]: e.target.value } }))}
          >
            {packetLanguages().map((l) => (
              <option key={l.code} value={l.code}>
                {l.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {guardian.children.length > 1 && !guardian.accountExists && (
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
      {options.length > 1 && (
        <div className="option-row">
          <label>
            Send to and account owner:{' '}
            <select
              value={override?.contactId ?? guardian.guardianContactId}
              onChange={(e) =>
                setChoices((ch) =>
                  e.target.value === guardian.guardianContactId
                    ? { ...ch, recipientByGuardian: without(ch.recipientByGuardian, guardian.guardianContactId) }
                    : {
                        ...ch,
                        recipientByGuardian: {
                          ...ch.recipientByGuardian,
                          [guardian.guardianContactId]: { contactId: e.target.value, reason: ch.recipientByGuardian[guardian.guardianContactId]?.reason ?? '' },
                        },
                      },
                )
              }
            >
              {options.map((c) => (
                <option key={c.contactId} value={c.contactId}>
                  {c.name}
                  {c.email ? ` (${c.email})` : ' (no usable email)'}
                </option>
              ))}
            </select>
          </label>
          {override && (
            <ReasonInput
              label="Reason for the change (recorded):"
              value={override.reason}
              onChange={(reason) =>
                setChoices((ch) => ({
                  ...ch,
                  recipientByGuardian: { ...ch.recipientByGuardian, [guardian.guardianContactId]: { contactId: override.contactId, reason } },
                }))
              }
            />
          )}
        </div>
      )}
      {welcomeAlready && (
        <div className="option-row">
          <label>
            <input
              type="checkbox"
              checked={resend !== undefined}
              onChange={(e) =>
                setChoices((ch) => ({
                  ...ch,
                  resendWelcome: e.target.checked ? { ...ch.resendWelcome, [guardian.recipient.contactId]: '' } : without(ch.resendWelcome, guardian.recipient.contactId),
                }))
              }
            />
            Send another Welcome email anyway
          </label>
          {resend !== undefined && (
            <ReasonInput
              label="Reason (recorded):"
              value={resend}
              onChange={(reason) => setChoices((ch) => ({ ...ch, resendWelcome: { ...ch.resendWelcome, [guardian.recipient.contactId]: reason } }))}
            />
          )}
        </div>
      )}
    </fieldset>
  );
}

/** Children this pass leaves out by default, each with what the clerk can do about it. */
function NotInThisPass({ family, plan }: { family: FamilyView; plan: FamilyPlan }) {
  const { choices, setChoices } = useWizard();
  const go = useNavigation((s) => s.go);
  // A child being replaced or given an owner shows its reason field instead of its row.
  const replacing = Object.keys(choices.replacePins);
  const choosing = new Set(Object.keys(choices.recipientByChild));
  const actionable = plan.notIssued.filter(
    (n) => (n.code === 'pin_held' && !replacing.includes(n.patientId)) || n.code === 'not_selected' || (n.code === 'needs_recipient' && !choosing.has(n.patientId)),
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

function PlanStep({ family }: { family: FamilyView }) {
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
            Nothing to issue by default: {shown.notIssued.filter((n) => n.code !== 'excluded' && n.code !== 'blocked').map((n) => `${n.firstName} ${n.code === 'pin_held' ? n.reason : `(${n.reason})`}`).join('; ') || 'no child can get a PIN'}.
          </p>
        )}
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {waitingForReason && <p className="muted">Type the reason below to go on: it is recorded.</p>}
      </section>
      <label className="option-row">
        <input type="checkbox" checked={choices.printOnly} onChange={(e) => setChoices((ch) => ({ ...ch, printOnly: e.target.checked }))} />
        Print-only: send no email, print every PIN with the portal address at the top
      </label>
      {shown?.guardians.map((g) => <GuardianOptions key={g.guardianContactId} guardian={g} />)}
      {shown && <NotInThisPass family={family} plan={shown} />}
      <div className="wizard-actions">
        <button type="button" onClick={() => setStep('review')}>
          Back
        </button>
        <button type="button" className="primary" autoFocus disabled={!plan || plan.pinCount === 0 || busy || waitingForReason} onClick={() => void issue(expected)}>
          {busy ? 'Issuing…' : `Issue ${plan?.pinCount ?? 0} PIN${plan?.pinCount === 1 ? '' : 's'}${plan && plan.emailCount > 0 ? ` and queue ${plan.emailCount} Welcome email${plan.emailCount === 1 ? '' : 's'}` : ''}`}
        </button>
      </div>
    </>
  );
}

/** One account owner's packet with its own Print button: each parent gets only their own papers. */
function PacketPrinter({ guardian, single, autoFocus, onPrinted }: { guardian: PacketGuardian; single: boolean; autoFocus: boolean; onPrinted: () => void }) {
  const { packet, recordPrinted } = useWizard();
  const packetRef = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const [outcome, setOutcome] = useState<PrintOutcome>(null);
  const qr = useQrCode(packet?.portalUrl ?? '');
  // The button is disabled until the QR code is drawn; focus it then, so Enter prints.
  useEffect(() => {
    if (qr && autoFocus) button.current?.focus();
  }, [qr, autoFocus]);
  const done = async (result: { ok: boolean; message?: string }) => {
    const { record, outcome: next } = printOutcome(result);
    if (record) {
      await recordPrinted(guardian.contactId);
      onPrinted();
    }
    setOutcome(next);
  };
  const electronPrint = window.api?.print;
  const print = useReactToPrint({
    contentRef: packetRef,
    documentTitle: packet ? `Portal PINs - ${packet.familyName} family - ${guardian.name}` : 'Portal PINs',
    // In Electron the main process prints the window (see shared/bridge.ts) and says whether the
    // printer took it; a browser only says its dialog closed (afterprint).
    print: electronPrint ? async () => done(await electronPrint()) : undefined,
    onAfterPrint: electronPrint ? undefined : () => void done({ ok: true }),
    onPrintError: (_where, error) => void done({ ok: false, message: `The packet could not be printed (${error.message}).` }),
  });
  if (!packet) return null;
  const pages = 1 + guardian.children.filter((c) => c.delivery === 'print').length;
  const label = single ? `Print packet (${pages} pages)` : `Print the packet for ${guardian.name} (${pages} pages)`;
  return (
    <>
      <div className="wizard-actions no-print">
        <button ref={button} type="button" className="primary" disabled={!qr} onClick={() => print()}>
          {qr ? (outcome?.kind === 'printed' ? `Print again: ${label.replace(/^Print /, '')}` : label) : 'Preparing the packet…'}
        </button>
        {outcome && (
          <span role={outcome.kind === 'failed' ? 'alert' : 'status'} className={outcome.kind === 'failed' ? 'error' : 'muted'}>
            {outcome.message}
          </span>
        )}
      </div>
      <FamilyPacket ref={packetRef} batch={packet} guardian={guardian} qr={qr} />
    </>
  );
}

export function PrintStep() {
  const { packet, reprint } = useWizard();
  const go = useNavigation((s) => s.go);
  const [printedCount, setPrintedCount] = useState(0);
  if (!packet) return null;
  const packets = packet.guardians.filter((g) => g.children.some((c) => c.delivery === 'print'));
  const printed = packets.reduce((n, g) => n + g.children.filter((c) => c.delivery === 'print').length, 0);
  const emailed = packet.guardians.filter((g) => g.mode === 'email');
  const pagesOf = (g: PacketGuardian) => 1 + g.children.filter((c) => c.delivery === 'print').length;
  return (
    <>
      <section className="issued no-print" aria-label="Issued">
        <p className="plan-sentence">
          {reprint ? 'Reprint of the PINs issued' : 'PINs issued'} {new Date(packet.issuedAt).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' })} by{' '}
          {packet.issuedBy}: {printed} on paper
          {emailed.length > 0 ? `, ${emailed.length} Welcome email${emailed.length === 1 ? '' : 's'} queued (sent once the portal has the PIN)` : ''}.
        </p>
        {packets.length > 1 && (
          <p className="plan-sentence">
            {packets.length} packets, one for each parent: {listNames(packets.map((g) => `${g.name} (${pagesOf(g)} pages)`))}. Hand each parent only their own.
          </p>
        )}
        {packets.length === 0 && <p className="muted">Nothing to print: every PIN goes by email.</p>}
      </section>
      {packets.map((g, i) => (
        <PacketPrinter key={g.contactId} guardian={g} single={packets.length === 1} autoFocus={i === printedCount} onPrinted={() => setPrintedCount((n) => Math.max(n, i + 1))} />
      ))}
      <div className="wizard-actions no-print">
        <button type="button" onClick={() => go({ name: 'checkin' })}>
          Done: back to check-in
        </button>
      </div>
    </>
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
