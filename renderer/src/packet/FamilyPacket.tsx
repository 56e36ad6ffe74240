import { forwardRef } from 'react';
import type { IssuedBatch, PacketChild, PacketGuardian } from '../../../shared/api';
import { localDateIn } from '../../../shared/domain/dates';
import { packetWords } from './packetWords';
import './packet.css';
import { workstationTimeZone } from '../../../shared/settings';
import { ColumnHeads } from '../components/ColumnHeads';

type Words = ReturnType<typeof packetWords>;

function PacketHeader({ batch, qr }: { batch: IssuedBatch; qr: string | null }) {
  return (
    <header className="packet-header">
      <div>
        <div className="packet-practice">{batch.practiceName}</div>
        <div className="packet-portal">
          <strong>{batch.portalUrl}</strong>
        </div>
      </div>
      {qr && <img className="packet-qr" src={qr} alt={`QR code for ${batch.portalUrl}`} />}
    </header>
  );
}

function Help({ batch, w }: { batch: IssuedBatch; w: Words }) {
  if (!batch.practicePhone) return null;
  return <p className="packet-help">{w.t('help', { practice: batch.practiceName, phone: batch.practicePhone })}</p>;
}

/** The cover's steps, in the order the parent takes them. */
function GuardianSteps({ guardian, batch, w }: { guardian: PacketGuardian; batch: IssuedBatch; w: Words }) {
  const emailed = guardian.children.find((c) => c.delivery === 'email');
  const printed = guardian.children.filter((c) => c.delivery === 'print');
  const names = (children: PacketChild[]) => w.list(children.map((c) => c.firstName));
  const steps: string[] = [];
  if (guardian.mode === 'add-child') {
    steps.push(w.t('stepAddChildIntro', { children: names(printed) }), w.t('stepAddChildHow', { portal: batch.portalUrl }));
  } else {
    if (emailed) steps.push(w.t('stepEmail', { practice: batch.practiceName, email: guardian.email ?? '', child: emailed.firstName }));
    else if (printed[0]) steps.push(w.t('stepCreatePrinted', { portal: batch.portalUrl, child: printed[0].firstName }));
    const toAdd = emailed ? printed : printed.slice(1);
    if (toAdd.length > 0) steps.push(w.t('stepAddWhileCreating', { children: names(toAdd) }));
    steps.push(w.t('stepAlreadyAccount'));
  }
  return (
    <section className="packet-guardian">
      <h2>{w.t('forGuardian', { name: guardian.name })}</h2>
      <ol className="packet-steps">
        {steps.map((step) => (
          <li key={step}>{step}</li>
        ))}
      </ol>
      <table className="packet-children">
        <ColumnHeads names={[w.t('tableChild'), w.t('tableDob'), w.t('tableArrives'), w.t('tableValid')]} />
        <tbody>
          {guardian.children.map((c) => (
            <tr key={c.patientId}>
              <td>
                {c.firstName} {c.lastName}
              </td>
              <td>{w.date(c.dateOfBirth)}</td>
              <td>{c.delivery === 'email' ? w.t('arrivesEmail', { email: guardian.email ?? '' }) : w.t('arrivesSlip')}</td>
              <td>{w.date(c.expiresOn)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/**
 * One printed PIN. What it tells the parent depends on where the account comes from: the Welcome
 * email (add this child while creating it, or later), this very slip (print-only: the first slip
 * creates the account), or an account that exists already (add-child slip).
 */
function Slip({
  child,
  guardian,
  batch,
  qr,
  w,
  createsAccount,
}: {
  child: PacketChild;
  guardian: PacketGuardian;
  batch: IssuedBatch;
  qr: string | null;
  w: Words;
  createsAccount: boolean;
}) {
  const name = child.firstName;
  return (
    <section className="packet-page slip" aria-label={`PIN slip for ${child.firstName} ${child.lastName}`} lang={w.language}>
      <PacketHeader batch={batch} qr={qr} />
      <h2 className="slip-child">
        {child.firstName} {child.lastName}
      </h2>
      <p className="slip-dob">{w.t('slipDob', { dob: w.date(child.dateOfBirth) })}</p>
      <p className="slip-pin-label">{w.t('slipPinLabel')}</p>
      <p className="slip-pin">{child.pin}</p>
      <p className="slip-expiry">{w.t('slipValid', { date: w.date(child.expiresOn) })}</p>
      {child.awaitingPortal && <p className="slip-pending">{w.t('slipPending')}</p>}
      {guardian.mode === 'add-child' ? (
        <>
          <h3>{w.t('slipAddChildTitle', { child: name })}</h3>
          <p className="packet-steps">{w.t('slipAddChild', { child: name })}</p>
        </>
      ) : (
        <>
          <h3>{w.t('slipHowTitle')}</h3>
          <ol className="packet-steps">
            {createsAccount ? (
              <li>{w.t('slipCreate', { portal: batch.portalUrl, child: name })}</li>
            ) : (
              <>
                {guardian.mode === 'email' && <li>{w.t('slipAddWhileCreating', { child: name })}</li>}
                <li>{w.t('slipAlready', { child: name })}</li>
              </>
            )}
          </ol>
        </>
      )}
      <Help batch={batch} w={w} />
      <p className="slip-private">{w.t('slipPrivate', { child: name })}</p>
    </section>
  );
}

/** One account owner's packet: a cover sheet naming only them, then one slip per printed PIN. */
export const FamilyPacket = forwardRef<HTMLElement, { batch: IssuedBatch; guardian: PacketGuardian; qr: string | null }>(function FamilyPacket(
  { batch, guardian, qr },
  ref,
) {
  const w = packetWords(guardian.language);
  const printed = guardian.children.filter((c) => c.delivery === 'print');
  // Print-only: no email, so the first printed PIN creates the account and the others are added to it.
  const creator = guardian.mode === 'print-only' ? printed[0] : undefined;
  return (
    <article className="packet" ref={ref} lang={w.language} aria-label={`Packet for ${guardian.name}`}>
      <section className="packet-page cover" aria-label="Cover sheet">
        <PacketHeader batch={batch} qr={qr} />
        <h1>{w.t('coverTitle', { family: batch.familyName })}</h1>
        <p className="packet-meta">
          {w.t('prepared', { date: w.date(localDateIn(new Date(batch.issuedAt), workstationTimeZone())), clerk: batch.issuedBy })} {w.t('oneAccount')}
        </p>
        <GuardianSteps guardian={guardian} batch={batch} w={w} />
        {printed.some((c) => c.awaitingPortal) && <p className="slip-pending">{w.t('slipPending')}</p>}
        <Help batch={batch} w={w} />
      </section>
      {printed.map((child) => (
        <Slip key={child.patientId} child={child} guardian={guardian} batch={batch} qr={qr} w={w} createsAccount={child === creator} />
      ))}
    </article>
  );
});
