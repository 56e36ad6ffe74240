import { healthAnswer, healthPath, PREVIOUS_PROTOCOL_VERSION, PROTOCOL_VERSION, PROTOCOL_VERSION_ERROR } from '../../../shared/sync/protocol';
import { cleanText } from '../../../shared/domain/textHygiene';
import { MAX_RETRY_AFTER_MS } from '../lib/backoff';
import { DeliveryError, unreachable } from '../lib/deliveryError';
import { yieldToEventLoop } from '../lib/pacing';
import { CertificateRefused, certificateProblem } from '../lib/certificateProblem';

/**
 * Every request to the practice system goes through syncRequest: no redirect is ever followed,
 * the answer is read as a stream up to a cap, the practice system's clock is noted, and a 404
 * from an older practice system is told apart from a wrong address. Pull and deliveries then
 * classify the status code their own way.
 */

export interface SyncEndpoint {
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** Told the practice system's clock (its HTTP Date header) with each answer. */
  observeServerDate?: (serverDate: Date) => void;
}

// Retry-After is honoured up to an hour: a practice system cannot park a delivery for years.
export { MAX_RETRY_AFTER_MS };
const DELAY_SECONDS = /^\d{1,10}$/;
/** RFC 9110 IMF-fixdate, the HTTP-date form servers send: "Sun, 06 Nov 1994 08:49:37 GMT". */
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Retry-After in ms, at most MAX_RETRY_AFTER_MS; undefined when absent or unreadable (then the
 * normal backoff applies). Delay-seconds or an HTTP date; a date already past means "now".
 */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  if (DELAY_SECONDS.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_AFTER_MS);
  if (!HTTP_DATE.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

/**
 * The network failed or timed out: the caller words it (offline, queued). `certificate`: the
 * connection was refused over the server's certificate instead (lib/certificateProblem.ts), worded
 * for the desk: not offline, and not fixed by waiting for the network.
 */
export class SyncUnreachable extends Error {
  constructor(
    readonly host: string,
    readonly certificate: string | null = null,
  ) {
    super(certificate ?? `The practice system at ${host} could not be reached.`);
    this.name = 'SyncUnreachable';
  }

  /** What the caller throws: `offline` (the network, retried when it is back) unless a certificate refused it. */
  toDeliveryError(offline: string, after: string): DeliveryError {
    return this.certificate === null ? unreachable(offline) : new CertificateRefused(`${this.certificate} ${after}`);
  }
}

/** The request was cancelled by the caller (the app stops, the address changed). */
export class SyncCancelled extends DeliveryError {
  constructor() {
    super('Sync was stopped before it finished (the app is closing or the practice system address changed). Nothing was lost.', false);
    this.name = 'SyncCancelled';
  }
}

export interface SyncRequest {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  /** JSON body (POST). */
  body?: unknown;
  idempotencyKey?: string;
  signal?: AbortSignal;
  timeoutMs: number;
  /** The answer is read up to this many bytes; more is refused unread. */
  maxBytes: number;
}

export interface SyncAnswer {
  status: number;
  headers: Headers;
  /** The body as received, in a buffer of its own (a pull hands it to its worker thread without a copy). */
  bytes: Uint8Array;
  /** The body decoded as UTF-8 (decoded when read). */
  readonly text: string;
}

// ignoreBOM: a byte-order mark stays in the text (and makes JSON.parse refuse it), as Buffer's decoding did.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

export function syncUrl(baseUrl: string, path: string): URL {
  try {
    // The base address may carry a path (https://host/api): keep it.
    const url = new URL(baseUrl.trim().replace(/\/+$/, '') + path);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http');
    return url;
  } catch {
    throw new DeliveryError('The practice system address in Settings is not a web address: check it in Settings.', true);
  }
}

function checkToken(token: string): void {
  // fetch would reject such a header as a TypeError, which would read as "offline".
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new DeliveryError('The sync token in Settings is empty or has characters a token cannot have: check it in Settings.', true);
  }
}

/**
 * A signal that aborts when any of `signals` does or after `timeoutMs`; `dispose()` unhooks it.
 * (Hand-made rather than AbortSignal.any: a long-lived signal, such as the app's "stopping",
 * would otherwise gather a listener per request for as long as the app runs.)
 */
export function linkedSignal(signals: (AbortSignal | undefined)[], timeoutMs?: number): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const unhook: (() => void)[] = [];
  for (const outer of signals) {
    if (!outer) continue;
    if (outer.aborted) {
      controller.abort(outer.reason);
      break;
    }
    const onAbort = () => controller.abort(outer.reason);
    outer.addEventListener('abort', onAbort, { once: true });
    unhook.push(() => outer.removeEventListener('abort', onAbort));
  }
  if (timeoutMs !== undefined && !controller.signal.aborted) {
    const timer = setTimeout(() => controller.abort(new DOMException('The request timed out.', 'TimeoutError')), timeoutMs);
    timer.unref?.();
    unhook.push(() => clearTimeout(timer));
  }
  const dispose = () => {
    for (const undo of unhook.splice(0)) undo();
  };
  controller.signal.addEventListener('abort', dispose, { once: true });
  return { signal: controller.signal, dispose };
}

function megabytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${Math.round(bytes / 1024)} KB`;
}

export function tooLarge(maxBytes: number): DeliveryError {
  return new DeliveryError(
    `The practice system sent an answer larger than this desk accepts (over ${megabytes(maxBytes)}); nothing of it was applied. Contact its vendor.`,
    true,
  );
}

const BYTES_PER_TURN = 1024 * 1024;

/** Reads the body as a stream and stops (cancelling the rest) as soon as it passes maxBytes. */
export async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(maxBytes);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let sinceTurn = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    // Chunks already received are read in one turn of the event loop (promises only): give the
    // loop back every megabyte, so a large page (up to 16 MB at 2,000 rows) never holds the desk.
    sinceTurn += value.byteLength;
    if (sinceTurn >= BYTES_PER_TURN) {
      sinceTurn = 0;
      await yieldToEventLoop();
    }
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  // Its own ArrayBuffer (never a slice of Node's shared pool), so it can be transferred to a worker.
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

/** readCapped, decoded as UTF-8 (a character split across chunks is decoded whole). */
export async function readCappedText(response: Response, maxBytes: number): Promise<string> {
  return utf8.decode(await readCapped(response, maxBytes));
}

function redirected(status: number, location: string | null, base: URL): DeliveryError {
  let where = '';
  try {
    if (location) where = ` to ${new URL(location, base).host}`;
  } catch {
    where = '';
  }
  return new DeliveryError(
    `The practice system answered with a redirect${where} (HTTP ${status}), which this desk never follows: check the practice system address in Settings. Nothing was sent elsewhere.`,
    true,
  );
}

/** Sends one request; throws SyncUnreachable, SyncCancelled or a permanent DeliveryError (address, token, redirect, size). */
export async function syncRequest(endpoint: SyncEndpoint, request: SyncRequest): Promise<SyncAnswer> {
  const url = syncUrl(endpoint.baseUrl, request.path);
  for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
  checkToken(endpoint.token);
  const headers: Record<string, string> = { authorization: `Bearer ${endpoint.token}`, accept: 'application/json' };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;
  const linked = linkedSignal([request.signal], request.timeoutMs);
  try {
    return await send(endpoint, request, url, headers, linked.signal);
  } finally {
    linked.dispose();
  }
}

async function send(endpoint: SyncEndpoint, request: SyncRequest, url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<SyncAnswer> {
  let response: Response;
  try {
    response = await (endpoint.fetch ?? fetch)(url, {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      redirect: 'manual',
      signal,
    });
  } catch (error) {
    if (request.signal?.aborted) throw new SyncCancelled();
    // Refused, reset, DNS, TLS or the timeout; a refused certificate is said as such.
    throw new SyncUnreachable(url.host, certificateProblem(error, url.host));
  }
  const date = response.headers.get('date');
  if (date && endpoint.observeServerDate) {
    const at = Date.parse(date);
    if (!Number.isNaN(at)) endpoint.observeServerDate(new Date(at));
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel().catch(() => undefined);
    throw redirected(response.status, response.headers.get('location'), url);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readCapped(response, request.maxBytes);
  } catch (error) {
    if (error instanceof DeliveryError) throw error;
    if (request.signal?.aborted) throw new SyncCancelled();
    throw new SyncUnreachable(url.host);
  }
  if (response.status === 404 || response.status === 410) {
    const versionProblem = (await olderPracticeSystem(endpoint, request.signal)) ?? newerPracticeSystem(response.status, utf8.decode(bytes));
    if (versionProblem) throw versionProblem;
  }
  return {
    status: response.status,
    headers: response.headers,
    bytes,
    get text() {
      return utf8.decode(bytes);
    },
  };
}

export function versionMismatchMessage(theirs: string): string {
  return `The practice system speaks sync protocol ${theirs}; this desk needs ${PROTOCOL_VERSION}: ask its vendor to update it. Nothing was lost: what waits is sent once it is updated.`;
}

/** A 404 on a v2 path from a practice system that answers GET /v1/health: it is older than this desk. */
async function olderPracticeSystem(endpoint: SyncEndpoint, signal?: AbortSignal): Promise<DeliveryError | null> {
  const linked = linkedSignal([signal], 5_000);
  try {
    const response = await (endpoint.fetch ?? fetch)(syncUrl(endpoint.baseUrl, healthPath(PREVIOUS_PROTOCOL_VERSION)), {
      headers: { authorization: `Bearer ${endpoint.token}`, accept: 'application/json' },
      redirect: 'manual',
      signal: linked.signal,
    });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      return null;
    }
    const health = healthAnswer.safeParse(JSON.parse(utf8.decode(await readCapped(response, 64 * 1024))));
    return health.success && health.data.version === PREVIOUS_PROTOCOL_VERSION
      ? new DeliveryError(versionMismatchMessage(PREVIOUS_PROTOCOL_VERSION), true)
      : null;
  } catch {
    return null;
  } finally {
    linked.dispose();
  }
}

/** A 410 `protocol_version` answer: the practice system has moved past this desk's version. */
function newerPracticeSystem(status: number, text: string): DeliveryError | null {
  if (status !== 410) return null;
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    if (code !== PROTOCOL_VERSION_ERROR) return null;
  } catch {
    return null;
  }
  return new DeliveryError(
    `The practice system no longer speaks sync protocol ${PROTOCOL_VERSION}: update Family Portal PINs on this desk. Nothing was lost.`,
    true,
  );
}

const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * POSTs one delivery to the practice system with its idempotency key and classifies the outcome
 * the way the outbox needs it. Resolves with the status and parsed body for 2xx and 409.
 */
export async function postDelivery(
  endpoint: SyncEndpoint,
  path: string,
  deliveryId: string,
  body: unknown,
  signal?: AbortSignal,
): Promise<{ status: number; body: unknown }> {
  let answer: SyncAnswer;
  try {
    answer = await syncRequest(endpoint, {
      method: 'POST',
      path,
      body,
      idempotencyKey: deliveryId,
      signal,
      timeoutMs: 20_000,
      maxBytes: MAX_ANSWER_BYTES,
    });
  } catch (error) {
    if (error instanceof SyncUnreachable) {
      throw error.toDeliveryError(
        `The practice system at ${error.host} could not be reached. The item stays queued and is sent when it is back.`,
        'The item stays queued and is tried again.',
      );
    }
    throw error;
  }
  let parsed: unknown = null;
  try {
    parsed = answer.text ? JSON.parse(answer.text) : null;
  } catch {
    parsed = null;
  }
  const serverMessage = (parsed as { error?: { message?: unknown } } | null)?.error?.message;
  const { status } = answer;
  if ((status >= 200 && status < 300) || status === 409) return { status, body: parsed };
  if (status === 401 || status === 403) {
    throw new DeliveryError('The practice system refused the sync token: check it in Settings, then retry.', true);
  }
  if (status === 429 || status === 408 || status >= 500) {
    throw new DeliveryError(
      `The practice system is busy or failing (${status}); the item is retried automatically.`,
      false,
      retryAfterMs(answer.headers.get('retry-after')),
      'busy',
      status,
    );
  }
  // The practice system's own words, shown to the clerk: no control or bidi characters, bounded.
  const quoted = typeof serverMessage === 'string' ? `: ${cleanText(serverMessage.slice(0, 300)).text}` : '';
  throw new DeliveryError(`The practice system rejected this item (${status}${quoted}).`, true);
}
