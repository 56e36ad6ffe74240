import type { SecretKey } from '../../../shared/settings';
import { appendAudit } from '../audit/audit';
import { requireClerk } from '../clerks/sessionService';
import type { AppContext } from '../context';
import type { SecretStore } from './secretStore';

/** Stores or removes a secret; the audit says which one changed, never its value. */
export async function changeSecret(ctx: AppContext, secrets: SecretStore, key: SecretKey, value: string | null): Promise<void> {
  const clerk = await requireClerk(ctx);
  secrets.set(key, value);
  await appendAudit(ctx.db, {
    action: 'secret_changed',
    clerkId: clerk.id,
    workstation: ctx.workstation,
    at: ctx.now(),
    details: { secret: key, set: value !== null },
  });
}
