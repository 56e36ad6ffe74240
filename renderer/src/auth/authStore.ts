import { create } from 'zustand';
import type { AuthState } from '../../../shared/clerks/api';
import { ApiCallError, call, holdCalls } from '../api/client';
import { dropWork, resumeWork, stashWork } from './workStash';

interface AuthStore {
  state: AuthState | null;
  /** Shown on the sign-in form (wrong password, wait N seconds…). */
  error: string | null;
  busy: boolean;
  /** Moves when the person at the screens changes (another clerk, a sign-out): the screens start afresh. */
  generation: number;
  refresh(): Promise<void>;
  signIn(username: string, password: string): Promise<boolean>;
  setupAdmin(input: { username: string; displayName: string; password: string; confirmPassword: string }): Promise<boolean>;
  lock(): Promise<void>;
  signOut(): Promise<void>;
}

/** Who is signed in at this workstation and whether it is locked; main decides, this mirrors it. */
export const useAuth = create<AuthStore>((set, get) => ({
  state: null,
  error: null,
  busy: false,
  generation: 0,

  async refresh() {
    try {
      set({ state: await call('auth.state', {}) });
    } catch (error) {
      set({ error: (error as Error).message });
    }
  },

  async signIn(username, password) {
    if (get().busy) return false;
    set({ busy: true, error: null });
    const before = get().state?.clerk?.id ?? null;
    try {
      const state = await call('auth.signIn', { username, password });
      const after = state.clerk?.id ?? null;
      // The same clerk unlocking gets everything exactly as left; another clerk starts afresh
      // while the first one's unfinished work waits for them.
      const switched = Boolean(after && after !== before);
      if (switched) {
        if (before) stashWork(before);
        resumeWork(after!);
      }
      set({ state, busy: false, generation: get().generation + (switched ? 1 : 0) });
      return true;
    } catch (error) {
      set({ error: (error as Error).message, busy: false });
      return false;
    }
  },

  async setupAdmin(input) {
    if (get().busy) return false;
    set({ busy: true, error: null });
    try {
      const state = await call('auth.setupAdmin', input);
      set({ state, busy: false, generation: get().generation + 1 });
      return true;
    } catch (error) {
      const message = error instanceof ApiCallError && error.code === 'invalid_input' ? describeInvalid(error) : (error as Error).message;
      set({ error: message, busy: false });
      return false;
    }
  },

  async lock() {
    try {
      set({ state: await call('auth.lock', {}), error: null });
    } catch {
      await get().refresh();
    }
  },

  async signOut() {
    const clerkId = get().state?.clerk?.id ?? null;
    try {
      const state = await call('auth.signOut', {});
      dropWork(clerkId);
      set({ state, error: null, generation: get().generation + 1 });
    } catch {
      await get().refresh();
    }
  },
}));

// Locked or signed out: the screens behind the lock screen send nothing but open calls.
useAuth.subscribe(({ state }) => holdCalls(state !== null && (state.locked || !state.clerk)));

/** The form checks most things itself; what main still refuses is said field by field. */
export function describeInvalid(error: ApiCallError): string {
  const issues = Array.isArray(error.details) ? (error.details as { path: string; message: string }[]) : [];
  if (issues.length === 0) return error.message;
  const FIELD: Record<string, string> = {
    username: 'Username',
    displayName: 'Name',
    password: 'Password',
    newPassword: 'New password',
    confirmPassword: 'Password again',
  };
  return issues.map((issue) => `${FIELD[issue.path] ?? issue.path}: ${issue.message}`).join(' ');
}
