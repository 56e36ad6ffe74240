import type { App } from '../../electron/main/app';
import { DeliveryError } from '../../electron/main/lib/deliveryError';
import type { SyncConnection } from '../../electron/main/sync/pull';

/** Pulls once and answers the DeliveryError the pull failed with; throws if it succeeded or failed some other way. */
export async function pullError(app: App, connection: SyncConnection): Promise<DeliveryError> {
  const error = await app.deliveries.pulls.pull(connection).then(
    () => null,
    (e: unknown) => e,
  );
  if (error instanceof DeliveryError) return error;
  throw new Error(`the pull should have failed with a DeliveryError; it ${error === null ? 'succeeded' : `threw ${String(error)}`}`);
}
