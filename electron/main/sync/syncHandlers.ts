import type { SyncSummary } from '../../../shared/api';
import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import { listSyncProblems } from './syncProblems';

/** `syncNow` is the delivery runtime's (it owns the pull and its schedule). */
export function syncHandlers(ctx: AppContext, { syncNow }: { syncNow: () => Promise<SyncSummary> }): Pick<Handlers, 'sync.now' | 'sync.problems'> {
  return {
    'sync.now': () => syncNow(),
    'sync.problems': () => listSyncProblems(ctx),
  };
}
