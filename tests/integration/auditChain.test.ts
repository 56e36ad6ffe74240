import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditVerification } from '../../shared/audit/api';
import type { StatusInfo } from '../../shared/api';
import { createApp, type App } from '../../electron/main/app';
import { appendAudit, type AuditEntry } from '../../electron/main/audit/audit';
import { auditCanonicalSql, registerAuditChain } from '../../electron/main/db/auditChain';
import { VerificationStopped, verifyAuditChain, type VerifyOptions } from '../../electron/main/audit/verify';
import { openDatabase, type OpenedDatabase } from '../../electron/main/db/open';
import { signInTestClerk } from '../support/signIn';
import { makeTempDir } from '../support/tempDir';

const NOW = new Date('2026-11-22T15:00:00Z');

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

const entry = (n: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  action: 'setting_changed',
  clerkId: 'test-admin',
  workstation: 'desk-1',
  at: new Date(NOW.getTime() + n * 1000),
  details: { setting: 'practiceName', from: `Name ${n - 1}`, to: `Name ${n}` },
  ...extra,
});

/** Runs tests/support/auditAppendWorker.ts (TypeScript, through tsx) in a worker thread. */
function startAppender(file: string, rows: number): { started: Promise<void>; done: Promise<void> } {
  const here = import.meta.url;
  const tsxPackage = createRequire(here).resolve('tsx/package.json');
  const exported = (JSON.parse(fs.readFileSync(tsxPackage, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'];
  const tsx = new URL(exported!.import.default, pathToFileURL(tsxPackage)).href;
  const script = new URL('../support/auditAppendWorker.ts', here).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { (m.register ?? m.default.register)(); return import(${JSON.stringify(script)}); })`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { file, rows, workstation: 'desk-2' } });
  let onStarted!: () => void;
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  const done = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: { type: string }) => {
      if (m.type === 'started') onStarted();
      if (m.type === 'done') resolve();
    });
    worker.on('error', reject);
    worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`appender exited with ${code}`))));
  });
  return { started, done };
}

function chainLinks(sqlite: BetterSqlite3.Database) {
  return sqlite.prepare('SELECT id, prev_hash, hash FROM audit_log ORDER BY id').all() as { id: number; prev_hash: string; hash: string }[];
}

describe('appending', () => {
  let app: App;
  afterEach(async () => app?.close());

  it('chains every row, whatever the mix of parallel calls, multi-row appends, transactions and a second connection', async () => {
    const file = temp.file('practice.sqlite');
    app = await createApp({ databaseFile: file, now: () => NOW, workstation: 'desk-1' });
    await signInTestClerk(app, 'admin');
    const before = app.context.sqlite.prepare('SELECT count(*) FROM audit_log').pluck().get() as number;

    const appender = startAppender(file, 3000);
    await appender.started;
    const { db } = app.context;
    await Promise.all(
      Array.from({ length: 120 }, (_, i) => {
        if (i % 3 === 0) return appendAudit(db, entry(i));
        if (i % 3 === 1) return appendAudit(db, [entry(i, { action: 'pin_issued', patientId: `p${i}` }), entry(i), entry(i, { clerkId: null })]);
        return db.transaction().execute((trx) => appendAudit(trx, [entry(i), entry(i, { action: 'pin_printed' })]));
      }),
    );
    await appender.done;

    const links = chainLinks(app.context.sqlite);
    expect(links).toHaveLength(before + 3000 + 40 * 1 + 40 * 3 + 40 * 2);
    // One unbroken chain: ids 1..n, each row pointing at the hash of the row before it.
    links.forEach((row, i) => {
      expect(row.id).toBe(i + 1);
      expect(row.prev_hash).toBe(i === 0 ? '0'.repeat(64) : links[i - 1]!.hash);
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
    });
    const result = await app.invoke('audit.verify', {});
    expect(result).toMatchObject({ ok: true, value: { ok: true, rowsChecked: links.length, problem: null } });
  });

  it('keeps the log append-only and checks the hashes a row brings', async () => {
    const opened = await openDatabase(temp.file('practice.sqlite'));
    try {
      await appendAudit(opened.db, [entry(1), entry(2)]);
      const { sqlite } = opened;
      expect(() => sqlite.prepare(`UPDATE audit_log SET details = '{}' WHERE id = 1`).run()).toThrow(/append-only/);
      expect(() => sqlite.prepare(`UPDATE audit_log SET hash = NULL, prev_hash = NULL WHERE id = 2`).run()).toThrow(/append-only/);
      expect(() => sqlite.prepare('DELETE FROM audit_log WHERE id = 2').run()).toThrow(/append-only/);
      // Hashes given with a row must be the right ones: after the last row, and matching the content.
      const head = sqlite.prepare('SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1').pluck().get() as string;
      const givenRow = sqlite.prepare(`INSERT INTO audit_log (id, at, workstation, action, prev_hash, hash) VALUES (3, ?, 'desk-1', 'sign_in', ?, ?)`);
      expect(() => givenRow.run(NOW.toISOString(), '0'.repeat(64), 'a'.repeat(64))).toThrow(/does not follow the last row/);
      expect(() => givenRow.run(NOW.toISOString(), head, 'a'.repeat(64))).toThrow(/does not match its content/);
      // A connection that does not know the chain function cannot append at all.
      const stranger = new BetterSqlite3(temp.file('practice.sqlite'));
      try {
        expect(() => stranger.prepare(`INSERT INTO audit_log (at, workstation, action) VALUES (?, 'desk-9', 'sign_in')`).run(NOW.toISOString())).toThrow(
          /no such function/,
        );
      } finally {
        stranger.close();
      }
      expect(sqlite.prepare('SELECT count(*) FROM audit_log').pluck().get()).toBe(2);
    } finally {
      await opened.close();
    }
  });
});

// The same checks on the app's connection and in three worker threads (ranges 1-10, 11-20, 21-30,
// joined by the main thread), with edits placed inside ranges and at their edges.
describe.each([
  { how: 'on the app connection', workers: false },
  { how: 'in three worker threads', workers: true },
])('tampering with the file, checked $how', ({ workers }) => {
  const ROWS = 30;
  let file: string;

  /** A real database with ROWS audit rows, closed, then changed behind the app's back. */
  async function tamper(change: (sqlite: BetterSqlite3.Database) => void): Promise<void> {
    const opened = await openDatabase(file);
    await appendAudit(
      opened.db,
      Array.from({ length: ROWS }, (_, i) => entry(i + 1)),
    );
    await opened.close();
    const raw = new BetterSqlite3(file);
    raw.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
    change(raw);
    raw.close();
  }

  async function verifyFile(onProgress?: VerifyOptions['onProgress'], signal?: AbortSignal): Promise<AuditVerification> {
    const opened: OpenedDatabase = await openDatabase(file);
    try {
      return await verifyAuditChain(opened.db, opened.sqlite, {
        sliceRows: 7,
        onProgress,
        signal,
        workers: workers ? { databaseFile: file, count: 3, chunkRows: 10, minRows: 0 } : undefined,
      });
    } finally {
      await opened.close();
    }
  }

  beforeEach(() => {
    file = temp.file('practice.sqlite');
  });

  it('finds an edited row and names it', async () => {
    await tamper((raw) => raw.prepare(`UPDATE audit_log SET details = '{"setting":"practiceName","to":"Evil"}' WHERE id = 12`).run());
    const result = await verifyFile();
    expect(result.ok).toBe(false);
    expect(result.rowsChecked).toBe(11);
    expect(result.problem).toMatchObject({
      kind: 'altered',
      rowId: 12,
      action: 'setting_changed',
      actionLabel: 'Setting changed',
      at: entry(12).at.toISOString(),
    });
    expect(result.problem!.message).toMatch(/row 12 .* no longer matches/);
  });

  it('finds a row removed from the middle', async () => {
    await tamper((raw) => raw.prepare('DELETE FROM audit_log WHERE id = 9').run());
    const result = await verifyFile();
    expect(result.problem).toMatchObject({ kind: 'removed', rowId: 9 });
    expect(result.problem!.message).toMatch(/row 9 is missing after row 8/);
  });

  it('passes an untouched log', async () => {
    await tamper(() => undefined);
    const progress: { rowsChecked: number; rowsTotal: number }[] = [];
    expect(await verifyFile((p) => progress.push(p))).toMatchObject({ ok: true, rowsChecked: ROWS, lastId: ROWS, problem: null });
    // What the status bar shows meanwhile: never more than all, all at the end.
    expect(progress.every((p) => p.rowsTotal === ROWS && p.rowsChecked <= ROWS)).toBe(true);
    expect(progress.at(-1)).toEqual({ rowsChecked: ROWS, rowsTotal: ROWS });
  });

  it('stops when the app closes mid-check, and a check after it passes', async () => {
    await tamper(() => undefined);
    const closing = new AbortController();
    const progress: number[] = [];
    const stopped = verifyFile((p) => {
      progress.push(p.rowsChecked);
      closing.abort();
    }, closing.signal);
    await expect(stopped).rejects.toBeInstanceOf(VerificationStopped);
    expect(progress.length).toBeGreaterThan(0);
    expect(await verifyFile()).toMatchObject({ ok: true, rowsChecked: ROWS });
  });

  it('finds rows removed at the edge between two ranges', async () => {
    await tamper((raw) => raw.prepare('DELETE FROM audit_log WHERE id IN (10, 11)').run());
    const result = await verifyFile();
    expect(result).toMatchObject({ ok: false, rowsChecked: 9, problem: { kind: 'removed', rowId: 10 } });
    expect(result.problem!.message).toMatch(/rows 10 to 11 are missing after row 9/);
  });

  it('finds a whole range removed', async () => {
    await tamper((raw) => raw.prepare('DELETE FROM audit_log WHERE id BETWEEN 11 AND 20').run());
    expect((await verifyFile()).problem).toMatchObject({ kind: 'removed', rowId: 11 });
  });

  it("finds a range's first row relinked to a forged previous row", async () => {
    await tamper((raw) => {
      registerAuditChain(raw);
      // Its own hash made right for the forged link: only the link to row 20 tells.
      raw
        .prepare(
          `UPDATE audit_log SET prev_hash = :forged, hash = fpp_audit_hash(:forged, id, at, clerk_id, workstation, action, patient_id, details) WHERE id = 21`,
        )
        .run({ forged: 'f'.repeat(64) });
    });
    const result = await verifyFile();
    expect(result).toMatchObject({ rowsChecked: 20, problem: { kind: 'removed', rowId: 21 } });
    expect(result.problem!.message).toMatch(/the row before it was replaced after row 20/);
  });

  it('finds two rows swapped (their contents moved to each other’s ids)', async () => {
    await tamper((raw) => {
      const columns = 'at, clerk_id, workstation, action, patient_id, details, prev_hash, hash';
      const row = (id: number) => raw.prepare(`SELECT ${columns} FROM audit_log WHERE id = ?`).raw().get(id) as unknown[];
      const [a, b] = [row(14), row(15)];
      const put = raw.prepare(`UPDATE audit_log SET (${columns}) = (?, ?, ?, ?, ?, ?, ?, ?) WHERE id = ?`);
      put.run(...b, 14);
      put.run(...a, 15);
    });
    const result = await verifyFile();
    expect(result).toMatchObject({ ok: false, rowsChecked: 13, problem: { rowId: 14 } });
  });

  it('finds a changed link alone (a previous-row hash edited, the row itself untouched)', async () => {
    await tamper((raw) => raw.prepare(`UPDATE audit_log SET prev_hash = ? WHERE id = 5`).run('0'.repeat(64)));
    expect(await verifyFile()).toMatchObject({ ok: false, rowsChecked: 4, problem: { kind: 'removed', rowId: 5 } });
  });

  it('passes rows written around the app with text that is not valid UTF-8, and still finds an edit after them', async () => {
    await tamper((raw) => {
      registerAuditChain(raw);
      // Chained by the database's own trigger, as the import's plain INSERTs are.
      raw
        .prepare(
          `INSERT INTO audit_log (at, clerk_id, workstation, action, patient_id, details) VALUES (?, NULL, CAST(x'ff64657368' AS TEXT), 'sign_in', NULL, CAST(x'7b22223a2280ff227d' AS TEXT))`,
        )
        .run(entry(ROWS + 1).at.toISOString());
    });
    expect(await verifyFile()).toMatchObject({ ok: true, rowsChecked: ROWS + 1, problem: null });

    const raw = new BetterSqlite3(file);
    raw.prepare(`UPDATE audit_log SET action = 'sign_in' WHERE id = 3`).run();
    raw.close();
    expect((await verifyFile()).problem).toMatchObject({ kind: 'altered', rowId: 3 });
  });

  it('reports the first problem when there are several', async () => {
    await tamper((raw) => {
      raw.prepare(`UPDATE audit_log SET action = 'sign_in' WHERE id IN (25, 15)`).run();
    });
    expect((await verifyFile()).problem).toMatchObject({ kind: 'altered', rowId: 15 });
  });

  it('finds the last row removed, and still after new rows were appended', async () => {
    await tamper((raw) => raw.prepare(`DELETE FROM audit_log WHERE id = ${ROWS}`).run());
    expect((await verifyFile()).problem).toMatchObject({ kind: 'truncated', rowId: ROWS });

    // The app goes on appending after the hole: the chain links up, the missing id does not.
    const opened = await openDatabase(file);
    await appendAudit(opened.db, entry(99));
    await opened.close();
    expect((await verifyFile()).problem).toMatchObject({ kind: 'removed', rowId: ROWS });
  });

  it('finds a rewritten chain against the head the last check vouched for', async () => {
    const app = await createApp({ databaseFile: file, now: () => NOW, workstation: 'desk-1' });
    await signInTestClerk(app, 'admin');
    await appendAudit(
      app.context.db,
      Array.from({ length: 5 }, (_, i) => entry(i + 1)),
    );
    // A check that passes records the newest row it vouched for.
    expect(await app.invoke('audit.verify', {})).toMatchObject({ ok: true, value: { ok: true } });
    await app.close();
    const raw = new BetterSqlite3(file);
    registerAuditChain(raw);
    raw.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
    const last = raw.prepare('SELECT max(id) FROM audit_log').pluck().get() as number;
    // Edit row 3, then recompute every hash from there on, so the chain itself looks whole.
    raw.prepare(`UPDATE audit_log SET details = '{}' WHERE id = 3`).run();
    const rehash = raw.prepare(
      `UPDATE audit_log SET prev_hash = (SELECT hash FROM audit_log WHERE id = :prev),
         hash = fpp_audit_hash((SELECT hash FROM audit_log WHERE id = :prev), id, at, clerk_id, workstation, action, patient_id, details)
       WHERE id = :id`,
    );
    for (let id = 3; id <= last; id++) rehash.run({ prev: id - 1, id });
    raw.close();
    const result = await verifyFile();
    expect(result.problem).toMatchObject({ kind: 'altered', rowId: last });
    expect(result.problem!.message).toMatch(/rewritten/);
  });

  // Slices are 7 ids (1-7, 8-14, … on the app's connection; 1-7, 8-10, 11-17, 18-20, … in the workers'
  // ranges of 10), each first checked in one packed read and row by row only when that does not pass.
  it.each([
    { where: 'the last row of a slice', id: 7 },
    { where: 'the first row of a slice', id: 8 },
    { where: 'the middle of a slice', id: 23 },
    { where: 'the last row of the log', id: ROWS },
  ])('finds an edited row at $where', async ({ id }) => {
    await tamper((raw) => raw.prepare(`UPDATE audit_log SET clerk_id = 'someone-else' WHERE id = ?`).run(id));
    const result = await verifyFile();
    expect(result).toMatchObject({ ok: false, rowsChecked: id - 1, problem: { kind: 'altered', rowId: id, actionLabel: 'Setting changed' } });
    expect(result.problem!.message).toBe(
      `The audit log was changed: row ${id} (Setting changed, ${entry(id).at.toISOString().slice(0, 10)} ${entry(id).at.toISOString().slice(11, 19)} UTC) no longer matches what was written. Keep this computer as it is, export the audit log, and tell your practice’s compliance officer or IT.`,
    );
  });

  it('finds a stored hash edited alone (the row and the next link untouched)', async () => {
    await tamper((raw) => raw.prepare(`UPDATE audit_log SET hash = ? WHERE id = 13`).run('e'.repeat(64)));
    expect(await verifyFile()).toMatchObject({ ok: false, rowsChecked: 12, problem: { kind: 'altered', rowId: 13 } });
  });

  it('finds an edited row whose stored hash was made longer to carry a forged encoding', async () => {
    await tamper((raw) => {
      // The table's CHECK on the hash's form is the file's own: whoever edits the file can switch it off.
      raw.pragma('ignore_check_constraints = ON');
      raw.prepare(`UPDATE audit_log SET details = '{"setting":"practiceName","to":"Evil"}' WHERE id = ?`).run(ROWS);
      // The hash over (a copy of the encoding's start + the edited row's encoding), followed by that copy:
      // the stored hash and the encoding read as one string then look like a hash and its encoding.
      const canonical = raw.prepare(`SELECT ${auditCanonicalSql()} FROM audit_log WHERE id = ?`).pluck().get(ROWS) as string;
      const copy = canonical.slice(0, canonical.indexOf('"', canonical.indexOf(',"') + 2) + 1); // ["fpp-audit-chain-v1","<link>"
      const forged =
        createHash('sha256')
          .update(copy + canonical)
          .digest('hex') + copy;
      raw.prepare(`UPDATE audit_log SET hash = ? WHERE id = ?`).run(forged, ROWS);
    });
    expect(await verifyFile()).toMatchObject({ ok: false, rowsChecked: ROWS - 1, problem: { kind: 'altered', rowId: ROWS } });
  });

  it('finds a link that is the right hash with more after it (the last row: no row after it to tell)', async () => {
    await tamper((raw) => {
      registerAuditChain(raw);
      raw.pragma('ignore_check_constraints = ON');
      // Its own hash made right for the longer link: only the link itself tells.
      raw
        .prepare(
          `UPDATE audit_log SET prev_hash = prev_hash || 'a', hash = fpp_audit_hash(prev_hash || 'a', id, at, clerk_id, workstation, action, patient_id, details) WHERE id = ?`,
        )
        .run(ROWS);
    });
    const result = await verifyFile();
    expect(result).toMatchObject({ ok: false, rowsChecked: ROWS - 1, problem: { kind: 'removed', rowId: ROWS } });
    expect(result.problem!.message).toMatch(new RegExp(`the row before it was replaced after row ${ROWS - 1}`));
  });

  it('finds a row inserted in the middle (the rows after it moved up one id)', async () => {
    await tamper((raw) => {
      registerAuditChain(raw);
      raw.exec('DROP TRIGGER audit_log_hash_checked; DROP TRIGGER audit_log_append_at_end;');
      const after = raw.prepare(`SELECT id FROM audit_log WHERE id > 15 ORDER BY id DESC`).pluck().all() as number[];
      for (const id of after) raw.prepare('UPDATE audit_log SET id = id + 1 WHERE id = ?').run(id);
      // The inserted row is chained to row 15 as the app would have chained it.
      raw
        .prepare(
          `INSERT INTO audit_log (id, at, clerk_id, workstation, action, patient_id, details, prev_hash, hash)
           SELECT 16, at, clerk_id, workstation, action, patient_id, '{}', hash, fpp_audit_hash(hash, 16, at, clerk_id, workstation, action, patient_id, '{}')
           FROM audit_log WHERE id = 15`,
        )
        .run();
    });
    const result = await verifyFile();
    expect(result).toMatchObject({ ok: false, rowsChecked: 16, problem: { kind: 'removed', rowId: 17 } });
  });

  it('flags the app at start: the status bar says so and the failed check is itself audited', async () => {
    await tamper((raw) => raw.prepare(`UPDATE audit_log SET workstation = 'desk-9' WHERE id = 4`).run());
    const app = await createApp({ databaseFile: file, now: () => NOW, workstation: 'desk-1' });
    try {
      await signInTestClerk(app, 'admin');
      // Joins the check that started with the app (or runs one).
      const verified = await app.invoke('audit.verify', {});
      expect(verified).toMatchObject({ ok: true, value: { ok: false, problem: { kind: 'altered', rowId: 4 } } });
      const status = await app.invoke('status.get', {});
      expect(status.ok && (status.value as StatusInfo).auditLog).toBe('tampered');
      const failures = app.context.sqlite.prepare(`SELECT details FROM audit_log WHERE action = 'audit_verification_failed'`).pluck().all() as string[];
      expect(failures.length).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(failures[0]!)).toMatchObject({ problem: 'altered', firstBadRow: 4 });
    } finally {
      await app.close();
    }
  });
});
