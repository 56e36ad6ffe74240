import { requireClerk } from '../clerks/sessionService';
import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import { issueFamilyPins, recordPacketPrinted } from './issueService';
import { packetForBatch } from './packet';
import type { PreparedPins } from './preparedPins';

/** Issuing and printing; `preparedPins` is the app's one store of PINs made ahead (createApp clears it on close). */
export function pinHandlers(
  ctx: AppContext,
  { preparedPins }: { preparedPins: PreparedPins },
): Pick<Handlers, 'pins.prepare' | 'pins.issue' | 'pins.packet' | 'pins.recordPrinted'> {
  return {
    'pins.prepare': async ({ batchId, count }) => {
      await requireClerk(ctx);
      preparedPins.prepare(batchId, count);
      return null;
    },
    'pins.issue': (input) => issueFamilyPins(ctx, input, preparedPins),
    'pins.packet': ({ batchId }) => packetForBatch(ctx, batchId),
    'pins.recordPrinted': ({ batchId, reprint, recipientContactId }) => recordPacketPrinted(ctx, batchId, reprint, recipientContactId),
  };
}
