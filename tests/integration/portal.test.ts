import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoScenarioFamilies } from '../../electron/main/demo/demoPractice';
import { formatPin, generatePin, verifyPin } from '../../shared/domain/pin';
import {
  changesPage,
  enrollmentAccepted,
  nameCorrectionResult,
  protocolError,
  SYNC_PATHS,
  type ChangesPage,
  type EnrollmentRequest,
} from '../../shared/sync/protocol';
import { escapeHtml } from '../support/portal/pages';
import { ParentBrowser } from '../support/portal/parentBrowser';
import { startPortal, type PortalServer } from '../support/portal/server';
import { makeTempDir } from '../support/tempDir';

const TOKEN = 'test-token-7f3a';
const TODAY = '2026-11-22';
const NOW = new Date('2026-11-22T15:00:00Z');
const MISMATCH = 'That PIN and date of birth do not match our records.';

let temp: ReturnType<typeof makeTempDir>;
let portal: PortalServer;
let clock: Date;

function start(): Promise<PortalServer> {
  return startPortal({
    dbFile: temp.file('portal.sqlite'),
    token: TOKEN,
    seedDemo: { families: 20, today: TODAY, now: NOW },
    now: () => clock,
    slowMs: 150,
  });
}

beforeEach(async () => {
  temp = makeTempDir('fpp-portal-');
  clock = NOW;
  portal = await start();
});

afterEach(async () => {
  await portal?.close();
  temp.remove();
});

// ---- helpers --------------------------------------------------------------------------------

const auth = { authorization: `Bearer ${TOKEN}` };

function get(path: string, headers: Record<string, string> = auth): Promise<Response> {
  return fetch(`${portal.url}${path}`, { headers });
}

function post(path: string, body: unknown, headers: Record<string, string> = auth): Promise<Response> {
  const deliveryId = (body as { deliveryId?: unknown }).deliveryId;
  return fetch(`${portal.url}${path}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', ...(typeof deliveryId === 'string' ? { 'idempotency-key': deliveryId } : {}) },
    body: JSON.stringify(body),
  });
}

const count = (sql: string) => portal.database.prepare(sql).pluck().get() as number;

interface Kid {
  id: string;
  first_name: string;
  last_name: string;
  date_of_birth: string;
  version: number;
  contactId: string;
}

/** A child's name as the account page shows it (HTML-escaped: names may hold apostrophes). */
const nameOf = (kid: Kid) => escapeHtml(`${kid.first_name} ${kid.last_name}`);

/** The children of the first demo family with exactly three siblings, oldest first. */
function threeSiblings(): Kid[] {
  const familyId = demoScenarioFamilies(portal.database)['siblings-3'][0]!;
  return portal.database
    .prepare(
      `SELECT p.id, p.first_name, p.last_name, p.date_of_birth, p.version, pc.contact_id AS contactId
         FROM patients p JOIN patient_contacts pc ON pc.patient_id = p.id AND pc.sort = 1
        WHERE p.family_id = ? ORDER BY p.date_of_birth`,
    )
    .all(familyId) as Kid[];
}

function enrollment(kid: Kid, overrides: Partial<EnrollmentRequest> = {}): EnrollmentRequest {
  return {
    deliveryId: randomUUID(),
    pinId: randomUUID(),
    pin: generatePin(),
    patientId: kid.id,
    dateOfBirth: kid.date_of_birth,
    expiresAt: new Date(NOW.getTime() + 30 * 86_400_000).toISOString(),
    accountOwnerContactId: kid.contactId,
    batchId: randomUUID(),
    issuedAt: NOW.toISOString(),
    workstation: 'desk-1',
    issuedBy: 'Dana Reyes',
    delivery: 'print',
    welcomeForContactId: null,
    resendWelcome: false,
    replacesPinId: null,
    ...overrides,
  };
}

async function enroll(kid: Kid): Promise<EnrollmentRequest> {
  const request = enrollment(kid);
  const res = await post(SYNC_PATHS.enrollments, request);
  expect(res.status).toBe(200);
  return request;
}

async function pullAll(limit: number, cursor = ''): Promise<ChangesPage[]> {
  const pages: ChangesPage[] = [];
  for (;;) {
    const res = await get(`${SYNC_PATHS.changes}?cursor=${encodeURIComponent(cursor)}&limit=${limit}`);
    expect(res.status).toBe(200);
    const page = changesPage.parse(await res.json());
    pages.push(page);
    cursor = page.cursor;
    if (!page.hasMore) return pages;
    if (pages.length > 10_000) throw new Error('the pull never ends');
  }
}

// ---- pull -------------------------------------------------------------------------------------

describe('GET /v2/changes', () => {
  it('delivers every record of the seeded practice exactly once, parents before children', async () => {
    const pages = await pullAll(7);
    const seen = {
      families: new Set<string>(),
      contacts: new Set<string>(),
      patients: new Set<string>(),
      links: new Set<string>(),
      appointments: new Set<string>(),
    };
    const once = (set: Set<string>, id: string) => {
      expect(set.has(id), `${id} sent twice`).toBe(false);
      set.add(id);
    };
    let rows = 0;
    for (const page of pages) {
      const size = page.families.length + page.contacts.length + page.patients.length + page.patientContacts.length + page.appointments.length;
      expect(size).toBeLessThanOrEqual(7);
      expect(page.tombstones).toEqual([]);
      rows += size;
      // Applied in one transaction per page: nothing may point at a row not yet received.
      for (const f of page.families) once(seen.families, f.id);
      for (const c of page.contacts) once(seen.contacts, c.id);
      for (const p of page.patients) {
        once(seen.patients, p.id);
        if (p.familyId !== null) expect(seen.families.has(p.familyId), `${p.id} before its family`).toBe(true);
      }
      for (const l of page.patientContacts) {
        once(seen.links, `${l.patientId}:${l.contactId}`);
        expect(seen.patients.has(l.patientId) && seen.contacts.has(l.contactId)).toBe(true);
      }
      for (const a of page.appointments) {
        once(seen.appointments, a.id);
        expect(seen.patients.has(a.patientId)).toBe(true);
      }
      expect(page.remaining).toBe(count('SELECT count(*) FROM portal_change_log') - rows);
    }
    expect(seen.families.size).toBe(count('SELECT count(*) FROM families'));
    expect(seen.families.size).toBe(20);
    expect(seen.contacts.size).toBe(count('SELECT count(*) FROM contacts'));
    expect(seen.patients.size).toBe(count('SELECT count(*) FROM patients'));
    expect(seen.links.size).toBe(count('SELECT count(*) FROM patient_contacts'));
    expect(seen.appointments.size).toBe(count('SELECT count(*) FROM appointments'));
    expect(seen.appointments.size).toBeGreaterThan(0);
    expect(pages.at(-1)).toMatchObject({ hasMore: false, remaining: 0 });

    // Caught up: the same cursor gives an empty page and keeps its place.
    const last = pages.at(-1)!.cursor;
    const again = changesPage.parse(await (await get(`${SYNC_PATHS.changes}?cursor=${last}`)).json());
    expect(again).toMatchObject({ cursor: last, hasMore: false, remaining: 0, patients: [], tombstones: [] });
  });

  it('sends upstream edits and merges made after the cursor, with tombstones', async () => {
    const cursor = (await pullAll(5000)).at(-1)!.cursor;
    const [older, younger] = threeSiblings();
    portal.database.prepare(`UPDATE patients SET first_name = 'Renamed', version = version + 1 WHERE id = ?`).run(older!.id);
    portal.touch('patient', older!.id);
    portal.touch('patient', younger!.id, true, older!.id);

    const pages = await pullAll(100, cursor);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.patients).toEqual([expect.objectContaining({ id: older!.id, firstName: 'Renamed', version: older!.version + 1 })]);
    expect(pages[0]!.tombstones).toEqual([{ kind: 'patient', id: younger!.id, mergedInto: older!.id }]);
  });

  it('rejects a cursor it never gave and caps the page size', async () => {
    const bad = await get(`${SYNC_PATHS.changes}?cursor=abc`);
    expect(bad.status).toBe(422);
    expect(protocolError.parse(await bad.json()).error.code).toBe('invalid_cursor');
    const big = changesPage.parse(await (await get(`${SYNC_PATHS.changes}?limit=999999`)).json());
    expect(big.hasMore).toBe(false); // 20 families fit under MAX_PAGE_LIMIT
  });
});

// ---- auth -------------------------------------------------------------------------------------

describe('authentication', () => {
  it('answers 401 without the bearer token or with a wrong one, and health with it', async () => {
    const refused: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }];
    for (const headers of refused) {
      const res = await get(SYNC_PATHS.changes, headers);
      expect(res.status).toBe(401);
      expect(protocolError.parse(await res.json()).error.code).toBe('unauthorized');
    }
    const enroll = await post(SYNC_PATHS.enrollments, enrollment(threeSiblings()[0]!), {});
    expect(enroll.status).toBe(401);
    expect(portal.enrollments()).toHaveLength(0);

    const health = await get(SYNC_PATHS.health);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, version: 'v2' });
  });
});

// ---- push -------------------------------------------------------------------------------------

describe('POST /v2/enrollments', () => {
  it('applies a delivery once, answers a repeat identically, also after a restart on the same file', async () => {
    const kid = threeSiblings()[0]!;
    const request = enrollment(kid);
    const first = await post(SYNC_PATHS.enrollments, request);
    expect(first.status).toBe(200);
    const answer = enrollmentAccepted.parse(await first.json());
    const second = await post(SYNC_PATHS.enrollments, request);
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual(answer);
    expect(portal.enrollments()).toEqual([
      {
        deliveryId: request.deliveryId,
        pinId: request.pinId,
        patientId: kid.id,
        dateOfBirth: kid.date_of_birth,
        redeemed: false,
        accountId: null,
        revoked: false,
        welcome: 'not_requested',
      },
    ]);

    // The portal keeps its own salted hash, never the PIN.
    const stored = portal.database.prepare('SELECT pin_hash FROM portal_enrollments').pluck().get() as string;
    expect(stored).not.toContain(request.pin);
    expect(await verifyPin(request.pin, stored)).toBe(true);

    const logRows = count('SELECT count(*) FROM portal_change_log');
    await portal.close();
    portal = await start();
    expect(count('SELECT count(*) FROM families')).toBe(20); // not seeded twice
    expect(count('SELECT count(*) FROM portal_change_log')).toBe(logRows);
    const afterRestart = await post(SYNC_PATHS.enrollments, request);
    expect(afterRestart.status).toBe(200);
    expect(await afterRestart.json()).toEqual(answer);
    expect(portal.enrollments()).toHaveLength(1);
  });

  it('rejects an unknown patient, a malformed PIN and an invalid body with 422 and a message', async () => {
    const kid = threeSiblings()[0]!;
    const unknown = await post(SYNC_PATHS.enrollments, enrollment(kid, { patientId: 'pat-999999' }));
    expect(unknown.status).toBe(422);
    const unknownError = protocolError.parse(await unknown.json()).error;
    expect(unknownError.code).toBe('unknown_patient');
    expect(unknownError.message).toContain('pat-999999');

    const badPin = enrollment(kid, { pin: 'OOOO-1111' });
    const malformed = await post(SYNC_PATHS.enrollments, badPin);
    expect(malformed.status).toBe(422);
    const malformedError = protocolError.parse(await malformed.json()).error;
    expect(malformedError.code).toBe('invalid_pin');
    expect(malformedError.message).not.toContain(badPin.pin);

    const invalid = await post(SYNC_PATHS.enrollments, { ...enrollment(kid), deliveryId: 'not-a-uuid' });
    expect(invalid.status).toBe(422);
    expect(protocolError.parse(await invalid.json()).error.message).toMatch(/deliveryId/);
    expect(portal.enrollments()).toHaveLength(0);
  });
});

describe('addPatients', () => {
  it('makes the practice system know a fixture patient, so its enrollment is accepted and it is pulled', async () => {
    const cursor = (await pullAll(5000)).at(-1)!.cursor;
    portal.addPatients(['p-ana', { id: 'p-luis', firstName: 'Luis', lastName: 'Lopez', dateOfBirth: '2018-06-02' }]);
    const kid: Kid = { id: 'p-luis', first_name: 'Luis', last_name: 'Lopez', date_of_birth: '2018-06-02', version: 1, contactId: 'c-maria' };
    expect((await post(SYNC_PATHS.enrollments, enrollment(kid))).status).toBe(200);
    const pulled = await pullAll(100, cursor);
    expect(pulled[0]!.patients.map((p) => [p.id, p.firstName, p.status])).toEqual([
      ['p-ana', 'Patient', 'Active'],
      ['p-luis', 'Luis', 'Active'],
    ]);
  });
});

describe('POST /v2/name-corrections', () => {
  it('applies a correction based on the current version, then answers 409 with both names to a stale one', async () => {
    const kid = threeSiblings()[0]!;
    const cursor = (await pullAll(5000)).at(-1)!.cursor;
    const correction = { deliveryId: randomUUID(), patientId: kid.id, firstName: 'Amelia', lastName: kid.last_name, baseVersion: kid.version };
    const applied = await post(SYNC_PATHS.nameCorrections, correction);
    expect(applied.status).toBe(200);
    const appliedBody = nameCorrectionResult.parse(await applied.json());
    expect(appliedBody).toEqual({ status: 'applied', version: kid.version + 1 });
    // A retry of the same delivery is not a conflict with itself.
    const retried = await post(SYNC_PATHS.nameCorrections, correction);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toEqual(appliedBody);

    const changed = await pullAll(100, cursor);
    expect(changed[0]!.patients).toEqual([expect.objectContaining({ id: kid.id, firstName: 'Amelia', version: kid.version + 1 })]);

    const stale = await post(SYNC_PATHS.nameCorrections, { ...correction, deliveryId: randomUUID(), firstName: 'Emilia' });
    expect(stale.status).toBe(409);
    expect(nameCorrectionResult.parse(await stale.json())).toEqual({
      status: 'conflict',
      current: { firstName: 'Amelia', lastName: kid.last_name, version: kid.version + 1 },
    });
  });
});

// ---- faults -----------------------------------------------------------------------------------

describe('fault modes', () => {
  it("'down' refuses every request: fetch rejects, nothing is received", async () => {
    portal.setFault('down');
    await expect(get(SYNC_PATHS.health)).rejects.toThrow();
    await expect(post(SYNC_PATHS.enrollments, enrollment(threeSiblings()[0]!))).rejects.toThrow();
    await expect(fetch(`${portal.url}/register`)).rejects.toThrow();
    expect(portal.requestCounts()[SYNC_PATHS.enrollments]).toBeUndefined();
    expect(portal.enrollments()).toHaveLength(0);
    portal.setFault('none');
    expect((await get(SYNC_PATHS.health)).status).toBe(200);
  });

  it("'error500' and 'rateLimit429' (with Retry-After) answer protocol calls without applying them", async () => {
    const kid = threeSiblings()[0]!;
    portal.setFault('error500');
    const failed = await post(SYNC_PATHS.enrollments, enrollment(kid));
    expect(failed.status).toBe(500);
    protocolError.parse(await failed.json());

    portal.setFault('rateLimit429');
    const limited = await get(SYNC_PATHS.changes);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    protocolError.parse(await limited.json());
    expect(portal.enrollments()).toHaveLength(0);
  });

  it("'slow' answers after slowMs", async () => {
    portal.setFault('slow');
    const started = performance.now();
    const res = await get(SYNC_PATHS.health);
    expect(res.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("'reject422' answers POSTs 422 with a message and applies nothing", async () => {
    portal.setFault('reject422');
    const res = await post(SYNC_PATHS.enrollments, enrollment(threeSiblings()[0]!));
    expect(res.status).toBe(422);
    expect(protocolError.parse(await res.json()).error.message).toMatch(/rejected/);
    expect(portal.enrollments()).toHaveLength(0);
    expect((await get(SYNC_PATHS.health)).status).toBe(200);
  });

  it("'dropAfterReceive' records the enrollment though the client hears nothing; the retry is accepted once", async () => {
    const request = enrollment(threeSiblings()[0]!);
    portal.setFault('dropAfterReceive');
    await expect(post(SYNC_PATHS.enrollments, request)).rejects.toThrow();
    expect(portal.enrollments().map((e) => e.deliveryId)).toEqual([request.deliveryId]);

    portal.setFault('none');
    const retry = await post(SYNC_PATHS.enrollments, request);
    expect(retry.status).toBe(200);
    expect(enrollmentAccepted.parse(await retry.json()).status).toBe('accepted');
    expect(portal.enrollments()).toHaveLength(1);
    expect(portal.requestCounts()[SYNC_PATHS.enrollments]).toBeGreaterThanOrEqual(2);
  });
});

// ---- the parent's side ------------------------------------------------------------------------

describe('parent portal', () => {
  it('one account with three children: register with the first PIN, add the other two', async () => {
    const kids = threeSiblings();
    expect(kids).toHaveLength(3);
    const [one, two, three] = await Promise.all(kids.map((kid) => enroll(kid)));
    const browser = new ParentBrowser(portal.url);

    const landing = await browser.open('/');
    expect(landing.headers.get('content-security-policy')).toBe("default-src 'self'; style-src 'self'");
    expect(landing.html).toContain('Create your account');
    expect(landing.html).toContain('Sign in');
    expect(landing.html).not.toMatch(/<script|style=/i);
    const css = await fetch(`${portal.url}/portal.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);

    // PIN typed in lower case with dashes, date as MM/DD/YYYY.
    const registered = await browser.register('parent@example.com', kids[0]!, formatPin(one!.pin).toLowerCase());
    expect(registered.path).toBe('/account');
    expect(registered.html).toContain("I'd like to add another child");
    expect(registered.html).toContain(nameOf(kids[0]!));

    // Spaces instead of dashes, ISO date.
    const second = await browser.addChild(kids[1]!, two!.pin.replace(/(...)/g, '$1 '));
    expect(second.path).toBe('/account');
    expect(second.html).toContain(nameOf(kids[1]!));

    const wrongDob = await browser.addChild(kids[2]!, three!.pin, '2001-01-01');
    expect(wrongDob.status).toBe(400);
    expect(wrongDob.html).toContain(MISMATCH);
    const third = await browser.addChild(kids[2]!, three!.pin);
    expect(third.path).toBe('/account');

    const page = await browser.open('/account');
    for (const kid of kids) expect(page.html).toContain(nameOf(kid));
    expect(page.html).toContain('Add child/dependent');

    const accounts = portal.accounts();
    expect(accounts).toEqual([
      { id: expect.any(String), email: 'parent@example.com', ownerContactId: kids[0]!.contactId, childPatientIds: kids.map((k) => k.id) },
    ]);
    expect(portal.enrollments().every((e) => e.redeemed && e.accountId === accounts[0]!.id)).toBe(true);
    // The practice system now knows the children are linked and the mother has an account.
    expect(count(`SELECT count(*) FROM patients WHERE portal_linked = 1 AND id IN ('${kids.map((k) => k.id).join("','")}')`)).toBe(3);
    expect(portal.database.prepare('SELECT has_portal_account FROM contacts WHERE id = ?').pluck().get(kids[0]!.contactId)).toBe(1);

    // Signing out and back in shows the same account.
    await browser.open('/signout', {});
    expect((await browser.open('/account')).path).toBe('/signin');
    const back = await browser.open('/signin', { email: 'Parent@Example.com', password: 'correct horse battery' });
    expect(back.path).toBe('/account');
    expect(back.html).toContain(nameOf(kids[2]!));
  });

  it('refuses a wrong date of birth and a PIN that was already redeemed, without saying which part was wrong', async () => {
    const [kid] = threeSiblings();
    const { pin } = await enroll(kid!);
    const first = new ParentBrowser(portal.url);
    const wrongDate = await first.register('first@example.com', kid!, pin, '01/01/2001');
    expect(wrongDate.status).toBe(400);
    expect(wrongDate.html).toContain(MISMATCH);
    expect(portal.accounts()).toHaveLength(0);
    expect((await first.register('first@example.com', kid!, pin)).path).toBe('/account');

    const other = new ParentBrowser(portal.url);
    const reused = await other.register('second@example.com', kid!, pin);
    expect(reused.status).toBe(400);
    expect(reused.html).toContain(MISMATCH);
    expect(portal.accounts().map((a) => a.email)).toEqual(['first@example.com']);
  });

  it('add-child needs a signed-in parent', async () => {
    const browser = new ParentBrowser(portal.url);
    expect((await browser.open('/account/add-child')).path).toBe('/signin');
    expect((await browser.open('/account')).path).toBe('/signin');
  });

  it('locks registration after 5 failed attempts for 15 minutes', async () => {
    const [kid] = threeSiblings();
    const { pin } = await enroll(kid!);
    const browser = new ParentBrowser(portal.url);
    for (let i = 0; i < 5; i++) {
      const miss = await browser.register('guess@example.com', kid!, generatePin());
      expect(miss.status).toBe(400);
      expect(miss.html).toContain(MISMATCH);
    }
    const locked = await browser.register('guess@example.com', kid!, pin);
    expect(locked.status).toBe(429);
    expect(locked.html).toContain('Too many attempts');
    expect(portal.accounts()).toHaveLength(0);

    clock = new Date(NOW.getTime() + 15 * 60_000 + 1000);
    expect((await browser.register('guess@example.com', kid!, pin)).path).toBe('/account');
  });

  it('locks add-child for the account after 5 failed attempts', async () => {
    const [first, second] = threeSiblings();
    const one = await enroll(first!);
    const two = await enroll(second!);
    const browser = new ParentBrowser(portal.url);
    expect((await browser.register('parent@example.com', first!, one.pin)).path).toBe('/account');
    for (let i = 0; i < 5; i++) expect((await browser.addChild(second!, generatePin())).html).toContain(MISMATCH);
    const locked = await browser.addChild(second!, two.pin);
    expect(locked.status).toBe(429);
    expect(locked.html).toContain('Too many attempts');
    expect(portal.accounts()[0]!.childPatientIds).toEqual([first!.id]);
  });
});
