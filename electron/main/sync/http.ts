import { DeliveryError } from '../outbox/deliveryError';

export interface SyncEndpoint {
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
}

/** Retry-After in seconds or as an HTTP date, in ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * POSTs one delivery to the practice system with its idempotency key and classifies the outcome
 * the way the outbox needs it. Resolves with the status and parsed body for 2xx and 409.
 */
export async function postDelivery(endpoint: SyncEndpoint, path: string, deliveryId: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const host = new URL(endpoint.baseUrl).host;
  let response: Response;
  try {
    // The base address may carry a path (https://host/api): keep it, as the pull does.
    response = await (endpoint.fetch ?? fetch)(`${endpoint.baseUrl.replace(/\/+$/, '')}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${endpoint.token}`, 'idempotency-key': deliveryId },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
  } catch {
    throw new DeliveryError(`The practice system at ${host} could not be reached. The item stays queued and is sent when it is back.`, false);
  }
  const text = await response.text().catch(() => '');
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  const serverMessage = (parsed as { error?: { message?: string } } | null)?.error?.message;
  if (response.ok || response.status === 409) return { status: response.status, body: parsed };
  if (response.status === 401 || response.status === 403) {
    throw new DeliveryError('The practice system refused the sync token: check it in Settings, then retry.', true);
  }
  if (response.status === 429 || response.status === 408 || response.status >= 500) {
    throw new DeliveryError(
      `The practice system is busy or failing (${response.status}); the item is retried automatically.`,
      false,
      retryAfterMs(response.headers.get('retry-after')),
    );
  }
  throw new DeliveryError(`The practice system rejected this item (${response.status}${serverMessage ? `: ${serverMessage}` : ''}).`, true);
}
