import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import { updateSettings } from './settingsUpdate';

/** `configurationChanged`: the deliveries re-read what they depend on after a change. */
export function settingsHandlers(
  ctx: AppContext,
  { configurationChanged }: { configurationChanged: () => Promise<void> },
): Pick<Handlers, 'settings.get' | 'settings.update'> {
  return {
    'settings.get': () => ctx.settings(),
    'settings.update': async ({ changes }) => {
      const settings = await updateSettings(ctx, changes);
      await configurationChanged();
      return settings;
    },
  };
}
