import type { ApiError, CallInput, CallName, CallOutput } from '../../../shared/api';
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

/** Typed access to the contract: the same call works in Electron (IPC) and web mode (HTTP). */
export async function call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> {
  const result = await getBridge().invoke(name, input);
  if (!result.ok) throw new ApiCallError(result.error);
  return result.value as CallOutput<K>;
}
