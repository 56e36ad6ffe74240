import { DeliveryError, unreachable } from '../lib/deliveryError';
import { CertificateRefused, certificateProblem } from '../lib/certificateProblem';
import { linkedSignal, readCappedText, retryAfterMs, SyncCancelled } from '../sync/http';
import type { SmartClient } from './smart';

/**
 * Requests to the EHR's FHIR server, the way sync/http.ts makes them to a practice system: no
 * redirect is ever followed, nothing is asked of another host than the configured FHIR base (a
 * status, file or next-page address elsewhere is refused before anything is sent there, the
 * access token included), bodies are read as streams up to a cap, every request can be cancelled,
 * and the access token comes from SMART Backend Services (one fresh token on a 401, then stop).
 */

export interface FhirEndpoint {
  /** The FHIR base address from Settings (https://ehr.example.org/fhir/r4). */
  baseUrl: string;
  smart: SmartClient;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  now?: () => Date;
}

const REQUEST_TIMEOUT_MS = 60_000;

export function fhirBase(endpoint: Pick<FhirEndpoint, 'baseUrl'>): URL {
  try {
    const url = new URL(`${endpoint.baseUrl.trim().replace(/\/+$/, '')}/`);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url;
  } catch {
    // worded below
  }
  throw new DeliveryError('The FHIR base address in Settings > Practice system is not a web address: check it.', true);
}

/** An address the EHR gave (a status, file or next page): only on the FHIR server's own host. */
export function onFhirHost(endpoint: Pick<FhirEndpoint, 'baseUrl'>, address: string, what: string): URL {
  const base = fhirBase(endpoint);
  let url: URL;
  try {
    url = new URL(address, base);
  } catch {
    throw new DeliveryError(`The EHR gave an address for the ${what} that this desk cannot read: contact its vendor.`, true);
  }
  if (url.origin !== base.origin) {
    throw new DeliveryError(
      `The EHR named another host (${url.host}) for the ${what}; this desk only talks to ${base.host}, so nothing was sent there. Contact the EHR's vendor.`,
      true,
    );
  }
  return url;
}

export interface FhirAnswer {
  status: number;
  headers: Headers;
  response: Response;
  /** The body is still arriving: the idle timeout starts again (a stalled file is given up, a long one is not). */
  touch(): void;
  /** The body was read or dropped: timers and listeners go. */
  done(): void;
}

/**
 * Sends one request with the access token and returns the answer with its body unread (the caller
 * reads it capped, or streams it, then calls done()). Throws a retryable "offline" error when the
 * server cannot be reached or stalls for a minute, SyncCancelled when cancelled, a permanent one
 * on a redirect or a token refused twice.
 */
export async function fhirFetch(endpoint: FhirEndpoint, url: URL, headers: Record<string, string>, method: 'GET' | 'DELETE' = 'GET'): Promise<FhirAnswer> {
  const send = async (token: string): Promise<FhirAnswer> => {
    const stall = new AbortController();
    const linked = linkedSignal([endpoint.signal, stall.signal]);
    const stalled = () => stall.abort(new DOMException('The EHR stopped answering.', 'TimeoutError'));
    let timer = setTimeout(stalled, REQUEST_TIMEOUT_MS);
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(stalled, REQUEST_TIMEOUT_MS);
    };
    const done = () => {
      clearTimeout(timer);
      linked.dispose();
    };
    let response: Response;
    try {
      response = await (endpoint.fetch ?? fetch)(url, {
        method,
        headers: { ...headers, authorization: `Bearer ${token}` },
        redirect: 'manual',
        signal: linked.signal,
      });
    } catch (error) {
      done();
      if (endpoint.signal?.aborted) throw new SyncCancelled();
      const certificate = certificateProblem(error, url.host);
      if (certificate) throw new CertificateRefused(`${certificate} Nothing was lost: sync continues where it stopped.`);
      throw unreachable(`The EHR's FHIR server at ${url.host} could not be reached; working offline. Nothing was lost: sync continues where it stopped.`);
    }
    touch();
    if (response.status < 400) endpoint.smart.observeDate(response.headers.get('date'));
    const answer: FhirAnswer = { status: response.status, headers: response.headers, response, touch, done };
    if (response.status === 401) await drop(answer);
    return answer;
  };
  const answer = await endpoint.smart.withToken(send, endpoint.signal);
  if (answer.status >= 300 && answer.status < 400) {
    await drop(answer);
    let where = '';
    try {
      const location = answer.headers.get('location');
      if (location) where = ` to ${new URL(location, url).host}`;
    } catch {
      where = '';
    }
    throw new DeliveryError(
      `The EHR's FHIR server answered with a redirect${where} (HTTP ${answer.status}), which this desk never follows: check the FHIR base address in Settings > Practice system. Nothing was sent elsewhere.`,
      true,
    );
  }
  return answer;
}

/** The body is not wanted. */
export async function drop(answer: FhirAnswer): Promise<void> {
  await answer.response.body?.cancel().catch(() => undefined);
  answer.done();
}

/** The body as JSON, read up to maxBytes. */
export async function readJson(answer: FhirAnswer, maxBytes: number, signal?: AbortSignal): Promise<unknown> {
  let text: string;
  try {
    text = await readCappedText(answer.response, maxBytes);
  } catch (error) {
    if (error instanceof DeliveryError) throw error;
    if (signal?.aborted) throw new SyncCancelled();
    throw unreachable('The EHR stopped answering in the middle of a reply; working offline. Nothing was lost: sync continues where it stopped.');
  } finally {
    answer.done();
  }
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DeliveryError('The EHR sent an answer that is not JSON: contact its vendor. Nothing of it was applied.', true);
  }
}

/** The words of an OperationOutcome (its first diagnostics), cleaned for the administrator. */
export function outcomeText(body: unknown): string {
  const issue = (body as { issue?: { diagnostics?: unknown; details?: { text?: unknown } }[] } | null)?.issue?.[0];
  const text = issue?.diagnostics ?? issue?.details?.text;
  return typeof text === 'string' ? text.replace(/[^\P{C}]/gu, ' ').slice(0, 200) : '';
}

/** 429 / 5xx / 408: busy, tried again later (Retry-After honoured up to an hour); anything else not 2xx is permanent. */
export function statusError(answer: Pick<FhirAnswer, 'status' | 'headers'>, what: string, body: unknown = null): DeliveryError {
  const { status } = answer;
  if (status === 408 || status === 429 || status >= 500) {
    return new DeliveryError(
      `The EHR's FHIR server is busy or having trouble (HTTP ${status}) ${what}; sync tries again later. Nothing was lost.`,
      false,
      retryAfterMs(answer.headers.get('retry-after')),
    );
  }
  if (status === 403) {
    return new DeliveryError(
      `The EHR refused ${what} (HTTP 403): the client id lacks a permission it needs. Ask the EHR administrator to grant the scopes in Settings > Practice system.`,
      true,
    );
  }
  const said = outcomeText(body);
  return new DeliveryError(`The EHR turned down ${what} (HTTP ${status}${said ? `: ${said}` : ''}). Check Settings > Practice system.`, true);
}

/**
 * Reads a body chunk by chunk as it arrives, each a copy in its own ArrayBuffer (the caller may
 * transfer it to a worker: the stream's own buffers are never handed on). `onBytes` is awaited
 * before the next read, so a slow consumer slows the download instead of piling chunks up.
 */
export async function streamBytes(answer: FhirAnswer, onBytes: (bytes: ArrayBuffer) => Promise<void>, options: { signal?: AbortSignal } = {}): Promise<void> {
  const body = answer.response.body;
  if (!body) {
    answer.done();
    return;
  }
  const reader = body.getReader();
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch {
        if (options.signal?.aborted) throw new SyncCancelled();
        throw unreachable('The EHR stopped sending a file in the middle; working offline. Nothing was lost: sync continues where it stopped.');
      }
      if (chunk.done) break;
      answer.touch();
      if (chunk.value.byteLength > 0) await onBytes(chunk.value.slice().buffer);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
    answer.done();
  }
}
