import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../electron/main/app';
import { buildDeferredTerms, deferredTermOps, type TermOpCall } from '../../electron/main/search/deferredTerms';
import { INDEX_STALE_KEY } from '../../electron/main/sync/pull';
import { localDateIn } from '../../shared/domain/dates';
import { nameWords } from '../../shared/domain/names';
import { startPortal, type PortalServer } from '../support/portal/server';
import { asAdministrator } from '../support/signIn';
import { indexedTerms, termsBesideFullReindex } from '../support/searchIndex';
import { makeTempDir } from '../support/tempDir';
import { ADA_ADMIN, DANA, invokeOk, openTestDesk } from '../support/testDesk';

/**
 * Issue 14: the search terms of an initial load are built once after its rows
 * (search/deferredTerms.ts): merged in index order for patients without terms, rebuilt whole for
 * those that had some. What a clerk would notice: once the load is done, every patient is found
 * by exactly the terms a full reindex gives, no stale name keeps finding anyone, and a build
 * stopped halfway (a cancel, a crash) is finished by the next one with the same result.
 */

const TOKEN = 'deferred-terms-token';
let temp: ReturnType<typeof makeTempDir>;
let portal: PortalServer;
let portalPatients: number;
const apps: App[] = [];

beforeAll(async () => {
  temp = makeTempDir('fpp-deferred-terms-');
  portal = await startPortal({
    dbFile: temp.file('portal.sqlite'),
    token: TOKEN,
    seedDemo: { families: 500, today: localDateIn(new Date(), 'America/New_York'), now: new Date() },
  });
  const db = new BetterSqlite3(temp.file('portal.sqlite'), { readonly: true });
  portalPatients = db.prepare('SELECT count(*) FROM patients').pluck().get() as number;
  db.close();
}, 120_000);
afterAll(async () => {
  await portal?.close();
  temp?.remove();
});
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

const stale = (app: App) => app.context.sqlite.prepare('SELECT value FROM sync_state WHERE key = ?').pluck().get(INDEX_STALE_KEY);

describe('the search terms of an initial load', () => {
  it('a first pull written by the job worker leaves exactly the terms of a full reindex', async () => {
    const app = await openTestDesk(temp.file('pulled.sqlite'), {
      workstation: 'desk-1',
      settings: { timeZone: 'America/New_York', portalUrl: 'https://portal.example.org' },
      clerks: [DANA, ADA_ADMIN],
    });
    apps.push(app);
    expect(app.jobs.hasWorker).toBe(true);
    await asAdministrator(app, async () => {
      await invokeOk(app, 'settings.update', { changes: { syncUrl: portal.url } });
      await invokeOk(app, 'secrets.set', { key: 'syncToken', value: TOKEN });
    });
    const endpoint = (await app.deliveries.endpoint())!;
    await app.deliveries.pulls.pull({ ...endpoint, pageLimit: 400 }, () => undefined);
    const { sqlite } = app.context;
    expect(sqlite.prepare('SELECT count(*) FROM patients').pluck().get()).toBe(portalPatients);
    // A job with its run record: the pages and the terms were written in the worker.
    expect(sqlite.prepare(`SELECT state FROM job_runs WHERE kind = 'sync.pull'`).pluck().all()).toEqual(['done']);
    expect(stale(app)).toBe('false');
    const { actual, expected } = termsBesideFullReindex(sqlite);
    expect(actual.length).toBeGreaterThan(portalPatients * 5);
    expect(actual).toEqual(expected);
  });

  it('rebuilds the terms a patient already had, and a build stopped halfway is finished by the next', async () => {
    const app = await createApp({ databaseFile: temp.file('demo.sqlite'), workstation: 'desk-1', demo: { families: 1_200 } });
    apps.push(app);
    const { sqlite } = app.context;
    const ids = sqlite.prepare('SELECT id FROM patients ORDER BY id').pluck().all() as string[];
    // As a load that deferred its index leaves it: a patient the mirror had, renamed by a page
    // (their old terms still there), and half of the practice without terms yet.
    const renamed = ids[1]!;
    const oldFirst = nameWords(sqlite.prepare('SELECT first_name FROM patients WHERE id = ?').pluck().get(renamed) as string)[0]!;
    sqlite.prepare(`UPDATE patients SET first_name = 'Quennell' WHERE id = ?`).run(renamed);
    const clear = sqlite.prepare('DELETE FROM search_terms WHERE patient_id = ?');
    sqlite.transaction(() => {
      for (const id of ids.filter((_, i) => i % 2 === 0)) clear.run(id);
    })();
    const findsOldName = () => sqlite.prepare('SELECT count(*) FROM search_terms WHERE patient_id = ? AND term = ?').pluck().get(renamed, oldFirst);
    expect(findsOldName()).toBe(1);

    const ops = deferredTermOps(sqlite);
    const indexedPatients = () => sqlite.prepare('SELECT count(DISTINCT patient_id) FROM search_terms').pluck().get() as number;
    const before = indexedPatients();
    // Stopped as soon as the first patients without terms got some (within the merge).
    const stop = new AbortController();
    let partly = 0;
    const call: TermOpCall = async (op) => {
      const result = ops[op](null);
      if (op === 'termsStep' && !stop.signal.aborted && indexedPatients() > before) {
        partly = indexedPatients();
        stop.abort();
      }
      return result as never;
    };
    expect(await buildDeferredTerms(call, stop.signal)).toBe(false);
    expect(partly).toBeGreaterThan(before);
    expect(partly).toBeLessThan(ids.length);

    expect(await buildDeferredTerms(call)).toBe(true);
    expect(findsOldName()).toBe(0);
    expect(indexedTerms(sqlite).some(([term, id]) => id === renamed && term === 'quennell')).toBe(true);
    const { actual, expected } = termsBesideFullReindex(sqlite);
    expect(actual).toEqual(expected);
  });
});
