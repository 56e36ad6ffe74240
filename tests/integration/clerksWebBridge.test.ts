import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessOf, contract, type CallName, type Result } from '../../shared/api';
import { ADMIN_CALL_SAMPLES } from '../support/adminCalls';
import { signInOnWeb } from '../support/signIn';
import { startWebApp, type WebApp } from '../support/webApp';
import { webSession } from '../support/webSession';

/** Needs the built web mode (`npm run build`), like the other web-mode tests. */
let web: WebApp;
let invoke: (name: string, input: unknown) => Promise<Result<unknown>>;

beforeAll(async () => {
  web = await startWebApp({ demoFamilies: 20 });
  const { header: cookie } = await webSession(web.url);
  invoke = async (name, input) => {
    const response = await fetch(new URL('/api/invoke', web.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ name, input }),
    });
    return (await response.json()) as Result<unknown>;
  };
}, 60_000);
afterAll(async () => {
  await web?.stop();
});

describe('the web-mode bridge, with the demo clerk (role clerk) signed in', () => {
  it('refuses every administrator-only call and audits each refusal', async () => {
    const adminCalls = (Object.keys(contract) as CallName[]).filter((name) => accessOf(name) === 'admin');
    const db = new BetterSqlite3(web.databaseFile, { readonly: true });
    const countClerks = () => db.prepare('SELECT count(*) FROM clerks').pluck().get();
    const clerksBefore = countClerks();
    try {
      for (const name of adminCalls) {
        const result = await invoke(name, ADMIN_CALL_SAMPLES[name] ?? {});
        expect(result, name).toEqual({
          ok: false,
          error: { code: 'forbidden', message: 'This is for an administrator only: ask an administrator to sign in on this workstation.' },
        });
      }
      const denied = db.prepare(`SELECT clerk_id AS clerkId, details FROM audit_log WHERE action = 'access_denied' ORDER BY id`).all() as {
        clerkId: string;
        details: string;
      }[];
      expect(denied.map((row) => JSON.parse(row.details).call)).toEqual(adminCalls);
      expect(new Set(denied.map((row) => row.clerkId))).toEqual(new Set(['clerk-demo']));
      expect(countClerks()).toBe(clerksBefore);
      expect(db.prepare(`SELECT value FROM settings WHERE key = 'practiceName'`).pluck().get()).toBe('"Maple Grove Pediatrics (demo)"');

      // The same calls go through once the demo administrator signs in.
      await signInOnWeb(web.url, 'admin');
      expect(await invoke('clerks.list', {})).toMatchObject({ ok: true });
      expect(await invoke('bulk.readiness', {})).toMatchObject({ ok: true });
    } finally {
      db.close();
    }
  });

  it('still answers an invalid payload as invalid, whoever is signed in', async () => {
    expect(await invoke('clerks.update', { clerkId: 'clerk-demo', role: 'owner' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await invoke('auth.signIn', { username: 'admin', password: 'x'.repeat(5000) })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });
});
