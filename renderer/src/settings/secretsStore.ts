import { create } from 'zustand';
import { ENTERED_SECRET_KEYS, type EnteredSecretKey } from '../../../shared/settings';
import { call } from '../api/client';

/** One write-only secret as the form holds it: what is being typed, never what is stored. */
export interface SecretState {
  /** The new value being typed; cleared once saved and whenever the screen opens. */
  draft: string;
  busy: boolean;
  /** Something to fix in the typed value (shown beside the field). */
  problem: string | null;
  /** The call failed (shown as an alert). */
  error: string | null;
  /** The last thing done, for the live note. */
  note: string | null;
}

const IDLE: SecretState = { draft: '', busy: false, problem: null, error: null, note: null };
const MAX_LENGTH = 500;

function idle(): Record<EnteredSecretKey, SecretState> {
  return Object.fromEntries(ENTERED_SECRET_KEYS.map((key) => [key, IDLE])) as Record<EnteredSecretKey, SecretState>;
}

interface SecretsState {
  /** Whether each secret is stored; the values themselves never reach the renderer. */
  stored: Record<EnteredSecretKey, boolean> | null;
  loadError: string | null;
  perKey: Record<EnteredSecretKey, SecretState>;
  load(): Promise<void>;
  type(key: EnteredSecretKey, text: string): void;
  /** Saves the typed value; resolves true when stored. */
  save(key: EnteredSecretKey): Promise<boolean>;
  remove(key: EnteredSecretKey): Promise<boolean>;
}

export const useSecrets = create<SecretsState>((set, get) => {
  const put = (key: EnteredSecretKey, change: Partial<SecretState>) => set({ perKey: { ...get().perKey, [key]: { ...get().perKey[key], ...change } } });

  const store = async (key: EnteredSecretKey, value: string | null): Promise<boolean> => {
    if (get().perKey[key].busy) return false;
    put(key, { busy: true, problem: null, error: null, note: null });
    try {
      await call('secrets.set', { key, value });
    } catch (error) {
      put(key, { busy: false, error: (error as Error).message });
      return false;
    }
    let stored = { ...(get().stored ?? { smtpPassword: false, syncToken: false }), [key]: value !== null };
    try {
      stored = await call('secrets.status', {});
    } catch {
      // The change went through; keep the status it implies.
    }
    set({ stored });
    put(key, { busy: false, note: value === null ? 'removed' : 'saved', ...(value !== null && get().perKey[key].draft === value ? { draft: '' } : {}) });
    return true;
  };

  return {
    stored: null,
    loadError: null,
    perKey: idle(),
    async load() {
      set({ loadError: null, perKey: idle() });
      try {
        set({ stored: await call('secrets.status', {}) });
      } catch (error) {
        set({ stored: null, loadError: (error as Error).message });
      }
    },
    type(key, text) {
      put(key, { draft: text, problem: null, note: null });
    },
    async save(key) {
      const value = get().perKey[key].draft;
      if (value === '') {
        put(key, { problem: 'Type the new value first.', note: null });
        return false;
      }
      if (value.length > MAX_LENGTH) {
        put(key, { problem: `Too long: at most ${MAX_LENGTH} characters.`, note: null });
        return false;
      }
      return store(key, value);
    },
    async remove(key) {
      return store(key, null);
    },
  };
});
