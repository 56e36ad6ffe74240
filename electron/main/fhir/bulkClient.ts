import { z } from 'zod';
import { DeliveryError } from '../lib/deliveryError';
import { MAX_RETRY_AFTER_MS, retryAfterMs, SyncCancelled } from '../sync/http';
import { drop, fhirBase, fhirFetch, onFhirHost, readJson, statusError, streamBytes, type FhirEndpoint } from './fhirHttp';

/**
 * FHIR Bulk Data Access (issue 15): the kick-off (`Group/[id]/$export`, or `Patient/$export`
 * without a group), polling the status address as the server asks (Retry-After honoured, at most
 * an hour a wait, and a bounded number of polls), the manifest, and each NDJSON file streamed as
 * raw bytes to the job worker, which splits and stages it (ndjsonLines.ts, ingestOps.ts).
 * Increments: `_since` on the kick-off; a server that refuses `_since` is asked with `_lastUpdated` searches instead, page by page (searchSince).
 */

/** What the desk loads: families (Group), patients, their guardians, and appointments. */
export const EXPORT_TYPES = ['Patient', 'RelatedPerson', 'Appointment', 'Group'] as const;
export type ExportType = (typeof EXPORT_TYPES)[number];

/** Resources handed on at a time (each batch is one staging transaction). */
export const STAGE_BATCH = 500;
/** Status polls one export may take (at up to a minute each without Retry-After, ~a day with it). */
export const MAX_POLLS = 2_000;
const MANIFEST_BYTES = 4 * 1024 * 1024;
const SEARCH_COUNT = 500;
/** A search page: ~8 KB a resource plus the bundle. */
const SEARCH_PAGE_BYTES = 256 * 1024 + SEARCH_COUNT * 8 * 1024;
const MAX_SEARCH_PAGES = 10_000;

const manifestSchema = z.object({
  transactionTime: z.string().min(10).max(40),
  requiresAccessToken: z.boolean().optional(),
  output: z.array(z.object({ type: z.string().max(64), url: z.string().max(2000), count: z.number().int().min(0).optional() })).max(10_000),
  error: z
    .array(z.object({ type: z.string().max(64), url: z.string().max(2000) }))
    .max(10_000)
    .optional(),
});
export type Manifest = z.infer<typeof manifestSchema>;

/** The kick-off was accepted: where to poll. */
export interface Kicked {
  statusUrl: string;
}

const NDJSON_HEADERS = { accept: 'application/fhir+ndjson' };
const JSON_HEADERS = { accept: 'application/fhir+json' };

function exportUrl(endpoint: FhirEndpoint, groupId: string, since: string | null): URL {
  const base = fhirBase(endpoint);
  const path = groupId ? `Group/${encodeURIComponent(groupId)}/$export` : 'Patient/$export';
  const url = new URL(path, base);
  url.searchParams.set('_type', EXPORT_TYPES.join(','));
  if (since) url.searchParams.set('_since', since);
  return url;
}

/**
 * Starts an export. Resolves with the status address, or 'since-refused' when the server turns
 * down `_since` (400/422 on an increment): the caller searches by _lastUpdated instead.
 */
export async function kickOff(endpoint: FhirEndpoint, groupId: string, since: string | null): Promise<Kicked | 'since-refused'> {
  const url = exportUrl(endpoint, groupId, since);
  const answer = await fhirFetch(endpoint, url, { ...JSON_HEADERS, prefer: 'respond-async' });
  if (answer.status === 202) {
    await drop(answer);
    const location = answer.headers.get('content-location');
    if (!location) throw new DeliveryError('The EHR accepted the export but did not say where to follow it (no Content-Location): contact its vendor.', true);
    return { statusUrl: onFhirHost(endpoint, location, 'export status').href };
  }
  const body = await readJson(answer, 64 * 1024, endpoint.signal).catch(() => null);
  if (since && (answer.status === 400 || answer.status === 422)) return 'since-refused';
  if (answer.status === 404 && groupId) {
    throw new DeliveryError(
      `The EHR does not know the group “${groupId}” (HTTP 404): check the group id in Settings > Practice system, or leave it empty to export every patient.`,
      true,
    );
  }
  throw statusError(answer, 'the bulk export request', body);
}

export type Wait = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Waits `ms`, or less when cancelled (then SyncCancelled). */
export const sleep: Wait = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new SyncCancelled());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new SyncCancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** The status address is gone (the export expired or was deleted): the next sync starts a new one. */
export class ExportGone extends DeliveryError {
  constructor() {
    super('The EHR no longer has the export this desk was following (it expired); the next sync asks for a new one. Nothing was lost.', false);
    this.name = 'ExportGone';
  }
}

/** Between polls without Retry-After: 1 s, 2 s, 4 s … up to a minute. */
const pollDelay = (poll: number) => Math.min(60_000, 1_000 * 2 ** Math.min(poll, 6));

/**
 * Polls until the manifest is ready. `onProgress` gets the server's X-Progress words. Retry-After
 * is honoured up to an hour; a server still busy after MAX_POLLS polls ends this sync (retryable:
 * the next sync keeps following the same export).
 */
export async function awaitManifest(
  endpoint: FhirEndpoint,
  statusUrl: string,
  options: { wait?: Wait; onProgress?: (words: string) => void } = {},
): Promise<Manifest> {
  const wait = options.wait ?? sleep;
  const url = onFhirHost(endpoint, statusUrl, 'export status');
  for (let poll = 0; poll < MAX_POLLS; poll += 1) {
    const answer = await fhirFetch(endpoint, url, { accept: 'application/json' });
    if (answer.status === 202 || answer.status === 429) {
      await drop(answer);
      const progress = answer.headers.get('x-progress');
      if (progress) options.onProgress?.(progress.replace(/[^\P{C}]/gu, ' ').slice(0, 100));
      const hinted = retryAfterMs(answer.headers.get('retry-after'));
      await wait(Math.min(MAX_RETRY_AFTER_MS, hinted ?? pollDelay(poll)), endpoint.signal);
      continue;
    }
    if (answer.status === 404 || answer.status === 410) {
      await drop(answer);
      throw new ExportGone();
    }
    const body = await readJson(answer, MANIFEST_BYTES, endpoint.signal);
    if (answer.status !== 200) {
      if (answer.status >= 500 || answer.status === 408) throw statusError(answer, 'while preparing the export', body);
      throw statusError(answer, 'the bulk export (it failed on the EHR side)', body);
    }
    const manifest = manifestSchema.safeParse(body);
    if (!manifest.success) throw new DeliveryError('The EHR sent an export manifest this desk cannot read: contact its vendor. Nothing was applied.', true);
    for (const output of manifest.data.output) onFhirHost(endpoint, output.url, 'export file');
    return manifest.data;
  }
  throw new DeliveryError(
    `The EHR has not finished the export after ${MAX_POLLS.toLocaleString('en-US')} checks; the next sync keeps waiting for it. Nothing was lost.`,
    false,
  );
}

/** One NDJSON line as a resource, or why it is not one. */
export function parseLine(text: string): { resource: object } | { problem: string } {
  let resource: unknown;
  try {
    resource = JSON.parse(text);
  } catch {
    resource = null;
  }
  return resource && typeof resource === 'object' && !Array.isArray(resource) ? { resource } : { problem: 'not a FHIR resource (not a JSON object)' };
}

/**
 * Streams one export file as its raw bytes, chunk by chunk (`onBytes`, awaited before the next
 * read: the file is never held whole). The lines are split and staged where they are written, in
 * the job worker (ingestOps.ts with ndjsonLines.ts), so this thread only hands bytes on.
 */
export async function readExportFile(endpoint: FhirEndpoint, fileUrl: string, onBytes: (bytes: ArrayBuffer) => Promise<void>): Promise<void> {
  const url = onFhirHost(endpoint, fileUrl, 'export file');
  const answer = await fhirFetch(endpoint, url, NDJSON_HEADERS);
  if (answer.status === 404 || answer.status === 410) {
    await drop(answer);
    throw new ExportGone();
  }
  if (answer.status !== 200) {
    const body = await readJson(answer, 64 * 1024, endpoint.signal).catch(() => null);
    throw statusError(answer, 'an export file', body);
  }
  await streamBytes(answer, onBytes, { signal: endpoint.signal });
}

/** Asks the server to forget a finished export (best effort: it expires anyway). */
export async function deleteExport(endpoint: FhirEndpoint, statusUrl: string): Promise<void> {
  try {
    await drop(await fhirFetch(endpoint, onFhirHost(endpoint, statusUrl, 'export status'), { accept: 'application/json' }, 'DELETE'));
  } catch {
    // Nothing depends on it.
  }
}

const bundleSchema = z.object({
  resourceType: z.literal('Bundle'),
  link: z.array(z.object({ relation: z.string(), url: z.string().max(4000) })).optional(),
  entry: z
    .array(z.object({ resource: z.unknown().optional() }))
    .max(SEARCH_COUNT * 2)
    .optional(),
});

/**
 * Everything of `type` changed after `since` (`_lastUpdated=gt`), page by page following the
 * bundle's next link (on the FHIR host only; a link seen before ends it as a repeating feed).
 * Returns the server's clock (its Date header) at the first page, the next increment's `since`.
 */
export async function searchSince(
  endpoint: FhirEndpoint,
  type: ExportType,
  since: string,
  onBatch: (resources: unknown[]) => Promise<void>,
): Promise<string | null> {
  let url: URL | null = new URL(type, fhirBase(endpoint));
  url.searchParams.set('_lastUpdated', `gt${since}`);
  url.searchParams.set('_count', String(SEARCH_COUNT));
  url.searchParams.set('_sort', '_lastUpdated');
  const seen = new Set<string>();
  let serverTime: string | null = null;
  for (let page = 0; url; page += 1) {
    if (page >= MAX_SEARCH_PAGES || seen.has(url.href)) {
      throw new DeliveryError('The EHR kept sending search pages without end: contact its vendor. What arrived before is kept.', true);
    }
    seen.add(url.href);
    const answer = await fhirFetch(endpoint, url, JSON_HEADERS);
    const date = answer.headers.get('date');
    if (page === 0 && date && !Number.isNaN(Date.parse(date))) serverTime = new Date(Date.parse(date)).toISOString();
    const body = await readJson(answer, SEARCH_PAGE_BYTES, endpoint.signal);
    if (answer.status !== 200) throw statusError(answer, `the search for changed ${type} records`, body);
    const bundle = bundleSchema.safeParse(body);
    if (!bundle.success) throw new DeliveryError(`The EHR sent a ${type} search page this desk cannot read: contact its vendor.`, true);
    const resources = (bundle.data.entry ?? []).map((entry) => entry.resource).filter((r) => r && typeof r === 'object');
    if (resources.length > 0) await onBatch(resources);
    const next = bundle.data.link?.find((link) => link.relation === 'next')?.url;
    url = next ? onFhirHost(endpoint, next, 'next search page') : null;
  }
  return serverTime;
}
