import type BetterSqlite3 from 'better-sqlite3';
import type { SyncSummary } from '../../../shared/api';
import { changesPage, MAX_PAGE_LIMIT, SYNC_PATHS, type ChangesPage } from '../../../shared/sync/protocol';
import type { AppContext } from '../context';
import { DeliveryError } from '../outbox/deliveryError';
import { reindexPatients } from '../search/indexer';
import { retryAfterMs } from './http';

/**
 * Pull: the practice system's changes since our cursor, page by page. Each page is applied in one
 * transaction together with the cursor that follows it, so a crash or a failure between pages
 * resumes at the next page, and applying a page twice changes nothing (every write is an upsert
 * or a delete by id). Pulled data never overwrites a local change still waiting in the outbox.
 */

export interface SyncConnection {
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** Rows per page (records and tombstones together); default DEFAULT_PAGE_LIMIT, at most MAX_PAGE_LIMIT. */
  pageLimit?: number;
}

export interface PullProgress {
  /** Records and tombstones applied so far in this pull. */
  rowsDone: number;
  /** The server's estimate of the rows after the last page applied. */
  remaining: number;
}

export const PULL_CURSOR_KEY = 'pull_cursor';
export const LAST_SYNC_KEY = 'last_sync_at';
export const ONLINE_KEY = 'online';
/**
 * Each page is applied in one synchronous transaction (search terms included), so the page size
 * bounds how long the main process stops answering: at 200,000 patients a 2,000-row page of
 * patients or links took ~200-250 ms (p50) to apply, a 500-row page ~55-85 ms (npm run bench).
 */
export const DEFAULT_PAGE_LIMIT = 500;
const REQUEST_TIMEOUT_MS = 30_000;
const NAME_CORRECTION_KIND = 'patient.name_correction';

/** What one page did to the mirror. */
export interface PageCounts {
  /** Records upserted (families, contacts, patients, links, appointments). */
  rows: number;
  tombstones: number;
  /** Patients whose local name (and version) was kept because a correction is waiting. */
  keptLocal: number;
  /** Patients whose search terms were rebuilt. */
  reindexed: number;
}

const inFlight = new WeakMap<AppContext, { promise: Promise<SyncSummary>; listeners: Set<(p: PullProgress) => void> }>();

/**
 * Pulls every page the practice system has after the saved cursor. A second call while a pull is
 * running joins it (same result, same progress) instead of applying the same pages twice.
 * Throws DeliveryError: retryable when the system is unreachable, busy or timed out (pages already
 * applied stay applied), permanent when the token is refused or a page cannot be read.
 */
export async function pullChanges(
  ctx: AppContext,
  conn: SyncConnection,
  onProgress?: (p: PullProgress) => void,
): Promise<SyncSummary> {
  const running = inFlight.get(ctx);
  if (running) {
    if (onProgress) running.listeners.add(onProgress);
    return running.promise;
  }
  const listeners = new Set<(p: PullProgress) => void>();
  if (onProgress) listeners.add(onProgress);
  const promise = runPull(ctx, conn, (p) => {
    for (const listener of listeners) {
      try {
        listener(p);
      } catch {
        // A progress bar that went away must not stop the sync.
      }
    }
  }).finally(() => inFlight.delete(ctx));
  inFlight.set(ctx, { promise, listeners });
  return promise;
}

/** Set while pulled rows wait for their search terms; survives a crash so the rebuild resumes. */
export const INDEX_STALE_KEY = 'search_index_stale';
// ~0.2 ms a patient on this 2-core machine: 150 keeps a slice near 30 ms.
const INDEX_SLICE = 150;

/** Rebuilds every patient's search terms, a slice per transaction, yielding between slices. */
async function rebuildSearchIndexInSlices(ctx: AppContext): Promise<void> {
  const ids = await exclusive(ctx, () => ctx.sqlite.prepare('SELECT id FROM patients ORDER BY id').pluck().all() as string[]);
  for (let i = 0; i < ids.length; i += INDEX_SLICE) {
    const slice = ids.slice(i, i + INDEX_SLICE);
    await exclusive(ctx, () => ctx.sqlite.transaction(() => reindexPatients(ctx.sqlite, slice))());
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await exclusive(ctx, () => writeState(ctx.sqlite, INDEX_STALE_KEY, 'false'));
}

async function runPull(ctx: AppContext, conn: SyncConnection, report: (p: PullProgress) => void): Promise<SyncSummary> {
  const endpoint = changesEndpoint(conn.baseUrl);
  checkToken(conn.token);
  const limit = Math.min(MAX_PAGE_LIMIT, Math.max(1, Math.floor(conn.pageLimit ?? DEFAULT_PAGE_LIMIT)));
  const totals = { pages: 0, rows: 0, tombstones: 0, keptLocal: 0 };

  let cursor = await exclusive(ctx, () => readState(ctx.sqlite, PULL_CURSOR_KEY) ?? '');
  // Filling an empty mirror: build the search terms once at the end, in slices, instead of per
  // page (a page then applies in a few ms; per-page indexing held the event loop 60-150 ms).
  const deferIndex = await exclusive(
    ctx,
    () => readState(ctx.sqlite, INDEX_STALE_KEY) === 'true' || ctx.sqlite.prepare('SELECT count(*) FROM patients').pluck().get() === 0,
  );
  for (;;) {
    let page: ChangesPage;
    try {
      page = await fetchPage(ctx, conn, endpoint, cursor, limit);
    } catch (error) {
      if (error instanceof DeliveryError && !error.permanent) {
        await exclusive(ctx, () => writeState(ctx.sqlite, ONLINE_KEY, 'false'));
      }
      // What did arrive must be searchable while the desk works offline.
      if (deferIndex && totals.pages > 0) await rebuildSearchIndexInSlices(ctx);
      throw error;
    }
    if (page.hasMore && page.cursor === cursor) {
      // Asking again with the same cursor would get the same page forever.
      throw unreadable('the change feed did not move past this point');
    }
    const counts = await exclusive(ctx, () => applyChangesPage(ctx.sqlite, page, { deferIndex }));
    cursor = page.cursor;
    totals.pages += 1;
    totals.rows += counts.rows;
    totals.tombstones += counts.tombstones;
    totals.keptLocal += counts.keptLocal;
    report({ rowsDone: totals.rows + totals.tombstones, remaining: page.hasMore ? page.remaining : 0 });
    if (!page.hasMore) break;
    // Let IPC, timers and the UI's requests run between pages.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  if (deferIndex) await rebuildSearchIndexInSlices(ctx);
  const lastSyncAt = ctx.now().toISOString();
  await exclusive(ctx, () =>
    ctx.sqlite.transaction(() => {
      writeState(ctx.sqlite, LAST_SYNC_KEY, lastSyncAt);
      writeState(ctx.sqlite, ONLINE_KEY, 'true');
    })(),
  );
  return { ...totals, lastSyncAt };
}

// ---------------------------------------------------------------------------------------------
// Transport

function changesEndpoint(baseUrl: string): URL {
  try {
    const url = new URL(baseUrl.trim().replace(/\/+$/, '') + SYNC_PATHS.changes);
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

async function fetchPage(ctx: AppContext, conn: SyncConnection, endpoint: URL, cursor: string, limit: number): Promise<ChangesPage> {
  const url = new URL(endpoint);
  url.searchParams.set('cursor', cursor);
  url.searchParams.set('limit', String(limit));
  const doFetch = conn.fetch ?? fetch;
  const offline = () =>
    new DeliveryError(`The practice system at ${endpoint.host} could not be reached; working offline. Nothing was lost.`, false);

  let response: Response;
  let body: string;
  try {
    response = await doFetch(url, {
      headers: { Authorization: `Bearer ${conn.token}`, Accept: 'application/json' },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    body = await response.text();
  } catch {
    // Refused, reset, DNS, TLS or the 30-second timeout (while connecting or reading the body).
    throw offline();
  }

  if (response.status === 401 || response.status === 403) {
    throw new DeliveryError('The practice system refused the sync token: check it in Settings.', true);
  }
  if (response.status === 408 || response.status === 429 || response.status >= 500) {
    throw new DeliveryError(
      `The practice system at ${endpoint.host} is busy or having trouble (HTTP ${response.status}); sync will try again. Nothing was lost.`,
      false,
      retryAfterMs(response.headers.get('retry-after'), ctx.now().getTime()),
    );
  }
  if (response.status !== 200) {
    throw new DeliveryError(`The practice system turned down the sync request (HTTP ${response.status}).`, true);
  }

  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw unreadable('the answer is not JSON');
  }
  const parsed = changesPage.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || 'page'}: ${issue.message}`)
      .join('; ');
    throw unreadable(where);
  }
  return parsed.data;
}

function unreadable(detail: string): DeliveryError {
  return new DeliveryError(`The practice system sent data this version cannot read (${detail}).`, true);
}

// ---------------------------------------------------------------------------------------------
// Mirror

/**
 * Holds Kysely's connection lock while `work` runs, so a page never lands inside a Kysely
 * transaction that is awaiting between statements on the same connection.
 */
function exclusive<T>(ctx: AppContext, work: () => T): Promise<T> {
  return ctx.db.connection().execute(async () => work());
}

function readState(sqlite: BetterSqlite3.Database, key: string): string | undefined {
  const row = sqlite.prepare('SELECT value FROM sync_state WHERE key = ?').get(key) as { value: string } | undefined;
  return row?.value;
}

function writeState(sqlite: BetterSqlite3.Database, key: string, value: string): void {
  sqlite
    .prepare('INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
    .run(key, value);
}

type Statements = ReturnType<typeof prepareStatements>;
const statementCache = new WeakMap<BetterSqlite3.Database, Statements>();

function prepareStatements(sqlite: BetterSqlite3.Database) {
  const s = (sql: string) => sqlite.prepare(sql);
  const patientColumns = `(id, chart_number, family_id, first_name, last_name, date_of_birth, sex, status, portal_linked, version, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
  const otherPatientFields = `chart_number = excluded.chart_number, family_id = excluded.family_id,
       date_of_birth = excluded.date_of_birth, sex = excluded.sex, status = excluded.status,
       portal_linked = excluded.portal_linked, updated_at = excluded.updated_at`;
  return {
    upsertFamily: s(
      `INSERT INTO families (id, name, version, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, version = excluded.version, updated_at = excluded.updated_at`,
    ),
    upsertContact: s(
      `INSERT INTO contacts (id, first_name, last_name, email, mobile_phone, home_phone, preferred_reminder, language, has_portal_account, version, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
         email = excluded.email, mobile_phone = excluded.mobile_phone, home_phone = excluded.home_phone,
         preferred_reminder = excluded.preferred_reminder, language = excluded.language,
         has_portal_account = excluded.has_portal_account, version = excluded.version, updated_at = excluded.updated_at`,
    ),
    upsertPatient: s(
      `INSERT INTO patients ${patientColumns}
       ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name, last_name = excluded.last_name,
         version = excluded.version, ${otherPatientFields}`,
    ),
    /** Rule 6: a name correction is waiting in the outbox, so the local name and its version stay. */
    upsertPatientKeepingName: s(`INSERT INTO patients ${patientColumns} ON CONFLICT (id) DO UPDATE SET ${otherPatientFields}`),
    chartHolder: s('SELECT id FROM patients WHERE chart_number = ? AND id <> ?').pluck(),
    parkChartNumber: s(`UPDATE patients SET chart_number = chart_number || '~' || id WHERE id = ?`),
    upsertLink: s(
      `INSERT INTO patient_contacts (patient_id, contact_id, sort, relationship, authority, resides_with, portal_flag)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (patient_id, contact_id) DO UPDATE SET sort = excluded.sort, relationship = excluded.relationship,
         authority = excluded.authority, resides_with = excluded.resides_with, portal_flag = excluded.portal_flag`,
    ),
    upsertAppointment: s(
      `INSERT INTO appointments (id, patient_id, starts_at, provider, reason, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET patient_id = excluded.patient_id, starts_at = excluded.starts_at,
         provider = excluded.provider, reason = excluded.reason, updated_at = excluded.updated_at`,
    ),
    pendingCorrections: s(
      `SELECT DISTINCT ref FROM outbox
        WHERE kind = '${NAME_CORRECTION_KIND}' AND status IN ('pending', 'needs_attention') AND ref IS NOT NULL`,
    ).pluck(),
    patientsOfContact: s('SELECT patient_id FROM patient_contacts WHERE contact_id = ?').pluck(),
    deleteAppointment: s('DELETE FROM appointments WHERE id = ?'),
    deleteLink: s('DELETE FROM patient_contacts WHERE patient_id = ? AND contact_id = ?'),
    contactHasPins: s('SELECT 1 FROM pins WHERE recipient_contact_id = ? LIMIT 1').pluck(),
    deleteLinksOfContact: s('DELETE FROM patient_contacts WHERE contact_id = ?'),
    deleteContact: s('DELETE FROM contacts WHERE id = ?'),
    patientHasPins: s('SELECT 1 FROM pins WHERE patient_id = ? LIMIT 1').pluck(),
    markMerged: s(`UPDATE patients SET status = 'Merged' WHERE id = ?`),
    deletePatient: s('DELETE FROM patients WHERE id = ?'),
    detachFamily: s('UPDATE patients SET family_id = NULL WHERE family_id = ?'),
    deleteFamily: s('DELETE FROM families WHERE id = ?'),
    saveState: s('INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
  };
}

const flag = (value: boolean): 0 | 1 => (value ? 1 : 0);

function sqliteCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

/** Runs one write; a reference to a record the mirror does not hold rejects the whole page. */
function write(what: () => string, run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (sqliteCode(error) === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
      throw unreadable(`${what()} refers to a record that was never sent`);
    }
    throw error;
  }
}

/**
 * Applies one validated page and saves its cursor, in one transaction (synchronous: nothing can
 * interleave). Order: parents before children, then tombstones, then the search terms of every
 * patient whose own fields or linked contacts changed.
 */
export function applyChangesPage(sqlite: BetterSqlite3.Database, page: ChangesPage, options: { deferIndex?: boolean } = {}): PageCounts {
  let st = statementCache.get(sqlite);
  if (!st) {
    st = prepareStatements(sqlite);
    statementCache.set(sqlite, st);
  }
  const q = st;
  return sqlite.transaction((): PageCounts => {
    const touchedPatients = new Set<string>();
    const touchedContacts = new Set<string>();
    const waitingCorrections = new Set(q.pendingCorrections.all() as string[]);
    let keptLocal = 0;

    for (const f of page.families) {
      q.upsertFamily.run(f.id, f.name, f.version, f.updatedAt);
    }
    for (const c of page.contacts) {
      q.upsertContact.run(
        c.id,
        c.firstName,
        c.lastName,
        c.email,
        c.mobilePhone,
        c.homePhone,
        c.preferredReminder,
        c.language,
        flag(c.hasPortalAccount),
        c.version,
        c.updatedAt,
      );
      touchedContacts.add(c.id);
    }
    for (const p of page.patients) {
      const keep = waitingCorrections.has(p.id);
      if (keep) keptLocal += 1;
      const params = [
        p.id,
        p.chartNumber,
        p.familyId,
        p.firstName,
        p.lastName,
        p.dateOfBirth,
        p.sex,
        p.status,
        flag(p.portalLinked),
        p.version,
        p.updatedAt,
      ];
      const statement = keep ? q.upsertPatientKeepingName : q.upsertPatient;
      write(
        () => `patient ${p.id}`,
        () => {
          // Upstream owns chart numbers: a local row still holding this one is stale (renumbered
          // or merged upstream). It steps aside until its own change arrives.
          const holder = q.chartHolder.get(p.chartNumber, p.id) as string | undefined;
          if (holder !== undefined) {
            q.parkChartNumber.run(holder);
            touchedPatients.add(holder);
          }
          statement.run(...params);
        },
      );
      touchedPatients.add(p.id);
    }
    for (const l of page.patientContacts) {
      write(
        () => `the link of patient ${l.patientId} to contact ${l.contactId}`,
        () =>
          q.upsertLink.run(
            l.patientId,
            l.contactId,
            l.sort,
            l.relationship,
            l.authority,
            flag(l.residesWith),
            flag(l.portalFlag),
          ),
      );
      touchedPatients.add(l.patientId);
    }
    for (const a of page.appointments) {
      write(
        () => `appointment ${a.id}`,
        () => q.upsertAppointment.run(a.id, a.patientId, a.startsAt, a.provider, a.reason, a.updatedAt),
      );
    }

    // Contacts changed above: every patient linked to them searches by their names and numbers.
    for (const contactId of touchedContacts) {
      for (const patientId of q.patientsOfContact.all(contactId) as string[]) touchedPatients.add(patientId);
    }

    for (const t of page.tombstones) {
      switch (t.kind) {
        case 'appointment':
          q.deleteAppointment.run(t.id);
          break;
        case 'patientContact': {
          // The id is `${patientId}:${contactId}`; ids may themselves hold a colon, so try each split.
          for (let i = t.id.indexOf(':'); i > 0; i = t.id.indexOf(':', i + 1)) {
            const patientId = t.id.slice(0, i);
            if (q.deleteLink.run(patientId, t.id.slice(i + 1)).changes > 0) touchedPatients.add(patientId);
          }
          break;
        }
        case 'contact': {
          const linked = q.patientsOfContact.all(t.id) as string[];
          for (const patientId of linked) touchedPatients.add(patientId);
          // A PIN sent to this person still names them: keep the person, drop their links.
          if (q.contactHasPins.get(t.id)) q.deleteLinksOfContact.run(t.id);
          else q.deleteContact.run(t.id);
          break;
        }
        case 'patient':
          // A child with PINs keeps its row (the PINs point at it), marked Merged so it gets no more.
          if (q.patientHasPins.get(t.id)) q.markMerged.run(t.id);
          else q.deletePatient.run(t.id); // links, appointments and search terms cascade
          break;
        case 'family':
          q.detachFamily.run(t.id);
          q.deleteFamily.run(t.id);
          break;
      }
    }

    if (options.deferIndex) q.saveState.run(INDEX_STALE_KEY, 'true');
    else reindexPatients(sqlite, touchedPatients);
    q.saveState.run(PULL_CURSOR_KEY, page.cursor);

    const rows =
      page.families.length + page.contacts.length + page.patients.length + page.patientContacts.length + page.appointments.length;
    return { rows, tombstones: page.tombstones.length, keptLocal, reindexed: touchedPatients.size };
  })();
}
