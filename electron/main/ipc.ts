import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { Result } from '../../shared/api';
import { IPC_CHANNEL, PRINT_CHANNEL } from '../../shared/bridge';
import type { App } from './app';

/**
 * The only IPC channels: `invoke(name, input)` and print. The sender must be the app's own window
 * showing the app's own page (security.ts isTrustedSender); the dispatcher then refuses any name
 * that is not in the contract and validates the input before a handler runs.
 */
export function registerIpc(ipcMain: Pick<IpcMain, 'handle'>, core: Pick<App, 'invoke'>, isTrustedSender: (event: IpcMainInvokeEvent) => boolean): void {
  ipcMain.handle(IPC_CHANNEL, async (event, name: unknown, input: unknown): Promise<Result<unknown>> => {
    if (!isTrustedSender(event)) {
      return { ok: false, error: { code: 'forbidden', message: 'This request did not come from the app window.' } };
    }
    return core.invoke(name, input);
  });
  ipcMain.handle(PRINT_CHANNEL, (event) => {
    if (!isTrustedSender(event)) return { ok: false, message: 'This request did not come from the app window.' };
    return new Promise<{ ok: boolean; message?: string }>((resolve) => {
      event.sender.print({ printBackground: false }, (ok, reason) =>
        resolve(ok || reason === 'cancelled' ? { ok } : { ok: false, message: `The packet could not be printed (${reason}).` }),
      );
    });
  });
}
