import { create } from 'zustand';
import type { SessionInfo, StatusInfo } from '../../../shared/api';
import { call } from '../api/client';

interface SessionState {
  session: SessionInfo | null;
  status: StatusInfo | null;
  error: string | null;
  loadSession(): Promise<void>;
  refreshStatus(): Promise<void>;
}

export const useSession = create<SessionState>((set) => ({
  session: null,
  status: null,
  error: null,
  async loadSession() {
    try {
      set({ session: await call('session.current', {}), error: null });
    } catch (error) {
      set({ error: (error as Error).message });
    }
  },
  async refreshStatus() {
    try {
      set({ status: await call('status.get', {}) });
    } catch {
      set({ status: null });
    }
  },
}));
