import { currentClerk } from '../clerks/sessionService';
import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import { AppError } from '../errors';
import { listMailDrop, readMailDrop } from './mailDrop';

export function mailHandlers(ctx: AppContext, { mailDropDir }: { mailDropDir: string }): Pick<Handlers, 'mail.dropList' | 'mail.dropRead'> {
  return {
    'mail.dropList': async () => listMailDrop(mailDropDir),
    'mail.dropRead': async ({ file }) => {
      // PINs are shown in full to administrators only; everyone else gets them masked here.
      const showPins = (await currentClerk(ctx))?.role === 'admin';
      try {
        return readMailDrop(mailDropDir, file, { showPins });
      } catch {
        throw new AppError('not_found', 'That message is no longer in the mail-drop folder.');
      }
    },
  };
}
