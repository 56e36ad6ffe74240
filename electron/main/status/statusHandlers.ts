import type { StatusInfo } from '../../../shared/api';
import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import { readStatus } from './statusService';
import { confirmClockByAdministrator } from '../sync/clockOffset';
import { requireClerk } from '../clerks/sessionService';

/** What the status bar shows that the database does not know: the deliveries' and the audit monitor's state, read when asked. */
export type LiveStatus = () => Promise<
  Pick<StatusInfo, 'emailTransport' | 'syncConfigured' | 'syncProgress' | 'auditLog' | 'auditCheck' | 'syncProblem' | 'jobs'>
>;

export function statusHandlers(ctx: AppContext, { liveStatus }: { liveStatus: LiveStatus }): Pick<Handlers, 'status.get' | 'clock.confirm'> {
  return {
    'status.get': async () => readStatus(ctx, await liveStatus()),
    'clock.confirm': async () => confirmClockByAdministrator(ctx, (await requireClerk(ctx)).id),
  };
}
