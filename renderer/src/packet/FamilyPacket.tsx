import { forwardRef } from 'react';
import type { IssuedBatch, PacketChild, PacketGuardian } from '../../../shared/api';
import { formatUsDate } from '../../../shared/domain/dates';
import { listNames } from '../../../shared/domain/plan';
import './packet.css';

const ADD_CHILD = 'I’d like to add another child';
const MY_ACCOUNT = 'My Account > Add child/dependent';

function PacketHeader({ batch, qr }: { batch: IssuedBatch; qr: string | null }) {
  return (
    <header className="packet-header">
      <div>
        <div className="packet-practice">{batch.practiceName}</div>
        <div className="packet-portal">
          Patient portal: <strong>{batch.portalUrl}</strong>
        </div>
      </div>
      {qr && <img className="packet-qr" src={qr} alt={`QR code for ${batch.portalUrl}`} />}
    </header>
  );
}

function GuardianSteps({ guardian, batch }: { guardian: PacketGuardian; batch: IssuedBatch }) {
  const emailed = guardian.children.find((c) => c.delivery === 'email');
  const printed = guardian.children.filter((c) => c.delivery === 'print');
  const firstPrinted = printed[0];
  if (guardian.mode === 'add-child') {
    return (
      <section className="packet-guardian">
        <h2>For {guardian.name}</h2>
        <ol className="packet-steps">
          <li>
            You already have a portal account, or a Welcome email from {batch.practiceName} to make one. Add{' '}
            {listNames(printed.map((c) => c.firstName))} to that same account: no new account.
          </li>
          <li>
            Sign in at <strong>{batch.portalUrl}</strong> and go to <strong>{MY_ACCOUNT}</strong>. Enter each child’s date of birth and PIN
            from the slips.
          </li>
        </ol>
        <ChildrenTable guardian={guardian} />
      </section>
    );
  }
  return (
    <section className="packet-guardian">
      <h2>For {guardian.name}</h2>
      <ol className="packet-steps">
        {emailed ? (
          <li>
            Open the <strong>Welcome email</strong> from {batch.practiceName} sent to {guardian.email}. It holds {emailed.firstName}’s PIN.
            Create your portal account with it and {emailed.firstName}’s date of birth.
          </li>
        ) : (
          firstPrinted && (
            <li>
              Go to <strong>{batch.portalUrl}</strong> and create your portal account with {firstPrinted.firstName}’s PIN (below) and{' '}
              {firstPrinted.firstName}’s date of birth. No Welcome email is sent.
            </li>
          )
        )}
        {printed.length > (emailed ? 0 : 1) && (
          <li>
            While creating the account, choose <strong>“{ADD_CHILD}”</strong> and enter the PIN of{' '}
            {listNames(printed.slice(emailed ? 0 : 1).map((c) => c.firstName))} with each child’s date of birth.
          </li>
        )}
        <li>
          Already have an account? Sign in and go to <strong>{MY_ACCOUNT}</strong>, then enter the child’s date of birth and PIN.
        </li>
      </ol>
      <ChildrenTable guardian={guardian} />
    </section>
  );
}

function ChildrenTable({ guardian }: { guardian: PacketGuardian }) {
  return (
    <table className="packet-children">
      <thead>
        <tr>
          <th scope="col">Child</th>
          <th scope="col">Date of birth</th>
          <th scope="col">PIN arrives</th>
          <th scope="col">PIN valid until</th>
        </tr>
      </thead>
      <tbody>
        {guardian.children.map((c) => (
          <tr key={c.patientId}>
            <td>
              {c.firstName} {c.lastName}
            </td>
            <td>{formatUsDate(c.dateOfBirth)}</td>
            <td>{c.delivery === 'email' ? `by email to ${guardian.email}` : 'on the printed slip'}</td>
            <td>{formatUsDate(c.expiresOn)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Slip({ child, guardian, batch, qr }: { child: PacketChild; guardian: PacketGuardian; batch: IssuedBatch; qr: string | null }) {
  return (
    <section className="packet-page slip" aria-label={`PIN slip for ${child.firstName} ${child.lastName}`}>
      <PacketHeader batch={batch} qr={qr} />
      <h2 className="slip-child">
        {child.firstName} {child.lastName}
      </h2>
      <p className="slip-dob">Date of birth: {formatUsDate(child.dateOfBirth)}</p>
      <p className="slip-pin-label">Portal PIN</p>
      <p className="slip-pin">{child.pin}</p>
      <p className="slip-expiry">Valid until {formatUsDate(child.expiresOn)}. Capital letters and numbers; the dashes are optional.</p>
      {batch.awaitingPortal && (
        <p className="slip-pending">This PIN becomes usable once the practice system reconnects to the portal (usually within minutes).</p>
      )}
      {guardian.mode === 'add-child' ? (
        <>
          <h3>Add {child.firstName} to your account</h3>
          <p>
            Sign in, go to <strong>{MY_ACCOUNT}</strong>, and enter {child.firstName}’s date of birth and this PIN.
          </p>
        </>
      ) : (
        <>
          <h3>Two ways to use it</h3>
          <ol className="packet-steps">
            <li>
              <strong>Creating your account from the Welcome email:</strong> choose <strong>“{ADD_CHILD}”</strong> and enter this PIN with{' '}
              {child.firstName}’s date of birth.
            </li>
            <li>
              <strong>Already have an account:</strong> sign in, go to <strong>{MY_ACCOUNT}</strong>, and enter {child.firstName}’s date of
              birth and this PIN.
            </li>
          </ol>
        </>
      )}
      <p className="slip-private">Keep this slip private: with this PIN and the date of birth, anyone can add {child.firstName} to a portal account.</p>
    </section>
  );
}

/** The family packet: a cover sheet for the parent, then one slip per printed PIN. */
export const FamilyPacket = forwardRef<HTMLDivElement, { batch: IssuedBatch; qr: string | null }>(function FamilyPacket({ batch, qr }, ref) {
  const printed = batch.guardians.flatMap((g) => g.children.filter((c) => c.delivery === 'print').map((child) => ({ child, guardian: g })));
  return (
    <div className="packet" ref={ref}>
      <section className="packet-page cover" aria-label="Cover sheet">
        <PacketHeader batch={batch} qr={qr} />
        <h1>Patient portal PINs for the {batch.familyName} family</h1>
        <p className="packet-meta">
          Prepared {new Date(batch.issuedAt).toLocaleDateString('en-US')} by {batch.issuedBy}. One portal account per parent: add every child to
          it.
        </p>
        {batch.guardians.map((g) => (
          <GuardianSteps key={g.contactId} guardian={g} batch={batch} />
        ))}
        {batch.awaitingPortal && (
          <p className="slip-pending">The PINs become usable once the practice system reconnects to the portal (usually within minutes).</p>
        )}
      </section>
      {printed.map(({ child, guardian }) => (
        <Slip key={child.patientId} child={child} guardian={guardian} batch={batch} qr={qr} />
      ))}
    </div>
  );
});
