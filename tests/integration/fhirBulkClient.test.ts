import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDataCipher } from '../../electron/main/crypto/envelope';
import { awaitManifest, kickOff, parseLine, readExportFile, searchSince, STAGE_BATCH } from '../../electron/main/fhir/bulkClient';
import { LineBatches, type Batch } from '../../electron/main/fhir/ndjsonLines';
import type { FhirEndpoint } from '../../electron/main/fhir/fhirHttp';
import { SmartClient, smartPublicJwks } from '../../electron/main/fhir/smart';
import { fileSecretStore } from '../../electron/main/secrets/secretStore';
import { MAX_RETRY_AFTER_MS, SyncCancelled } from '../../electron/main/sync/http';
import { ALL_SCOPES, SmartAuth } from '../support/fhir/smartAuth';
import { makeTempDir } from '../support/tempDir';

/**
 * The Bulk Data client against an EHR that misbehaves the ways issues 8 and 11 list for the sync
 * protocol, on 127.0.0.1: huge Retry-After values, redirects, addresses on another host, lines
 * too long to hold, a file that arrives slowly (streamed, not read whole), and a cancel while
 * waiting. The token comes from the real SMART token endpoint (smartAuth.ts).
 */

type Route = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => unknown;

let temp: ReturnType<typeof makeTempDir>;
let auth: SmartAuth;
let server: http.Server;
let origin: string;
let routes: Map<string, Route>;
let endpoint: FhirEndpoint;
let other: http.Server;
let otherOrigin: string;
let otherRequests: number;

async function listen(s: http.Server): Promise<string> {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

beforeEach(async () => {
  temp = makeTempDir();
  const secrets = fileSecretStore(temp.dir, createDataCipher(randomBytes(32)));
  auth = new SmartAuth();
  routes = new Map();
  server = http.createServer((req, res) => {
    void (async () => {
      if (await auth.handle(req, res, origin, '/fhir')) return;
      const refusal = auth.authorize(req);
      if (refusal) {
        res.writeHead(refusal.status, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(refusal.body));
        return;
      }
      const url = new URL(req.url ?? '/', origin);
      const route = routes.get(url.pathname);
      if (route) await route(req, res, url);
      else res.writeHead(404).end();
    })();
  });
  origin = await listen(server);
  otherRequests = 0;
  other = http.createServer((_req, res) => {
    otherRequests += 1;
    res.writeHead(200).end('{"resourceType":"Patient","id":"stolen"}\n');
  });
  otherOrigin = await listen(other);
  auth.registerClient('desk', (await smartPublicJwks(secrets)) as Parameters<SmartAuth['registerClient']>[1]);
  const smart = new SmartClient({ baseUrl: `${origin}/fhir`, clientId: 'desk', scopes: ALL_SCOPES.join(' ') }, secrets);
  endpoint = { baseUrl: `${origin}/fhir`, smart };
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => other.close(resolve));
  temp.remove();
});

const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/fhir+json', ...headers }).end(JSON.stringify(body));

function manifest(files: { type: string; url: string }[]) {
  return { transactionTime: '2026-12-03T15:00:00Z', request: `${origin}/fhir/Group/g1/$export`, requiresAccessToken: true, output: files, error: [] };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: Error) => e,
  );
}

describe('kick-off and polling', () => {
  it('follows the export as the server asks: Retry-After honoured, a huge one cut to an hour, an unreadable one the normal backoff', async () => {
    let polls = 0;
    let asked: URL | null = null;
    routes.set('/fhir/Group/g1/$export', (req, res, url) => {
      asked = url;
      expect(req.headers.prefer).toBe('respond-async');
      res.writeHead(202, { 'content-location': `${origin}/fhir/status/1` }).end();
    });
    const hints = ['7', '315360000', 'soon'];
    routes.set('/fhir/status/1', (_req, res) => {
      const hint = hints[polls++];
      if (hint !== undefined) res.writeHead(202, { 'retry-after': hint, 'x-progress': 'Patient 40%' }).end();
      else json(res, 200, manifest([{ type: 'Patient', url: `${origin}/fhir/files/1.ndjson` }]));
    });
    const kicked = await kickOff(endpoint, 'g1', '2026-12-01T00:00:00Z');
    expect(kicked).toEqual({ statusUrl: `${origin}/fhir/status/1` });
    expect(asked!.searchParams.get('_type')).toBe('Patient,RelatedPerson,Appointment,Group');
    expect(asked!.searchParams.get('_since')).toBe('2026-12-01T00:00:00Z');
    const waits: number[] = [];
    const progress: string[] = [];
    const got = await awaitManifest(endpoint, (kicked as { statusUrl: string }).statusUrl, {
      wait: async (ms) => {
        waits.push(ms);
      },
      onProgress: (words) => progress.push(words),
    });
    expect(got.output).toHaveLength(1);
    expect(waits[0]).toBe(7_000);
    expect(waits[1]).toBe(MAX_RETRY_AFTER_MS);
    expect(waits[2]).toBeGreaterThanOrEqual(1_000);
    expect(waits[2]).toBeLessThanOrEqual(60_000);
    expect(progress).toEqual(['Patient 40%', 'Patient 40%', 'Patient 40%']);
  });

  it('a server that refuses _since is told apart, so the desk searches by _lastUpdated instead', async () => {
    routes.set('/fhir/Patient/$export', (_req, res) =>
      json(res, 400, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported', diagnostics: '_since is not supported' }] }),
    );
    expect(await kickOff(endpoint, '', '2026-12-01T00:00:00Z')).toBe('since-refused');
    const first = await rejection(kickOff(endpoint, '', null));
    expect(first.message).toContain('turned down the bulk export request (HTTP 400: _since is not supported)');
  });

  it('a redirect is refused, and a status address on another host is never asked', async () => {
    routes.set('/fhir/Group/g1/$export', (_req, res) => res.writeHead(307, { location: `${otherOrigin}/fhir/Group/g1/$export` }).end());
    const redirect = await rejection(kickOff(endpoint, 'g1', null));
    expect(redirect.message).toContain('answered with a redirect to 127.0.0.1:');
    expect(redirect.message).toContain('which this desk never follows');
    routes.set('/fhir/Group/g1/$export', (_req, res) => res.writeHead(202, { 'content-location': `${otherOrigin}/status/1` }).end());
    const elsewhere = await rejection(kickOff(endpoint, 'g1', null));
    expect(elsewhere.message).toContain('for the export status; this desk only talks to');
    expect(otherRequests).toBe(0);
  });

  it('a manifest naming a file on another host is refused before any file is read', async () => {
    routes.set('/fhir/status/1', (_req, res) =>
      json(
        res,
        200,
        manifest([
          { type: 'Patient', url: `${origin}/fhir/files/1.ndjson` },
          { type: 'Patient', url: `${otherOrigin}/files/2.ndjson` },
        ]),
      ),
    );
    const error = await rejection(awaitManifest(endpoint, `${origin}/fhir/status/1`));
    expect(error.message).toContain('for the export file; this desk only talks to');
    expect(otherRequests).toBe(0);
  });

  it('a cancel while waiting between polls ends the wait at once', async () => {
    routes.set('/fhir/status/1', (_req, res) => res.writeHead(202, { 'retry-after': '3600' }).end());
    await endpoint.smart.accessToken();
    const controller = new AbortController();
    const following = awaitManifest({ ...endpoint, signal: controller.signal }, `${origin}/fhir/status/1`);
    // The first poll has been answered once the client waits; cancel then.
    await new Promise((resolve) => server.once('request', () => setImmediate(resolve)));
    controller.abort();
    expect(await rejection(following)).toBeInstanceOf(SyncCancelled);
  });
});

/** An export file read as the sync reads it: its raw chunks, split into batches as the worker splits them. */
async function readBatches(url: string, skip: number, onBatch: (batch: Batch) => void = () => undefined): Promise<{ batches: Batch[]; lines: number }> {
  const batches: Batch[] = [];
  const splitter = new LineBatches(skip, STAGE_BATCH, (batch) => {
    batches.push(batch);
    onBatch(batch);
  });
  await readExportFile(endpoint, url, async (bytes) => splitter.push(new Uint8Array(bytes)));
  return { batches, lines: splitter.end() };
}

/** A batch's lines as the worker stages them (parseLine). */
const parsed = (batch: Batch) => batch.lines.map(parseLine).flatMap((p) => ('resource' in p ? [p.resource] : []));
const ids = (batch: Batch) => parsed(batch).map((r) => (r as { id: string }).id);
const notResources = (batch: Batch) =>
  batch.lines.flatMap((text, i) => {
    const p = parseLine(text);
    return 'problem' in p ? [{ line: batch.lineNumbers[i], problem: p.problem }] : [];
  });

describe('export files', () => {
  const patient = (i: number) => JSON.stringify({ resourceType: 'Patient', id: `p${i}`, name: [{ family: 'Muñoz', given: ['Zoë'] }] });

  it('are streamed: the first batch is handed on while the rest of the file has not been sent yet', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    routes.set('/fhir/files/1.ndjson', async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/fhir+ndjson' });
      const head = Buffer.from(`${Array.from({ length: STAGE_BATCH + 10 }, (_, i) => patient(i)).join('\n')}\n`);
      // Cut inside the multi-byte ñ of a name: the decoder must join the halves.
      const cut = head.indexOf(Buffer.from('ñ')) + 1;
      res.write(head.subarray(0, cut));
      res.write(head.subarray(cut));
      await released;
      res.end(`${patient(9999)}\r\n`);
    });
    const { batches, lines } = await readBatches(`${origin}/fhir/files/1.ndjson`, 0, release);
    expect(lines).toBe(STAGE_BATCH + 11);
    expect(batches.map((b) => b.lines.length)).toEqual([STAGE_BATCH, 11]);
    expect(batches[0]!.linesDone).toBe(STAGE_BATCH);
    expect(parsed(batches[0]!)[0]).toMatchObject({ name: [{ family: 'Muñoz', given: ['Zoë'] }] });
    expect(parsed(batches[1]!).at(-1)).toMatchObject({ id: 'p9999' });
  });

  it('a line too long to hold, or not a JSON object, is set aside with its line number; the lines around it arrive; a resumed read skips what was staged', async () => {
    const huge = JSON.stringify({ resourceType: 'Patient', id: 'huge', text: 'x'.repeat(1024 * 1024 + 10) });
    routes.set('/fhir/files/1.ndjson', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/fhir+ndjson' });
      res.end([patient(1), huge, 'not json', '', patient(2), '[1,2]', patient(3)].join('\n'));
    });
    const { batches } = await readBatches(`${origin}/fhir/files/1.ndjson`, 0);
    expect(batches).toHaveLength(1);
    expect(ids(batches[0]!)).toEqual(['p1', 'p2', 'p3']);
    expect(batches[0]!.unreadable).toEqual([{ line: 2, problem: 'larger than this desk accepts (over 1 MB)' }]);
    // The lines that are not resources are told apart where they are staged, with their line numbers.
    expect(notResources(batches[0]!)).toEqual([
      { line: 3, problem: 'not a FHIR resource (not a JSON object)' },
      { line: 5, problem: 'not a FHIR resource (not a JSON object)' },
    ]);
    // Blank lines are not counted: p1, the huge line and 'not json' are the first three.
    const { batches: resumed } = await readBatches(`${origin}/fhir/files/1.ndjson`, 3);
    expect(ids(resumed[0]!)).toEqual(['p2', 'p3']);
    expect(resumed[0]!.unreadable).toEqual([]);
    expect(notResources(resumed[0]!)).toEqual([{ line: 5, problem: 'not a FHIR resource (not a JSON object)' }]);
    expect(resumed[0]!.linesDone).toBe(6);
  });
});

describe('_lastUpdated searches', () => {
  it('follow the next links page by page, and refuse a next link on another host', async () => {
    routes.set('/fhir/Patient', (_req, res, url) => {
      expect(url.searchParams.get('_lastUpdated')).toBe('gt2026-12-01T00:00:00Z');
      const page = Number(url.searchParams.get('page') ?? '1');
      const link = page === 1 ? [{ relation: 'next', url: `${origin}/fhir/Patient?_lastUpdated=gt2026-12-01T00:00:00Z&page=2` }] : [];
      json(res, 200, { resourceType: 'Bundle', type: 'searchset', link, entry: [{ resource: { resourceType: 'Patient', id: `p${page}` } }] });
    });
    const seen: string[] = [];
    const serverTime = await searchSince(endpoint, 'Patient', '2026-12-01T00:00:00Z', async (resources) => {
      seen.push(...resources.map((r) => (r as { id: string }).id));
    });
    expect(seen).toEqual(['p1', 'p2']);
    expect(serverTime).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    routes.set('/fhir/Patient', (_req, res) =>
      json(res, 200, { resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'next', url: `${otherOrigin}/fhir/Patient?page=2` }], entry: [] }),
    );
    const error = await rejection(searchSince(endpoint, 'Patient', '2026-12-01T00:00:00Z', async () => undefined));
    expect(error.message).toContain('for the next search page; this desk only talks to');
    expect(otherRequests).toBe(0);
  });
});
