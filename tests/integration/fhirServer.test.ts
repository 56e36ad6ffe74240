import type { Bundle, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FHIR_MAPPING_CONFIG } from '../../shared/fhir/mappingConfig';
import { kickOffExport, ndjsonBatches } from '../support/fhir/bulkReader';
import { changeRelatedPersonEmail, clockPast, markDeceased, mergePatients, renamePatient } from '../support/fhir/mutations';
import { ROSTER_GROUP_ID, seedFhirFromMirror, type SeedCounts } from '../support/fhir/seed';
import { startFhirServer, type FhirServer } from '../support/fhir/server';
import { openDatabase, type OpenedDatabase } from '../../electron/main/db/open';
import { seedDemoPractice } from '../../electron/main/demo/demoPractice';

/**
 * The FHIR test server (tests/support/fhir/server.ts) as a client sees it over HTTP: search with
 * _lastUpdated and next links, Bulk Data $export (kick-off, polls, manifest, NDJSON), _since and
 * _type, and the authorization hook.
 */

const NOW = new Date('2026-11-22T14:30:00.000Z');
let server: FhirServer;
let demo: OpenedDatabase;
let seeded: SeedCounts;

beforeAll(async () => {
  demo = await openDatabase(':memory:');
  seedDemoPractice(demo.sqlite, { today: '2026-11-22', now: NOW, families: 40 });
  server = await startFhirServer({ retryAfterSeconds: 0, minPolls: 2, resourcesPerFile: 40 });
  seeded = await seedFhirFromMirror(server.repo, demo.sqlite, DEFAULT_FHIR_MAPPING_CONFIG);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await demo?.close();
});

const getJson = async <T>(url: string, headers: Record<string, string> = {}) => {
  const answer = await fetch(url, { headers });
  return { status: answer.status, headers: answer.headers, body: (await answer.json()) as T };
};

/** Every resource of a search, following its next links. */
async function searchAll(url: string): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pages = 0;
  let next: string | undefined = url;
  while (next) {
    const { status, body }: { status: number; body: Bundle } = await getJson<Bundle>(next);
    expect(status).toBe(200);
    pages += 1;
    for (const e of body.entry ?? []) ids.push(e.resource!.id!);
    next = body.link?.find((l) => l.relation === 'next')?.url;
  }
  return { ids, pages };
}

async function exported(kickoff: string): Promise<Map<string, unknown[]>> {
  const manifest = await kickOffExport(kickoff);
  const byType = new Map<string, unknown[]>();
  for (const file of manifest.output) for await (const batch of ndjsonBatches(file.url)) byType.set(file.type, [...(byType.get(file.type) ?? []), ...batch]);
  return byType;
}

describe('search', () => {
  it('pages every patient through next links, each once', async () => {
    const { ids, pages } = await searchAll(`${server.baseUrl}/Patient?_count=25`);
    expect(ids.length).toBe(seeded.patients);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages).toBe(Math.ceil(seeded.patients / 25));
  });

  it('finds exactly what changed after an instant with _lastUpdated=gt', async () => {
    const before = new Date().toISOString();
    await clockPast(before);
    await renamePatient(server.repo, 'pat-000003', { given: 'Renata', family: 'Vargas' });
    const { ids } = await searchAll(`${server.baseUrl}/Patient?_lastUpdated=gt${before}&_count=10`);
    expect(ids).toEqual(['pat-000003']);
    const { body } = await getJson<Patient>(`${server.baseUrl}/Patient/pat-000003`);
    expect(body.name?.[0]).toMatchObject({ use: 'official', family: 'Vargas', given: ['Renata'] });
  });
});

describe('Bulk Data $export', () => {
  it('answers a kick-off 202 with Content-Location, polls 202 with Retry-After and X-Progress, then the manifest', async () => {
    const kick = await fetch(`${server.baseUrl}/Patient/$export`, { headers: { prefer: 'respond-async', accept: 'application/fhir+json' } });
    expect(kick.status).toBe(202);
    const statusUrl = kick.headers.get('content-location')!;
    expect(statusUrl).toMatch(/\/fhir\/\$export-status\//);
    const first = await fetch(statusUrl);
    expect(first.status).toBe(202);
    expect(first.headers.get('retry-after')).toBe('0');
    expect(first.headers.get('x-progress')).toMatch(/resources written/);
    let answer = first;
    while (answer.status === 202) answer = await fetch(statusUrl);
    const manifest = (await answer.json()) as { transactionTime: string; output: { type: string; count: number }[]; requiresAccessToken: boolean };
    expect(manifest.requiresAccessToken).toBe(false);
    const total = (type: string) => manifest.output.filter((o) => o.type === type).reduce((n, o) => n + o.count, 0);
    expect([total('Patient'), total('RelatedPerson'), total('Appointment'), total('Group')]).toEqual([
      seeded.patients,
      seeded.relatedPersons,
      seeded.appointments,
      seeded.households,
    ]);
    expect(manifest.output.filter((o) => o.type === 'Patient').length).toBe(Math.ceil(seeded.patients / 40));
  });

  it('exports a group’s members with their RelatedPersons, appointments and households, and serves NDJSON', async () => {
    const byType = await exported(`${server.baseUrl}/Group/fam-000002/$export`);
    const patients = (byType.get('Patient') ?? []) as Patient[];
    const expected = demo.sqlite.prepare(`SELECT id FROM patients WHERE family_id = 'fam-000002' ORDER BY id`).pluck().all();
    expect(patients.map((p) => p.id).sort()).toEqual(expected);
    expect(byType.get('Group')).toBeUndefined(); // the exported household itself is not repeated
    const links = demo.sqlite
      .prepare(`SELECT count(*) FROM patient_contacts l JOIN patients p ON p.id = l.patient_id WHERE p.family_id = 'fam-000002'`)
      .pluck()
      .get();
    expect(byType.get('RelatedPerson')?.length).toBe(links);
  });

  it('exports only what changed since _since, of the _type asked', async () => {
    const { transactionTime } = await kickOffExport(`${server.baseUrl}/Group/${ROSTER_GROUP_ID}/$export?_type=Patient`);
    await clockPast(transactionTime);
    await markDeceased(server.repo, 'pat-000005');
    await mergePatients(server.repo, 'pat-000007', 'pat-000008');
    await changeRelatedPersonEmail(server.repo, 'con-000001-pat-000001', 'new.address@example.org');
    const since = encodeURIComponent(transactionTime);
    const patientsOnly = await exported(`${server.baseUrl}/Group/${ROSTER_GROUP_ID}/$export?_type=Patient&_since=${since}`);
    expect([...patientsOnly.keys()]).toEqual(['Patient']);
    expect((patientsOnly.get('Patient') as Patient[]).map((p) => p.id).sort()).toEqual(['pat-000005', 'pat-000007', 'pat-000008']);
    const all = await exported(`${server.baseUrl}/Patient/$export?_since=${since}`);
    expect((all.get('RelatedPerson') as { id: string }[]).map((r) => r.id)).toEqual(['con-000001-pat-000001']);
  });

  it('refuses a kick-off without Prefer: respond-async, an unknown _type, an unknown group; DELETE cancels a job', async () => {
    expect((await fetch(`${server.baseUrl}/Patient/$export`)).status).toBe(400);
    const unknownType = await getJson<{ issue: { details: { text: string } }[] }>(`${server.baseUrl}/Patient/$export?_type=Observation`, {
      prefer: 'respond-async',
    });
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.issue[0]!.details.text).toMatch(/Observation/);
    expect((await fetch(`${server.baseUrl}/Group/nobody/$export`, { headers: { prefer: 'respond-async' } })).status).toBe(404);
    const kick = await fetch(`${server.baseUrl}/Patient/$export`, { headers: { prefer: 'respond-async' } });
    const statusUrl = kick.headers.get('content-location')!;
    expect((await fetch(statusUrl, { method: 'DELETE' })).status).toBe(202);
    expect((await fetch(statusUrl)).status).toBe(404);
  });
});

describe('the authorization hook', () => {
  it('answers what the hook says before any FHIR request, and leaves other routes to the routes hook', async () => {
    const guarded = await startFhirServer({
      authorize: (req) => (req.headers.authorization === 'Bearer good' ? true : { status: 401, body: { error: 'invalid_token' } }),
      routes: (_req, url) =>
        url.pathname === '/auth/token' ? { status: 200, headers: { 'content-type': 'application/json' }, body: '{"access_token":"good"}' } : null,
    });
    try {
      expect((await fetch(`${guarded.baseUrl}/Patient`)).status).toBe(401);
      expect(await (await fetch(`${guarded.baseUrl}/Patient/$export`, { headers: { prefer: 'respond-async' } })).json()).toEqual({ error: 'invalid_token' });
      expect((await fetch(`${guarded.url}/auth/token`, { method: 'POST', body: 'x' })).status).toBe(200);
      const ok = await fetch(`${guarded.baseUrl}/Patient`, { headers: { authorization: 'Bearer good' } });
      expect(ok.status).toBe(200);
      const manifest = await kickOffExport(`${guarded.baseUrl}/Patient/$export`, { authorization: 'Bearer good' });
      expect(manifest.requiresAccessToken).toBe(true);
      expect((await fetch(`${guarded.baseUrl}/$export-status/00000000-0000-0000-0000-000000000000`)).status).toBe(401);
    } finally {
      await guarded.close();
    }
  });
});
