import { create } from 'zustand';
import type { OutboxItemView } from '../../../shared/api';
import { call } from '../api/client';
import type { OutboxTab } from '../app/navigation';
import { useSession } from '../app/sessionStore';

interface OutboxState {
  /** The tab the items belong to (the screen shows nothing from another tab). */
  tab: OutboxTab | null;
  items: OutboxItemView[] | null;
  loading: boolean;
  error: string | null;
  /** The item an action is running on. */
  busyId: string | null;
  /** An action that failed, shown on its row. */
  actionError: { id: string; message: string } | null;
  /** What the last action did, for the live note. */
  note: string | null;
  /** Reads the tab's items; `quiet` keeps the current list and note on screen while it reads (background refresh). */
  load(tab: OutboxTab, quiet?: boolean): Promise<void>;
  retry(id: string): Promise<boolean>;
  editAndRetry(id: string, email: string): Promise<boolean>;
  dismiss(id: string, reason: string): Promise<boolean>;
  /** Every item that needs attention back in the queue. */
  retryAll(): Promise<boolean>;
}

/** Only the newest read may fill the list: a slow answer for the other tab must not land here. */
let readNumber = 0;

export const useOutbox = create<OutboxState>((set, get) => {
  async function act(id: string, run: () => Promise<unknown>, done: string): Promise<boolean> {
    if (get().busyId) return false;
    set({ busyId: id, actionError: null, note: null });
    try {
      await run();
    } catch (error) {
      set({ busyId: null, actionError: { id, message: (error as Error).message } });
      return false;
    }
    set({ busyId: null, note: done });
    const tab = get().tab;
    if (tab) await get().load(tab, true);
    void useSession.getState().refreshStatus();
    return true;
  }

  return {
    tab: null,
    items: null,
    loading: false,
    error: null,
    busyId: null,
    actionError: null,
    note: null,
    async load(tab, quiet = false) {
      const mine = ++readNumber;
      const sameTab = get().tab === tab;
      set(quiet && sameTab ? { loading: true } : { tab, items: sameTab ? get().items : null, loading: true, error: null, actionError: null, note: null });
      // The tab counts come from the status: read it afresh with the list, not up to a refresh later.
      if (!quiet) void useSession.getState().refreshStatus();
      try {
        const items = await call('outbox.list', { status: tab });
        if (mine === readNumber) set({ tab, items, loading: false, error: null });
      } catch (error) {
        if (mine === readNumber) set({ loading: false, error: (error as Error).message });
      }
    },
    retry(id) {
      return act(id, () => call('outbox.retry', { id }), 'Sent back to the outbox: it is tried again shortly (see Waiting).');
    },
    editAndRetry(id, email) {
      return act(
        id,
        () => call('outbox.editAndRetry', { id, email }),
        `Email address changed to ${email}: the Welcome email is tried again shortly (see Waiting).`,
      );
    },
    async retryAll() {
      let retried = 0;
      const ok = await act(
        'all',
        async () => {
          ({ retried } = await call('outbox.retryAll', {}));
        },
        '',
      );
      if (ok) {
        set({
          note:
            retried === 0
              ? 'Nothing needed attention any more.'
              : `Sent ${retried === 1 ? '1 item' : `${retried.toLocaleString('en-US')} items`} back to the outbox: they are tried again shortly (see Waiting).`,
        });
      }
      return ok;
    },
    dismiss(id, reason) {
      return act(id, () => call('outbox.dismiss', { id, reason }), 'Dismissed: it will not be tried again.');
    },
  };
});
