import type { StatusInfo } from '../../../shared/api';
import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import { readStatus } from './statusService';

/** What the status bar shows that the database does not know: the deliveries' and the audit monitor's state, read when asked. */
export type LiveStatus = () => Promise<
  Pick<StatusInfo, 'emailTransport' | 'syncConfigured' | 'syncProgress' | 'auditLog' | 'auditCheck' | 'syncProblem' | 'jobs'>
>;

export function statusHandlers(ctx: AppContext, { liveStatus }: { liveStatus: LiveStatus }): Pick<Handlers, 'status.get'> {
  return {
    'status.get': async () => readStatus(ctx, await liveStatus()),
  };
}
