import { useEffect } from 'react';
import { PrintStep } from './PrintStep';
import { useWizard } from './wizardStore';
import { ErrorNote } from '../components/ErrorNote';

/** A reprint of an issued batch's packets (the same print step as the wizard's). */

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
      <ErrorNote message={error} className="no-print" />
      <PrintStep />
    </section>
  );
}
