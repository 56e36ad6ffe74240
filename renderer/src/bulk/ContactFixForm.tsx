import { useEffect, useState, type FormEvent, type KeyboardEvent } from 'react';
import { contract } from '../../../shared/api';
import type { QualityProblem, WorklistChild, WorklistRow } from '../../../shared/bulk/api';
import { AUTHORITIES, REMINDER_METHODS } from '../../../shared/domain/patient';
import { useWorklist, type ContactChanges, type LinkChanges } from './worklistStore';

/** The rules main applies to each field (shared/bulk/api.ts), so the administrator hears about a slip before saving. */
const rules = contract['bulk.fixContact'].input.shape.changes.unwrap().shape;
const linkRules = contract['bulk.fixContact'].input.shape.links.unwrap().element.shape;

interface Draft {
  firstName: string;
  lastName: string;
  email: string;
  mobilePhone: string;
  preferredReminder: string;
  /** Per child, in the row's order: the guardian's authority and residence for that child. */
  links: { authority: string; residesWith: boolean }[];
}

type Contact = NonNullable<WorklistRow['contact']>;
type OwnField = Exclude<keyof Draft, 'links'>;
/** A field of the form: one of the guardian's own, or a child's link field by index. */
type FieldId = OwnField | `authority-${number}` | `residesWith-${number}`;

function draftOf(contact: Contact, children: readonly WorklistChild[]): Draft {
  return {
    firstName: contact.firstName,
    lastName: contact.lastName,
    email: contact.email ?? '',
    mobilePhone: contact.mobilePhone ?? '',
    preferredReminder: contact.preferredReminder ?? '',
    links: children.map((c) => ({ authority: c.authority ?? '', residesWith: c.residesWith })),
  };
}

const orNull = (text: string) => (text.trim() === '' ? null : text.trim());
/** The FHIR load inferred this child's Authority from the relationship: saving the form confirms it. */
const inferred = (child: WorklistChild) => child.problems.some((p) => p.code === 'authority_inferred');

/** Only what the administrator changed, checked; or the first problem, by field. */
function changesOf(
  contact: Contact,
  children: readonly WorklistChild[],
  draft: Draft,
): { changes: ContactChanges; links: LinkChanges } | { field: FieldId; problem: string } {
  const changes: ContactChanges = {};
  const firstName = draft.firstName.trim();
  if (firstName !== contact.firstName) {
    if (!rules.firstName.safeParse(firstName).success) return { field: 'firstName', problem: 'Enter the first name (up to 80 characters).' };
    changes.firstName = firstName;
  }
  const lastName = draft.lastName.trim();
  if (lastName !== contact.lastName) {
    if (!rules.lastName.safeParse(lastName).success) return { field: 'lastName', problem: 'Enter the last name (up to 80 characters).' };
    changes.lastName = lastName;
  }
  const email = orNull(draft.email);
  if (email !== contact.email) {
    const parsed = rules.email.safeParse(email);
    if (!parsed.success) {
      // The contract's one-mailbox rule names what is wrong ("two addresses in one field").
      return {
        field: 'email',
        problem: `${parsed.error.issues[0]?.message ?? 'Enter one complete email address, such as maria@example.com.'} Or leave it empty.`,
      };
    }
    changes.email = parsed.data;
  }
  const mobilePhone = orNull(draft.mobilePhone);
  if (mobilePhone !== contact.mobilePhone) {
    if (!rules.mobilePhone.safeParse(mobilePhone).success) return { field: 'mobilePhone', problem: 'The mobile number is too long (up to 40 characters).' };
    changes.mobilePhone = mobilePhone;
  }
  const preferredReminder = orNull(draft.preferredReminder);
  if (preferredReminder !== contact.preferredReminder) {
    const parsed = rules.preferredReminder.safeParse(preferredReminder);
    if (!parsed.success) return { field: 'preferredReminder', problem: 'Choose a reminder method from the list.' };
    changes.preferredReminder = parsed.data;
  }
  const links: LinkChanges = [];
  for (const [i, child] of children.entries()) {
    const link = draft.links[i]!;
    const change: LinkChanges[number] = { patientId: child.patientId };
    const authority = orNull(link.authority);
    // A child whose Authority was inferred on the FHIR load sends it even unchanged: saving confirms it.
    if (authority !== child.authority || inferred(child)) {
      const parsed = linkRules.authority.safeParse(authority);
      if (!parsed.success) return { field: `authority-${i}`, problem: `Choose Joint, Exclusive, None or (empty) for ${child.patientName}.` };
      change.authority = parsed.data;
    }
    if (link.residesWith !== child.residesWith) change.residesWith = link.residesWith;
    if (Object.keys(change).length > 1) links.push(change);
  }
  return { changes, links };
}

/** The Fix form of one guardian: their details once, and authority and residence for each child listed, saved with only what changed. */
export function ContactFixForm(props: { row: WorklistRow; problem: QualityProblem | null; offset: number; onClose(): void }) {
  const { row, problem, offset, onClose } = props;
  const contact = row.contact!;
  const children = row.children;
  const savingKey = useWorklist((s) => s.savingKey);
  const fix = useWorklist((s) => s.fix);
  const [draft, setDraft] = useState<Draft>(() => draftOf(contact, children));
  const [slip, setSlip] = useState<{ field: FieldId | null; problem: string } | null>(null);
  const saving = savingKey === row.key;
  const base = `fix-${row.key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const who = `${contact.firstName} ${contact.lastName}`.trim() || 'this contact';
  const codes = new Set(row.problems.map((p) => p.code));
  const childFlagged = (i: number) => children[i]!.problems.some((p) => p.code === 'no_authority_or_residence');
  const authorityFlagged = (i: number) => childFlagged(i) || inferred(children[i]!);

  // Opening the form puts the cursor in the first field the worklist flagged (or the first name).
  // biome-ignore lint/correctness/useExhaustiveDependencies: only on opening, with the flags of the row as it was when Fix was chosen
  useEffect(() => {
    const own = FIELD_ORDER.find((key) => isFlagged(key, codes));
    const link = children.findIndex((_, i) => authorityFlagged(i));
    const first: FieldId = own ?? (link >= 0 ? `authority-${link}` : 'firstName');
    document.getElementById(`${base}-${first}`)?.focus();
  }, []);

  const set = <K extends OwnField>(key: K, value: Draft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    setSlip(null);
  };
  const setLink = (i: number, change: Partial<Draft['links'][number]>) => {
    setDraft((d) => ({ ...d, links: d.links.map((l, j) => (j === i ? { ...l, ...change } : l)) }));
    setSlip(null);
  };
  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const checked = changesOf(contact, children, draft);
    if ('problem' in checked) {
      setSlip(checked);
      document.getElementById(`${base}-${checked.field}`)?.focus();
      return;
    }
    if (Object.keys(checked.changes).length === 0 && checked.links.length === 0) {
      setSlip({ field: null, problem: 'Nothing is changed yet: edit a field, or Cancel.' });
      return;
    }
    await fix(row, checked.changes, checked.links, problem, offset);
  };
  // Esc closes the form rather than leaving the screen.
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && !saving) {
      event.preventDefault();
      onClose();
    }
  };

  const field = (key: FieldId, flagged: boolean) => ({
    id: `${base}-${key}`,
    'aria-invalid': slip?.field === key ? true : undefined,
    'aria-describedby': slip?.field === key ? `${base}-slip` : undefined,
    // Fields the worklist flagged stand out, so the eye goes to them first.
    className: flagged ? 'bulk-fix-flagged' : undefined,
  });
  const own = (key: OwnField) => field(key, isFlagged(key, codes));

  return (
    <form className="bulk-fix" noValidate aria-label={`Fix ${who}’s details`} onSubmit={(event) => void onSubmit(event)} onKeyDown={onKeyDown}>
      <p className="bulk-fix-hint">
        Name, email, mobile number and reminder method are {who}’s, for{' '}
        {children.length === 1 ? children[0]!.patientName : children.length === 2 ? 'both children' : `all ${children.length} children`}. Authority and “Lives
        with” are set for each child. Enter to save, Esc to cancel.
      </p>
      {/* Nothing is disabled while saving (that would drop the focus); the store ignores a second save. */}
      <fieldset className="bulk-fix-fields" aria-busy={saving || undefined}>
        <legend className="visually-hidden">{who}’s details</legend>
        <label htmlFor={`${base}-firstName`}>First name</label>
        <input {...own('firstName')} type="text" autoComplete="off" maxLength={80} value={draft.firstName} onChange={(e) => set('firstName', e.target.value)} />
        <label htmlFor={`${base}-lastName`}>Last name</label>
        <input {...own('lastName')} type="text" autoComplete="off" maxLength={80} value={draft.lastName} onChange={(e) => set('lastName', e.target.value)} />
        <label htmlFor={`${base}-email`}>Email</label>
        <input
          {...own('email')}
          type="email"
          inputMode="email"
          autoComplete="off"
          spellCheck={false}
          maxLength={254}
          value={draft.email}
          onChange={(e) => set('email', e.target.value)}
        />
        <label htmlFor={`${base}-mobilePhone`}>Mobile number</label>
        <input
          {...own('mobilePhone')}
          type="tel"
          inputMode="tel"
          autoComplete="off"
          maxLength={40}
          value={draft.mobilePhone}
          onChange={(e) => set('mobilePhone', e.target.value)}
        />
        <label htmlFor={`${base}-preferredReminder`}>Preferred reminder method</label>
        <select {...own('preferredReminder')} value={draft.preferredReminder} onChange={(e) => set('preferredReminder', e.target.value)}>
          <option value="">(not set)</option>
          {!(REMINDER_METHODS as readonly string[]).includes(draft.preferredReminder) && draft.preferredReminder !== '' && (
            <option value={draft.preferredReminder}>{draft.preferredReminder}</option>
          )}
          {REMINDER_METHODS.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </fieldset>
      {children.map((child, i) => (
        <fieldset key={child.patientId} className="bulk-fix-fields bulk-fix-child">
          <legend>
            {child.patientName} <span className="bulk-row-chart">Chart {child.chartNumber}</span>
          </legend>
          <label htmlFor={`${base}-authority-${i}`}>Authority for {child.patientName}</label>
          <select
            {...field(`authority-${i}`, authorityFlagged(i))}
            value={draft.links[i]!.authority}
            onChange={(e) => setLink(i, { authority: e.target.value })}
          >
            <option value="">(empty)</option>
            {!(AUTHORITIES as readonly string[]).includes(draft.links[i]!.authority) && draft.links[i]!.authority !== '' && (
              <option value={draft.links[i]!.authority}>{draft.links[i]!.authority}</option>
            )}
            {AUTHORITIES.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
          <span className="bulk-fix-check-label" aria-hidden="true" />
          <label className="bulk-fix-check">
            <input
              {...field(`residesWith-${i}`, childFlagged(i))}
              type="checkbox"
              checked={draft.links[i]!.residesWith}
              onChange={(e) => setLink(i, { residesWith: e.target.checked })}
            />{' '}
            Lives with {child.patientName}
          </label>
        </fieldset>
      ))}
      {slip && (
        <p id={`${base}-slip`} className="bulk-problem">
          {slip.problem}
        </p>
      )}
      <div className="bulk-form-row">
        <button type="submit" className="primary">
          Save changes
        </button>
        <button type="button" disabled={saving} onClick={onClose}>
          Cancel
        </button>
        {saving && <span className="muted bulk-inline-note">Saving…</span>}
      </div>
    </form>
  );
}

const FIELD_ORDER: readonly OwnField[] = ['firstName', 'lastName', 'email', 'mobilePhone', 'preferredReminder'];

/** Which form fields a worklist problem points at. */
function isFlagged(key: OwnField, codes: Set<QualityProblem>): boolean {
  switch (key) {
    case 'firstName':
      return codes.has('missing_first_name');
    case 'lastName':
      return codes.has('missing_last_name');
    case 'email':
      return codes.has('missing_email') || codes.has('malformed_email') || codes.has('email_domain_typo') || codes.has('shared_email');
    case 'mobilePhone':
      return codes.has('missing_mobile') || codes.has('invalid_mobile');
    case 'preferredReminder':
      return codes.has('missing_reminder_method');
  }
}
