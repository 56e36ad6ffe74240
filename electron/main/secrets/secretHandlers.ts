import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import { changeSecret } from './secretService';
import type { SecretStore } from './secretStore';

/** `configurationChanged`: the deliveries re-read the address and token (and the SMTP password) after a change. */
export function secretHandlers(
  ctx: AppContext,
  { secrets, configurationChanged }: { secrets: SecretStore; configurationChanged: () => Promise<void> },
): Pick<Handlers, 'secrets.status' | 'secrets.set'> {
  return {
    'secrets.status': async () => ({ smtpPassword: secrets.get('smtpPassword') !== null, syncToken: secrets.get('syncToken') !== null }),
    'secrets.set': async ({ key, value }) => {
      await changeSecret(ctx, secrets, key, value);
      await configurationChanged();
      return null;
    },
  };
}
