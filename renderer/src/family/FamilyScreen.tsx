import { useEffect } from 'react';
import type { FamilyView } from '../../../shared/api';
import { useNavigation } from '../app/navigation';
import { ChildCards } from '../components/ChildCard';
import { useFamily } from './familyStore';
import { ErrorNote } from '../components/ErrorNote';
import { ColumnHeads } from '../components/ColumnHeads';

function yesNo(value: boolean): string {
  return value ? 'Yes' : 'No';
}

export function ContactsTable({ family }: { family: FamilyView }) {
  const childName = new Map(family.children.map((c) => [c.patientId, c.firstName]));
  return (
    <table className="contacts">
      <caption>Family contacts (per child)</caption>
      <ColumnHeads names={['Contact', 'Child', 'Sort', 'Relationship', 'Authority', 'Resides with', 'Portal column', 'Email', 'Eligible Primary Contact']} />
      <tbody>
        {family.contacts.flatMap((c) =>
          c.links.map((link, i) => (
            <tr key={`${c.contactId}-${link.patientId}`} className={link.eligiblePrimary ? 'eligible-primary' : undefined}>
              <td>{i === 0 ? `${c.firstName} ${c.lastName}` : ''}</td>
              <td>{childName.get(link.patientId) ?? link.patientId}</td>
              <td>{link.sort ?? '—'}</td>
              <td>{link.relationship || '—'}</td>
              <td>{link.authority ?? '—'}</td>
              <td>{yesNo(link.residesWith)}</td>
              <td title="The Portal column does not give portal access">{link.portalFlag ? 'ticked (ignored)' : ''}</td>
              <td>{i === 0 ? (c.email ?? 'no email') : ''}</td>
              <td>{link.eligiblePrimary ? '✔ Eligible Primary Contact' : ''}</td>
            </tr>
          )),
        )}
      </tbody>
    </table>
  );
}

export function FamilyScreen({ familyId, focusPatientId }: { familyId: string; focusPatientId?: string }) {
  const { family, error, loadingId, load } = useFamily();
  const go = useNavigation((s) => s.go);
  useEffect(() => {
    void load(familyId);
  }, [familyId, load]);

  if (error) return <ErrorNote message={error} />;
  if (!family || family.familyId !== familyId) return <p className="muted">{loadingId ? 'Loading the family…' : ''}</p>;

  const counts = { eligible: 0, excluded: 0, blocked: 0, needs_recipient: 0 };
  for (const c of family.children) counts[c.verdict.kind] += 1;

  return (
    <section className="screen" aria-labelledby="family-title">
      <header className="screen-header">
        <h1 id="family-title">{family.familyName} family</h1>
        <p className="muted">
          {counts.eligible} eligible · {counts.blocked} blocked · {counts.excluded} excluded
          {counts.needs_recipient > 0 ? ` · ${counts.needs_recipient} need an account owner chosen` : ''} · Esc to go back
        </p>
        <button type="button" className="primary" autoFocus onClick={() => go({ name: 'wizard', familyId })}>
          Portal PINs for this family
        </button>
      </header>
      {family.children.length === 0 && <p className="empty">No patients in this family.</p>}
      <ChildCards family={family} focusPatientId={focusPatientId} onReplace={(patientId) => go({ name: 'wizard', familyId, replacePatientId: patientId })} />
      {family.contacts.length === 0 ? (
        <p className="empty">No family contacts on file: nobody can own a portal account for these children.</p>
      ) : (
        <ContactsTable family={family} />
      )}
    </section>
  );
}
