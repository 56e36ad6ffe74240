import { create } from 'zustand';
import type { QualityProblem } from '../../../shared/bulk/api';

export type Route =
  | { name: 'checkin' }
  | { name: 'search'; text: string }
  | { name: 'family'; familyId: string; focusPatientId?: string }
  | { name: 'wizard'; familyId: string; replacePatientId?: string }
  | { name: 'packet'; batchId: string }
  | { name: 'settings' }
  | { name: 'outbox'; tab: OutboxTab }
  | { name: 'maildrop' }
  | { name: 'bulk' }
  | { name: 'worklist'; problem?: QualityProblem; offset?: number }
  | { name: 'import' }
  | { name: 'clerks' }
  | { name: 'audit' };

/** The routes of the Bulk PIN area (readiness, data-quality worklist, import): the top bar marks them as one. */
export const BULK_ROUTES: readonly Route['name'][] = ['bulk', 'worklist', 'import'];

/** The outbox screen's tabs: the items a person must look at, and those still being retried. */
export type OutboxTab = 'needs_attention' | 'pending';

interface NavigationState {
  route: Route;
  history: Route[];
  go(route: Route): void;
  /** Changes the current route without adding a step to go back to (switching tabs). */
  replace(route: Route): void;
  back(): void;
  /**
   * A screen's own step back (the wizard's plan returns to its review): Escape asks it first, and
   * leaves the screen only when it answers false. Set by the screen while it is shown.
   */
  stepBack: (() => boolean) | null;
  setStepBack(stepBack: (() => boolean) | null): void;
}

/** Screen-level navigation with a back stack (Escape goes back). */
export const useNavigation = create<NavigationState>((set, get) => ({
  route: { name: 'checkin' },
  history: [],
  go(route) {
    set({ route, history: [...get().history, get().route].slice(-20) });
  },
  replace(route) {
    set({ route });
  },
  stepBack: null,
  setStepBack(stepBack) {
    set({ stepBack });
  },
  back() {
    const history = get().history;
    const previous = history.at(-1);
    set({ route: previous ?? { name: 'checkin' }, history: history.slice(0, -1) });
  },
}));
