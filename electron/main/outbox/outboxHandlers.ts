import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import { dismissOutboxItem, listOutbox, retryAllOutboxItems, retryOutboxItem } from './outboxService';

export function outboxHandlers(ctx: AppContext): Pick<Handlers, 'outbox.list' | 'outbox.retry' | 'outbox.retryAll' | 'outbox.editAndRetry' | 'outbox.dismiss'> {
  return {
    'outbox.list': ({ status }) => listOutbox(ctx, status),
    'outbox.retry': ({ id }) => retryOutboxItem(ctx, id),
    'outbox.retryAll': () => retryAllOutboxItems(ctx),
    'outbox.editAndRetry': ({ id, email }) => retryOutboxItem(ctx, id, email),
    'outbox.dismiss': ({ id, reason }) => dismissOutboxItem(ctx, id, reason),
  };
}
