import { accessOf, type ApiError, type CallInput, type CallName, type CallOutput } from '../../../shared/api';
import type { Bridge } from '../../../shared/bridge';
import { createWebBridge } from './webBridge';

declare global {
  interface Window {
    api?: Bridge;
  }
}

/** A failed call, carrying the message meant for the clerk. */
export class ApiCallError extends Error {
  readonly code: ApiError['code'];
  readonly details: unknown;
  constructor(error: ApiError) {
    super(error.message);
    this.code = error.code;
    this.details = error.details;
  }
}

let bridge: Bridge | undefined;
function getBridge(): Bridge {
  bridge ??= window.api ?? createWebBridge();
  return bridge;
}

type AuthLostListener = (code: 'locked' | 'not_signed_in') => void;
const authLostListeners = new Set<AuthLostListener>();

/**
 * Called whenever main answers any call with 'locked' or 'not_signed_in' (the station locked after
 * inactivity, or the session ended): the app shows the lock screen. Returns the unsubscribe.
 */
export function onAuthLost(listener: AuthLostListener): () => void {
  authLostListeners.add(listener);
  return () => authLostListeners.delete(listener);
}

let held = false;
/**
 * While the lock screen shows, screens left open behind it (timers refreshing a list) keep their
 * calls here instead of sending them to be refused (and, for administrator calls, audited) each time.
 */
export function holdCalls(hold: boolean): void {
  held = hold;
}
const HELD: ApiError = { code: 'locked', message: 'This workstation is locked. Sign in again to carry on.' };

/** Typed access to the contract: the same call works in Electron (IPC) and web mode (HTTP). */
export async function call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
  if (held && accessOf(name) !== 'open') throw new ApiCallError(HELD);
  const result = await getBridge().invoke(name, input);
  if (!result.ok) {
    const { code } = result.error;
    // A wrong password answers 'not_signed_in' too: the sign-in form shows that one itself.
    if ((code === 'locked' || code === 'not_signed_in') && !name.startsWith('auth.')) {
      for (const listener of authLostListeners) listener(code);
    }
    throw new ApiCallError(result.error);
  }
  return result.value as CallOutput<K>;
}
