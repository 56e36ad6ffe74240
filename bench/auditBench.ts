/**
 * Audit-log benchmark (issue 6): BENCH_AUDIT_ROWS rows (default 1,000,000) appended through the
 * hash-chain trigger, then the whole chain verified as the app does at start (slices on the main
 * connection, yielding to the event loop): rows/s, total, peak RSS and the longest event-loop
 * stall. Beside it, append throughput: the same bulk fill into an identical table without the
 * chain (what the chain costs), and appendAudit as the services call it (one row per commit with
 * synchronous=FULL, and 100-row appends). The log is 1,000,000 rows 2.5 minutes apart (about
 * 4.8 years of a busy desk). Last, the app opened on that log: how long start takes
 * and how fast status.get answers while the start-up check runs in the background.
 *
 *   npx tsx bench/auditBench.ts          (or call benchAudit() from bench/run.ts)
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createApp } from '../electron/main/app';
import { appendAudit, type AuditEntry } from '../electron/main/audit/audit';
import { verifyAuditChain } from '../electron/main/audit/verify';
import { openDatabase } from '../electron/main/db/open';
import { makeTempDir } from '../tests/support/tempDir';
import { ms, printTable, summarize, timeEach, watchEventLoop, watchRss } from './stats';
import { recordTarget } from './targets';
import { mark } from './sections';

const NOW = new Date('2026-11-22T15:00:00Z');
const ACTIONS = ['pin_issued', 'pin_printed', 'pin_emailed', 'name_corrected', 'setting_changed', 'sign_in'] as const;

const perSecond = (rows: number, msTaken: number) => Math.round(rows / (msTaken / 1000)).toLocaleString('en-US');
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

/** Seconds between rows: 1,000,000 rows span about 4.8 years (some 580 entries a day). */
const SPACING_S = 150;

/** Realistic rows: a patient and a few details each, 2.5 minutes apart, ending now. */
function rowValues(i: number): [string, string | null, string, string, string | null, string] {
  const action = ACTIONS[i % ACTIONS.length]!;
  return [
    new Date(NOW.getTime() - (1_000_000 - i) * SPACING_S * 1000).toISOString(),
    i % 7 === 0 ? null : `clerk-${i % 5}`,
    `desk-${i % 3}`,
    action,
    action === 'sign_in' || action === 'setting_changed' ? null : `p-${i % 200_000}`,
    JSON.stringify({ batchId: `b-${Math.floor(i / 4)}`, pinId: `pin-${i}`, note: 'front desk' }),
  ];
}

export async function benchAudit(rows = Number(process.env.BENCH_AUDIT_ROWS ?? 1_000_000)): Promise<void> {
  const temp = makeTempDir('fpp-audit-bench-');
  const file = temp.file('audit.sqlite');
  try {
    const opened = await openDatabase(file);
    const { sqlite, db } = opened;

    // ---- bulk fill through the chain trigger, 10,000 rows per transaction ----
    const insert = sqlite.prepare('INSERT INTO audit_log (at, clerk_id, workstation, action, patient_id, details) VALUES (?, ?, ?, ?, ?, ?)');
    const fill = (statement: typeof insert, count: number) => {
      const started = performance.now();
      for (let done = 0; done < count; done += 10_000) {
        sqlite.transaction(() => {
          for (let i = done; i < Math.min(count, done + 10_000); i++) statement.run(...rowValues(i));
        })();
      }
      return performance.now() - started;
    };
    const chainedFillMs = fill(insert, rows);
    mark('1,000,000 chained rows filled');
    // The same rows into an identical table with no chain and no triggers: the floor.
    sqlite.exec(`CREATE TABLE audit_plain (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, clerk_id TEXT, workstation TEXT NOT NULL,
      action TEXT NOT NULL, patient_id TEXT, details TEXT NOT NULL, prev_hash TEXT, hash TEXT) STRICT`);
    sqlite.exec(
      'CREATE INDEX audit_plain_at ON audit_plain(at); CREATE INDEX audit_plain_action ON audit_plain(action); CREATE INDEX audit_plain_patient ON audit_plain(patient_id)',
    );
    const plainRows = Math.min(rows, 200_000);
    const plainFillMs = fill(
      sqlite.prepare('INSERT INTO audit_plain (at, clerk_id, workstation, action, patient_id, details) VALUES (?, ?, ?, ?, ?, ?)'),
      plainRows,
    );
    sqlite.exec('DROP TABLE audit_plain');

    // ---- appendAudit as services call it ----
    const entry = (i: number): AuditEntry => ({
      action: 'pin_printed',
      clerkId: 'clerk-1',
      workstation: 'desk-1',
      patientId: `p-${i}`,
      at: new Date(NOW.getTime() + i),
      details: { batchId: `b-${i}`, pinId: `pin-${i}` },
    });
    const SINGLE = 1_000;
    const single: number[] = [];
    for (let i = 0; i < SINGLE; i++) {
      const started = performance.now();
      await appendAudit(db, entry(i));
      single.push(performance.now() - started);
    }
    const singleTiming = summarize(single);
    const singleMs = single.reduce((a, b) => a + b, 0);
    const BATCHES = 100;
    const batchStarted = performance.now();
    for (let b = 0; b < BATCHES; b++)
      await appendAudit(
        db,
        Array.from({ length: 100 }, (_, i) => entry(SINGLE + b * 100 + i)),
      );
    const batchMs = performance.now() - batchStarted;
    const total = sqlite.prepare('SELECT count(*) FROM audit_log').pluck().get() as number;

    // ---- verification, as at start ----
    mark('plain fill, appendAudit rows');
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const rssBefore = process.memoryUsage.rss();
    const stopRss = watchRss(50);
    let slicePeak = rssBefore;
    const stopLoop = watchEventLoop();
    // As the app checks at start: in worker threads (the cores but one), the main thread joining their ranges.
    const verification = await verifyAuditChain(db, sqlite, {
      workers: { databaseFile: file },
      onProgress: () => (slicePeak = Math.max(slicePeak, process.memoryUsage.rss())),
    });
    const loop = stopLoop();
    const peakRss = Math.max(stopRss() * 1024 * 1024, slicePeak);
    if (!verification.ok) throw new Error(`the bench's own chain did not verify: ${verification.problem?.message}`);
    // The target is for 1,000,000 rows; a smaller log (--quick) is scaled to it, and says so.
    const perMillion = (verification.ms / verification.rowsChecked) * 1_000_000;
    recordTarget(
      `audit chain verify, 1,000,000 rows${verification.rowsChecked < 1_000_000 ? ` (scaled from ${verification.rowsChecked.toLocaleString('en-US')})` : ''}`,
      `${(perMillion / 1000).toFixed(2)} s`,
      '< 2 s',
      perMillion < 2000,
    );
    await opened.close();

    // ---- the app on that log: start, and answers while the start-up check runs ----
    const opening = performance.now();
    const app = await createApp({ databaseFile: file, now: () => NOW, workstation: 'desk-1' });
    mark('chain verified; app opened on the log');
    const startMs = performance.now() - opening;
    const during: number[] = [];
    let checking = true;
    // The handler directly (the call is administrator-only): it joins the check createApp started.
    const startCheck = app.handlers['audit.verify']({}).finally(() => (checking = false));
    while (checking && during.length < 500) {
      const asked = performance.now();
      await app.invoke('status.get', {});
      during.push(performance.now() - asked);
    }
    const startResult = await startCheck;
    // The audit screen's first page on this log (handlers directly: the calls are administrator-only).
    const list = (filter: Parameters<(typeof app.handlers)['audit.list']>[0]['filter']) => app.handlers['audit.list']({ filter, limit: 50, offset: 0 });
    const oneDay = new Date(NOW.getTime() - (1_000_000 - Math.floor(rows / 2)) * SPACING_S * 1000).toISOString().slice(0, 10);
    const listTimings = {
      none: await timeEach(Array(30).fill(null), () => list({})),
      action: await timeEach(Array(30).fill(null), () => list({ action: 'name_corrected' })),
      day: await timeEach(Array(30).fill(null), () => list({ from: oneDay, to: oneDay })),
      clerkAndAction: await timeEach(Array(30).fill(null), () => list({ clerkId: 'clerk-3', action: 'pin_emailed' })),
    };
    await app.close();
    const status = summarize(during);

    printTable(
      `Audit log: hash chain over ${total.toLocaleString('en-US')} rows (SHA-256 per row)`,
      ['measure', 'rows', 'ms', 'rows/s', 'note'],
      [
        [
          'verify the whole chain (worker threads taking id ranges as they are free, joined on the main thread)',
          verification.rowsChecked.toLocaleString('en-US'),
          Math.round(verification.ms),
          perSecond(verification.rowsChecked, verification.ms),
          `peak RSS ${mib(peakRss)} MiB (+${mib(peakRss - rssBefore)} over ${mib(rssBefore)}); event-loop max ${ms(loop.max)} ms`,
        ],
        [
          "bulk plain INSERTs chained by the trigger (the import's path; 10,000-row transactions)",
          rows.toLocaleString('en-US'),
          Math.round(chainedFillMs),
          perSecond(rows, chainedFillMs),
          'how the bench filled the log',
        ],
        [
          '  same rows, identical table without chain or triggers',
          plainRows.toLocaleString('en-US'),
          Math.round(plainFillMs),
          perSecond(plainRows, plainFillMs),
          `chain costs ${(chainedFillMs / rows / (plainFillMs / plainRows)).toFixed(1)}x per row`,
        ],
        [
          'appendAudit (INSERT … SELECT with both hashes, checked by trigger), one row per commit (synchronous=FULL)',
          SINGLE,
          Math.round(singleMs),
          perSecond(SINGLE, singleMs),
          `p50 ${ms(singleTiming.p50)} ms, p95 ${ms(singleTiming.p95)} ms per call`,
        ],
        ['appendAudit, 100 rows per call', BATCHES * 100, Math.round(batchMs), perSecond(BATCHES * 100, batchMs), ''],
        [
          'createApp on this log (start-up check runs in the background)',
          '',
          Math.round(startMs),
          '',
          `start-up check ${startResult.ok ? 'passed' : 'FAILED'}, ${startResult.rowsChecked.toLocaleString('en-US')} rows in ${startResult.ms.toLocaleString('en-US')} ms`,
        ],
        [
          '  status.get while the start-up check runs',
          status.n,
          ms(status.p95),
          '',
          `p50 ${ms(status.p50)} ms, p95 ${ms(status.p95)} ms, max ${ms(status.max)} ms`,
        ],
      ],
    );
    const listRow = (label: string, t: typeof listTimings.none) => [label, t.n, ms(t.p50), ms(t.p95), ms(t.max)];
    printTable(
      `Audit screen: audit.list, first page of 50, newest first, on the same ${total.toLocaleString('en-US')} rows (ms)`,
      ['filter', 'n', 'p50', 'p95', 'max'],
      [
        listRow('none', listTimings.none),
        listRow('one action', listTimings.action),
        listRow(`one practice-local day (${oneDay})`, listTimings.day),
        listRow('one clerk and one action', listTimings.clerkAndAction),
      ],
    );
  } finally {
    temp.remove();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchAudit();
