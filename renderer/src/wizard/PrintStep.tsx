import { useEffect, useRef, useState } from 'react';
import { useReactToPrint } from 'react-to-print';
import type { PacketGuardian } from '../../../shared/api';
import { listNames } from '../../../shared/domain/plan';
import { useNavigation } from '../app/navigation';
import { FamilyPacket } from '../packet/FamilyPacket';
import { useQrCode } from '../packet/useQrCode';
import { printOutcome, type PrintOutcome } from './printOutcome';
import { useWizard } from './wizardStore';

/** One account owner's packet with its own Print button: each parent gets only their own papers. */
function PacketPrinter({ guardian, single, autoFocus, onPrinted }: { guardian: PacketGuardian; single: boolean; autoFocus: boolean; onPrinted: () => void }) {
  const { packet, recordPrinted } = useWizard();
  const packetRef = useRef<HTMLElement>(null);
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
          {reprint ? 'Reprint of the PINs issued' : 'PINs issued'}{' '}
          {new Date(packet.issuedAt).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' })} by {packet.issuedBy}: {printed} on paper
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
        <PacketPrinter
          key={g.contactId}
          guardian={g}
          single={packets.length === 1}
          autoFocus={i === printedCount}
          onPrinted={() => setPrintedCount((n) => Math.max(n, i + 1))}
        />
      ))}
      <div className="wizard-actions no-print">
        <button type="button" onClick={() => go({ name: 'checkin' })}>
          Done: back to check-in
        </button>
      </div>
    </>
  );
}
