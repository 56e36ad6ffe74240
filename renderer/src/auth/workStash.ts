import type { StoreApi, UseBoundStore } from 'zustand';
import { useNavigation } from '../app/navigation';
import { useFamily } from '../family/familyStore';
import { useSearch } from '../search/searchStore';
import { useWizard } from '../wizard/wizardStore';

/**
 * A clerk's unfinished work when another clerk signs in at their locked station: where they were
 * and their wizard, kept in memory by clerk id until they sign in again. Never written anywhere.
 */
type AnyStore = UseBoundStore<StoreApi<object>>;
const STORES: readonly AnyStore[] = [useNavigation, useWizard, useFamily, useSearch] as unknown as AnyStore[];

const stashes = new Map<string, object[]>();

/** Puts the current clerk's screens aside under their id. */
export function stashWork(clerkId: string): void {
  stashes.set(
    clerkId,
    STORES.map((store) => store.getState()),
  );
}

/** Gives `clerkId` back what was put aside for them, or a fresh start at check-in. */
export function resumeWork(clerkId: string): void {
  const saved = stashes.get(clerkId);
  stashes.delete(clerkId);
  STORES.forEach((store, index) => {
    const state = saved?.[index] ?? store.getInitialState();
    store.setState(state, true);
  });
  // A fresh wizard needs a fresh batch id: the initial one may have issued a packet already.
  if (!saved) useWizard.setState({ batchId: crypto.randomUUID() });
}

/** Signing out ends a clerk's work: nothing of theirs stays in memory. */
export function dropWork(clerkId: string | null): void {
  if (clerkId) stashes.delete(clerkId);
  for (const store of STORES) store.setState(store.getInitialState(), true);
  useWizard.setState({ batchId: crypto.randomUUID() });
}
