import { create } from 'zustand';
import type { CampaignStatus } from '../../../shared/campaign/api';
import { call } from '../api/client';

type Action = 'start' | 'pause' | 'resume';

interface CampaignPanelState {
  status: CampaignStatus | null;
  loadError: string | null;
  /** The action being sent, while it is on its way. */
  busy: Action | null;
  actionError: string | null;
  load(): Promise<void>;
  start(expectedGuardians: number): Promise<boolean>;
  pause(): Promise<void>;
  resume(): Promise<void>;
}

/** Only the newest answer may land: a slow poll must not overwrite what an action just returned. */
let readNumber = 0;

export const useCampaign = create<CampaignPanelState>((set, get) => {
  async function act(action: Action, run: () => Promise<CampaignStatus>): Promise<boolean> {
    if (get().busy) return false;
    set({ busy: action, actionError: null });
    const mine = ++readNumber;
    try {
      const status = await run();
      if (mine === readNumber) set({ status });
      return true;
    } catch (error) {
      set({ actionError: (error as Error).message });
      // What failed may be stale numbers: show the current ones.
      void get().load();
      return false;
    } finally {
      set({ busy: null });
    }
  }

  return {
    status: null,
    loadError: null,
    busy: null,
    actionError: null,
    async load() {
      const mine = ++readNumber;
      try {
        const status = await call('campaign.status', {});
        if (mine === readNumber) set({ status, loadError: null });
      } catch (error) {
        if (mine === readNumber) set({ loadError: (error as Error).message });
      }
    },
    start: (expectedGuardians) => act('start', () => call('campaign.start', { expectedGuardians })),
    pause: async () => void (await act('pause', () => call('campaign.pause', {}))),
    resume: async () => void (await act('resume', () => call('campaign.resume', {}))),
  };
});
