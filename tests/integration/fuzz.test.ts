import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract, type Result } from '../../shared/api';
// The body limit is the web server's own: the test follows a change to it.
import { MAX_BODY } from '../../electron/main/web/server';
import { snapshotDatabase, type DatabaseSnapshot } from '../support/fuzz/dbSnapshot';
import { invalidPayload, jsonSchemaOf, POLLUTION_MARKER, type Schema } from '../support/fuzz/payloads';
import { Rng } from '../support/fuzz/random';
import { bridge, startWebProcess, type RawAnswer, type WebProcess } from '../support/fuzz/webProcess';
import { makeTempDir } from '../support/tempDir';
import { waitFor } from '../support/waitFor';

/**
 * Hostile input through the web-mode bridge (SPEC 4, issue 6): at least 10,000 generated payloads,
 * each derived from a contract call's own schema and confirmed invalid by that schema before it is
 * sent, spread over every call in `contract` (calls added later are covered without editing this
 * file). Every answer must be a validation error (or, for what the HTTP layer refuses before the
 * contract sees it, a clear 4xx); the process must keep running and the database must not change.
 *
 * Replay a failure with FUZZ_SEED=<seed>: each case is generated from the seed and its index alone.
 * Failures name the seed, the case index, the call and the mutation, never the payload (payloads
 * reach a megabyte).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const PAYLOADS = Number(process.env.FUZZ_PAYLOADS ?? 10_000);
const IN_FLIGHT = 8;
const CALLS = Object.keys(contract) as (keyof typeof contract)[];

let temp: ReturnType<typeof makeTempDir>;
let web: WebProcess;
let api: ReturnType<typeof bridge>;
let databaseBefore: DatabaseSnapshot;
const answersBefore = new Map<string, string>();

/**
 * Calls that only read, made before and after the fuzz: their answers must be identical (no
 * prototype pollution, no state changed by an invalid call). Administrator-only calls are left
 * out: refusing one to the demo clerk may be audited, which is a legitimate write.
 */
let normalCalls: [string, unknown][] = [];

async function normalAnswers(): Promise<Map<string, string>> {
  const answers = new Map<string, string>();
  for (const [name, input] of normalCalls) {
    const result = await api.invoke(name, input);
    expect(result.ok, `${name} answered ${result.ok ? 'ok' : result.error.code}`).toBe(true);
    answers.set(name, JSON.stringify(result));
  }
  return answers;
}

beforeAll(async () => {
  expect(MAX_BODY, 'MAX_BODY in electron/main/web/server.ts').toBeGreaterThan(1_000_000);
  temp = makeTempDir('fpp-fuzz-');
  // What writes on its own in web mode, and why nothing needs excluding from the comparison:
  // - the demo seeds, signs in and audits before web mode prints its address;
  // - the audit-chain check runs in the background after start and records the verified head in
  //   sync_state once: waited for below (status.get says 'checking' until it is done);
  // - the daily backup writes a file under backups/, not a row;
  // - no practice system and no SMTP host: the outbox worker only reads while nothing is due, and
  //   the periodic pull stops at "not configured" before touching the database;
  // - the inactivity lock is audited lazily, on the first call after the lock period (5 minutes):
  //   this whole file runs well inside it.
  web = await startWebProcess({ dataDir: temp.dir, demoFamilies: 30, env: { FPP_PULL_EVERY_MS: '3600000' } });
  api = bridge(web.url);
  await waitFor(
    async () => {
      const status = await api.invoke<{ auditLog?: string }>('status.get', {});
      return status.ok && status.value.auditLog !== 'checking';
    },
    { what: 'the audit-chain check at start to finish', timeout: 60_000 },
  );
  const reader = snapshotDatabase(web.databaseFile);
  expect(reader.tables.patients!.rows).toBeGreaterThan(0);
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(web.databaseFile, { readonly: true });
  const familyId = db.prepare('SELECT id FROM families ORDER BY id LIMIT 1').pluck().get() as string;
  db.close();
  normalCalls = (
    [
      ['session.current', {}],
      ['status.get', {}],
      ['settings.get', {}],
      ['checkin.today', {}],
      ['search.patients', { text: 'a', limit: 20 }],
      ['family.load', { familyId }],
      ['outbox.list', { status: 'pending' }],
      ['mail.dropList', {}],
    ] as [keyof typeof contract, unknown][]
  ).filter(([name]) => name in contract && contract[name].access !== 'admin');
  for (const [key, value] of await normalAnswers()) answersBefore.set(key, value);
  databaseBefore = snapshotDatabase(web.databaseFile);
}, 120_000);

afterAll(async () => {
  api?.close();
  await web?.stop();
  temp?.remove();
});

interface Failure {
  index: number | string;
  call: string;
  kind: string;
  got: string;
}

/** What an answer was, in words that never quote the payload. */
function describeAnswer(answer: RawAnswer): { status: number; code: string | null } {
  if (answer.status !== 200) return { status: answer.status, code: null };
  try {
    const result = JSON.parse(answer.text) as Result<unknown>;
    return { status: 200, code: result.ok ? 'ok' : result.error.code };
  } catch {
    return { status: 200, code: 'unreadable' };
  }
}

function report(failures: Failure[]): string {
  return failures
    .slice(0, 25)
    .map((f) => `seed ${SEED} case ${f.index}: ${f.call} [${f.kind}] answered ${f.got}`)
    .join('\n');
}

interface FuzzRun {
  total: number;
  seconds: string;
  sent: Map<string, number>;
  skipped: Map<string, number>;
  kinds: Map<string, number>;
  failures: Failure[];
  megabyteBodies: number;
  unparseable: number;
}

const SCHEMAS = new Map<string, Schema>(CALLS.map((name) => [name, jsonSchemaOf(contract[name].input)]));

/**
 * Sends `count` invalid payloads, round robin over the calls, from case `firstIndex` on, at most
 * IN_FLIGHT at a time. A generated payload the schema accepts is not sent (counted as skipped).
 */
async function fuzz(firstIndex: number, count: number): Promise<FuzzRun> {
  const run: FuzzRun = {
    total: 0,
    seconds: '',
    sent: new Map(CALLS.map((name) => [name, 0])),
    skipped: new Map(CALLS.map((name) => [name, 0])),
    kinds: new Map(),
    failures: [],
    megabyteBodies: 0,
    unparseable: 0,
  };
  let index = firstIndex;
  async function worker(): Promise<void> {
    while (run.total < count) {
      const i = index++;
      const call = CALLS[i % CALLS.length]!;
      const schema = contract[call].input;
      const generated = invalidPayload(call, SCHEMAS.get(call)!, Rng.forCase(SEED, i), (input) => !schema.safeParse(input).success);
      if (!generated) {
        run.skipped.set(call, run.skipped.get(call)! + 1);
        continue;
      }
      run.total++;
      run.sent.set(call, run.sent.get(call)! + 1);
      for (const kind of generated.kind.split('+')) {
        const family = kind.split(/[:@(]/)[0]!;
        run.kinds.set(family, (run.kinds.get(family) ?? 0) + 1);
      }
      if (generated.body.length > 1_000_000) run.megabyteBodies++;
      let answer: RawAnswer;
      try {
        answer = await api.send(generated.body);
      } catch (error) {
        // The connection broke: the server crashed or dropped the request without an answer.
        run.failures.push({ index: i, call, kind: generated.kind, got: `no answer (${(error as NodeJS.ErrnoException).code ?? 'connection error'})` });
        continue;
      }
      const { status, code } = describeAnswer(answer);
      const isUnparseable = generated.kind.endsWith('(unparseable)');
      if (isUnparseable) run.unparseable++;
      const good = isUnparseable ? status === 400 : status === 200 && code === 'invalid_input';
      // An answer never echoes a big payload back (inputs may hold PINs and are never quoted).
      if (!good || answer.text.length > 20_000) {
        run.failures.push({ index: i, call, kind: generated.kind, got: `HTTP ${status}${code ? ` ${code}` : ''}, ${answer.text.length} bytes` });
      }
    }
  }
  const started = Date.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  run.seconds = ((Date.now() - started) / 1000).toFixed(1);
  return run;
}

describe('the web-mode bridge under hostile input', () => {
  it(`answers ${PAYLOADS} generated invalid payloads across every contract call with a validation error`, async () => {
    const { total, seconds, sent, skipped, kinds, failures, megabyteBodies, unparseable } = await fuzz(0, PAYLOADS);
    const skippedTotal = [...skipped.values()].reduce((a, b) => a + b, 0);
    console.log(
      `fuzz seed ${SEED}: ${total} invalid payloads over ${CALLS.length} calls in ${seconds} s ` +
        `(${skippedTotal} generated payloads were valid and not sent; ${megabyteBodies} over 1 MB; ${unparseable} refused as JSON); ` +
        `mutations: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`,
    );

    expect(failures, report(failures)).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(PAYLOADS);
    for (const call of CALLS) {
      // Round robin: every call gets its share; a call whose payloads are mostly "valid" would mean the generator cannot reach it.
      expect(sent.get(call), `${call} received too few payloads`).toBeGreaterThanOrEqual(Math.floor(PAYLOADS / CALLS.length / 2));
    }
    expect(skippedTotal, 'generated payloads that turned out valid').toBeLessThan(PAYLOADS / 20);
    for (const kind of ['wrong-type', 'unknown-key', 'missing-key', 'too-long', 'out-of-range', 'not-in-set', 'array-for-object', 'input-shape']) {
      expect(kinds.get(kind) ?? 0, `mutation ${kind} was exercised`).toBeGreaterThan(50);
    }
    expect(megabyteBodies, 'payloads holding a 1 MB string').toBeGreaterThan(5);
    expect(web.exitCode(), 'web mode is still running').toBeNull();
  }, 600_000);

  it('refuses what is not a JSON request for a known call with a clear 4xx, and names unknown calls', async () => {
    const failures: Failure[] = [];
    const expectAnswer = async (label: string, call: string, body: string | Buffer, contentType: string | null, want: { status: number; code?: string }) => {
      const answer = await api.send(body, contentType);
      const { status, code } = describeAnswer(answer);
      if (status !== want.status || (want.code !== undefined && code !== want.code)) {
        failures.push({ index: label, call, kind: label, got: `HTTP ${status}${code ? ` ${code}` : ''}` });
      }
    };
    for (const call of CALLS) {
      const good = JSON.stringify({ name: call, input: {} });
      await expectAnswer('text/plain', call, good, 'text/plain', { status: 415 });
      await expectAnswer('no content-type', call, good, null, { status: 415 });
      await expectAnswer('form', call, `name=${call}&input=x`, 'application/x-www-form-urlencoded', { status: 415 });
      for (const broken of [
        '',
        'not json',
        `{"name":"${call}"`,
        `{'name':'${call}','input':{}}`,
        `{"name":"${call}","input":{},}`,
        `\uFEFF${good}`,
        'NaN',
        `{"name":"${call}","input":{"a":01}}`,
      ]) {
        await expectAnswer('not JSON', call, broken, 'application/json', { status: 400 });
      }
      await expectAnswer('UTF-16 body', call, Buffer.from(good, 'utf16le'), 'application/json; charset=utf-16le', { status: 400 });
      // Invalid UTF-8 inside an otherwise valid envelope: decoded to U+FFFD, then refused by the schema.
      for (const bytes of [
        [0xff, 0xfe],
        [0xc0, 0x80],
        [0xed, 0xa0, 0x80],
        [0xf4, 0x90, 0x80, 0x80],
      ]) {
        const body = Buffer.concat([Buffer.from(`{"name":"${call}","input":{"`), Buffer.from(bytes), Buffer.from(`":1}}`)]);
        const input = (JSON.parse(body.toString('utf8')) as { input: unknown }).input;
        if (contract[call].input.safeParse(input).success) continue;
        await expectAnswer('invalid UTF-8', call, body, 'application/json', { status: 200, code: 'invalid_input' });
      }
    }
    // Not calls of the contract, including names that exist on every object's prototype.
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype', '', "'; DROP TABLE patients;--", 'session.current\u0000']) {
      await expectAnswer('unknown call', name, JSON.stringify({ name, input: {} }), 'application/json', { status: 200, code: 'unknown_call' });
    }
    for (const body of ['null', '[]', '{}', '"session.current"', '{"name":123,"input":{}}', '{"input":{}}']) {
      await expectAnswer('no call name', '-', body, 'application/json', { status: 200, code: 'unknown_call' });
    }
    expect(failures, report(failures)).toEqual([]);
    expect(web.exitCode(), 'web mode is still running').toBeNull();
  }, 120_000);

  it('refuses a request one byte over the body limit with 413 and keeps serving', async () => {
    const prefix = Buffer.from('{"name":"import.preview","input":{"files":[{"name":"x.csv","content":"');
    const suffix = Buffer.from('"}]}}');
    const body = Buffer.alloc(MAX_BODY + 1, 0x61);
    prefix.copy(body, 0);
    suffix.copy(body, body.length - suffix.length);
    const answer = await api.send(body);
    expect(answer.status).toBe(413);
    expect(answer.text).toMatch(/too large/i);
    const after = await api.invoke('session.current', {});
    expect(after.ok).toBe(true);
  }, 120_000);

  it('leaves the database exactly as it was, and normal calls answer as before', async () => {
    expect(web.exitCode(), 'web mode is still running').toBeNull();
    // Nothing is excluded (see beforeAll for what writes on its own): an invalid call changes no
    // row, not even in the audit log.
    const databaseAfter = snapshotDatabase(web.databaseFile);
    expect(databaseAfter.schema, 'tables, indexes and triggers').toBe(databaseBefore.schema);
    expect(databaseAfter.tables).toEqual(databaseBefore.tables);

    // No prototype pollution: the same read-only calls give the same answers, and the marker the
    // payloads tried to plant on Object.prototype shows up nowhere.
    const answersAfter = await normalAnswers();
    for (const [name, before] of answersBefore) {
      const after = answersAfter.get(name)!;
      expect(after, `${name} after the fuzz`).toBe(before);
      expect(after).not.toContain(POLLUTION_MARKER);
      expect(after).not.toMatch(/"isAdmin"|"polluted"/);
    }
    const session = JSON.parse(answersAfter.get('session.current')!) as Result<{ clerk: { role: string } | null }>;
    expect(session.ok && session.value.clerk?.role).toBe(JSON.parse(answersBefore.get('session.current')!).value.clerk?.role);

    // Internal errors are logged with a reference by dispatch; none may have happened.
    expect(web.output()).not.toMatch(/ failed:|Unhandled|uncaught|RangeError|TypeError/i);
  });
  it('answers invalid payloads with a validation error when nobody is signed in, and writes nothing', async () => {
    // Validation comes before authorization: a signed-out (or locked) station still says "invalid".
    const signedOut = await api.invoke('auth.signOut', {});
    expect(signedOut.ok).toBe(true);
    const session = await api.invoke<{ clerk: unknown }>('session.current', {});
    expect(session.ok && session.value.clerk, 'signed out').toBeNull();
    const before = snapshotDatabase(web.databaseFile);
    const run = await fuzz(1_000_000, CALLS.length * 20);
    console.log(`fuzz seed ${SEED}, signed out: ${run.total} invalid payloads in ${run.seconds} s`);
    expect(run.failures, report(run.failures)).toEqual([]);
    const after = snapshotDatabase(web.databaseFile);
    expect(after.tables).toEqual(before.tables);
    expect(web.exitCode(), 'web mode is still running').toBeNull();
  }, 300_000);
});
