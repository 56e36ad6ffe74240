import { create } from 'zustand';
import type { FamilyView } from '../../../shared/api';
import { call } from '../api/client';

interface FamilyState {
  family: FamilyView | null;
  loadingId: string | null;
  error: string | null;
  load(familyId: string): Promise<void>;
}

export const useFamily = create<FamilyState>((set, get) => ({
  family: null,
  loadingId: null,
  error: null,
  async load(familyId) {
    set({ loadingId: familyId, error: null });
    try {
      const family = await call('family.load', { familyId });
      if (get().loadingId === familyId) set({ family, loadingId: null });
    } catch (error) {
      if (get().loadingId === familyId) set({ error: (error as Error).message, loadingId: null, family: null });
    }
  },
}));
