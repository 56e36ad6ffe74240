import { useState, type FormEvent } from 'react';
import type { ChildView, ContactView, FamilyView, PinHistoryEntry } from '../../../shared/api';
import { formatUsDate } from '../../../shared/domain/dates';
import { useNavigation } from '../app/navigation';
import { VerdictBadge } from './VerdictBadge';

function NameFix({ child, onSave }: { child: ChildView; onSave: (first: string, last: string) => Promise<boolean> }) {
  const [first, setFirst] = useState('');
  const [last, setLast] = useState(child.lastName);
  const [saving, setSaving] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!first.trim() || !last.trim()) return;
    setSaving(true);
    await onSave(first, last);
    setSaving(false);
  };
  return (
    <form className="name-fix" onSubmit={submit} aria-label={`Update the name of ${child.firstName} ${child.lastName}`}>
      <label>
        Given name
        <input value={first} onChange={(e) => setFirst(e.target.value)} autoFocus required maxLength={80} autoComplete="off" />
      </label>
      <label>
        Last name
        <input value={last} onChange={(e) => setLast(e.target.value)} required maxLength={80} autoComplete="off" />
      </label>
      <button type="submit" disabled={saving || !first.trim() || !last.trim()}>
        Save name
      </button>
    </form>
  );
}

const STATUS_LABEL: Record<PinHistoryEntry['status'], string> = {
  issued: 'not used yet',
  redeemed: 'used',
  revoked: 'revoked',
  expired: 'expired',
};

function PinHistory({ pins, onReprint, onReplace }: { pins: PinHistoryEntry[]; onReprint?: (batchId: string) => void; onReplace?: () => void }) {
  return (
    <ul className="pin-history" aria-label="PIN history">
      {pins.map((pin) => (
        <li key={pin.pinId}>
          PIN issued {new Date(pin.issuedAt).toLocaleString('en-US', { dateStyle: 'short', timeStyle: 'short' })} by {pin.issuedBy},{' '}
          {pin.delivery === 'email' ? `emailed to ${pin.recipientName ?? 'the guardian'}` : 'printed'} · {STATUS_LABEL[pin.status]} · valid until{' '}
          {new Date(pin.expiresAt).toLocaleDateString('en-US')}
          {pin.delivery === 'print' &&
            pin.status === 'issued' &&
            onReprint &&
            (pin.reprintable ? (
              <button type="button" className="link-button" onClick={() => onReprint(pin.batchId)}>
                Reprint packet
              </button>
            ) : (
              <span className="muted"> · already sent to the portal: to print again, replace it</span>
            ))}
          {pin.status === 'issued' && onReplace && (
            <button type="button" className="link-button" onClick={onReplace}>
              Replace this child’s PIN…
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

/** One child of the family review: verdict, reasons, warnings, account owner, PIN history. */
export function ChildCard({
  child,
  contacts,
  focused = false,
  onFixName,
  onReprint,
  onReplace,
}: {
  child: ChildView;
  contacts: ContactView[];
  focused?: boolean;
  onFixName?: (first: string, last: string) => Promise<boolean>;
  onReprint?: (batchId: string) => void;
  /** "Replace this child's PIN" (a slip jammed, a PIN lost): goes to the plan with a reason to give. */
  onReplace?: () => void;
}) {
  const primary = contacts.find((c) => c.contactId === child.eligiblePrimaryContactId);
  const needsName = child.verdict.kind === 'blocked' && child.verdict.reasons.some((r) => r.code === 'unofficial_name');
  return (
    <li className={`child child-${child.verdict.kind}${focused ? ' focused' : ''}`} aria-label={`${child.firstName} ${child.lastName}`}>
      <div className="child-head">
        <span className="child-name">
          {child.firstName} {child.lastName}
        </span>
        <VerdictBadge kind={child.verdict.kind} />
      </div>
      <div className="child-facts">
        {child.dateOfBirth ? `Born ${formatUsDate(child.dateOfBirth)}` : 'No date of birth'}
        {child.verdict.age !== null ? ` · age ${child.verdict.age}` : ''} · {child.chartNumber} · {child.status}
        {child.checkingInToday ? ' · checking in today' : ''}
        {child.linkedThrough && ` · ${child.familyName} family, through ${child.linkedThrough.name}`}
      </div>
      <div className="child-facts">Account owner: {primary ? `${primary.firstName} ${primary.lastName}` : 'none (no eligible Primary Contact)'}</div>
      {child.verdict.reasons.length > 0 && (
        <ul className="reasons">
          {child.verdict.reasons.map((r) => (
            <li key={r.code} className="reason">
              {r.message}
            </li>
          ))}
        </ul>
      )}
      {needsName && onFixName && <NameFix child={child} onSave={onFixName} />}
      {child.verdict.warnings.length > 0 && (
        <ul className="warnings">
          {child.verdict.warnings.map((w, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a verdict's warnings come in a fixed order and are never reordered
            <li key={`${w.code}-${i}`} className="warning">
              ⚠ {w.message}
            </li>
          ))}
        </ul>
      )}
      {child.pins.length > 0 && <PinHistory pins={child.pins} onReprint={onReprint} onReplace={onReplace} />}
    </li>
  );
}

/** A family's children, a card each (the family screen, the wizard's first step); Reprint opens the batch's packet. */
export function ChildCards({
  family,
  focusPatientId,
  onFixName,
  onReplace,
}: {
  family: FamilyView;
  focusPatientId?: string;
  onFixName?: (patientId: string, first: string, last: string) => Promise<boolean>;
  onReplace: (patientId: string) => void;
}) {
  const go = useNavigation((s) => s.go);
  return (
    <ul className="children" aria-label="Children">
      {family.children.map((child) => (
        <ChildCard
          key={child.patientId}
          child={child}
          contacts={family.contacts}
          focused={child.patientId === focusPatientId}
          onFixName={onFixName && ((first, last) => onFixName(child.patientId, first, last))}
          onReprint={(batchId) => go({ name: 'packet', batchId })}
          onReplace={() => onReplace(child.patientId)}
        />
      ))}
    </ul>
  );
}
