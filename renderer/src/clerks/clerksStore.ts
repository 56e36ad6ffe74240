import { create } from 'zustand';
import type { ClerkAccount, ClerkRole } from '../../../shared/clerks/api';
import { ApiCallError, call } from '../api/client';
import { describeInvalid } from '../auth/authStore';

interface ClerksState {
  clerks: ClerkAccount[] | null;
  loadError: string | null;
  /** The last change's outcome, for the status line ("Dana Reyes is now an administrator."). */
  note: string | null;
  error: string | null;
  busy: boolean;
  load(): Promise<void>;
  create(input: { username: string; displayName: string; role: ClerkRole; password: string; confirmPassword: string }): Promise<boolean>;
  update(clerk: ClerkAccount, change: { role?: ClerkRole; active?: boolean; newPassword?: string; confirmPassword?: string }): Promise<boolean>;
}

const messageOf = (error: unknown) => (error instanceof ApiCallError && error.code === 'invalid_input' ? describeInvalid(error) : (error as Error).message);

function describeChange(clerk: ClerkAccount, change: { role?: ClerkRole; active?: boolean; newPassword?: string }): string {
  if (change.newPassword !== undefined) return `${clerk.displayName}’s password was replaced. Tell them the new one in person.`;
  if (change.active !== undefined) return change.active ? `${clerk.displayName} can sign in again.` : `${clerk.displayName} can no longer sign in.`;
  return `${clerk.displayName} is now ${change.role === 'admin' ? 'an administrator' : 'a clerk'}.`;
}

export const useClerks = create<ClerksState>((set, get) => ({
  clerks: null,
  loadError: null,
  note: null,
  error: null,
  busy: false,

  async load() {
    try {
      set({ clerks: await call('clerks.list', {}), loadError: null });
    } catch (error) {
      set({ loadError: (error as Error).message });
    }
  },

  async create(input) {
    if (get().busy) return false;
    set({ busy: true, error: null, note: null });
    try {
      const created = await call('clerks.create', input);
      set({ busy: false, note: `${created.displayName} can now sign in as “${created.username}”.` });
      await get().load();
      return true;
    } catch (error) {
      set({ busy: false, error: messageOf(error) });
      return false;
    }
  },

  async update(clerk, change) {
    if (get().busy) return false;
    set({ busy: true, error: null, note: null });
    try {
      await call('clerks.update', { clerkId: clerk.id, ...change });
      set({ busy: false, note: describeChange(clerk, change) });
      await get().load();
      return true;
    } catch (error) {
      set({ busy: false, error: messageOf(error) });
      return false;
    }
  },
}));
