import { create } from 'zustand';
import type { CheckinList } from '../../../shared/api';
import { call } from '../api/client';

interface CheckinState {
  list: CheckinList | null;
  loading: boolean;
  error: string | null;
  /** The row the clerk left: returning to check-in highlights it again. */
  activeFamilyId: string | null;
  setActiveFamily(familyId: string | null): void;
  load(): Promise<void>;
}

export const useCheckin = create<CheckinState>((set) => ({
  list: null,
  loading: false,
  error: null,
  activeFamilyId: null,
  setActiveFamily(familyId) {
    set({ activeFamilyId: familyId });
  },
  async load() {
    set({ loading: true });
    try {
      set({ list: await call('checkin.today', {}), error: null, loading: false });
    } catch (error) {
      set({ error: (error as Error).message, loading: false });
    }
  },
}));
