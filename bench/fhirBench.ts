/**
 * Issue 15's row of `npm run bench`: the first load of a whole practice over FHIR (SMART token,
 * Group $export, NDJSON files streamed into the staging table, pages assembled and applied, search
 * terms built) from the local FHIR test server, side by side with the same rows written straight
 * into SQLite with their search terms. Target: the FHIR load at ≥ 50% of the direct rate, with the
 * desk responsive meanwhile (issue 11's table, bench/deskLoad.ts).
 *
 * The FHIR server runs in a child process (`npm run fhir:dev`, tests/support/fhir/dev.ts) so its
 * work (Medplum's search, writing the NDJSON files) is not on the event loop measured here.
 * Alone: `node --import tsx bench/fhirBench.ts [--quick]` (20,000 patients with --quick, else 200,000).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import type { SyncSummary } from '../shared/api';
import type { FhirJwksView } from '../shared/fhir/fhirCalls';
import { createApp } from '../electron/main/app';
import { signInAs } from '../electron/main/clerks/sessionService';
import { ROSTER_GROUP_ID } from '../tests/support/fhir/seed';
import { makeTempDir } from '../tests/support/tempDir';
import { printDeskTable, underLoad, type DeskInputs } from './deskLoad';
import { directInsert, PRACTICE_TABLES, type DirectFigures } from './syncBench';
import { ms, okValue, printTable, watchEventLoop, watchRss } from './stats';
import { printTargets, recordTarget } from './targets';
import { mark } from './sections';

const root = path.resolve(import.meta.dirname, '..');
const CLIENT = 'bench-desk';
/** The FHIR load's rate against the direct insert's. */
const RATE_TARGET = 0.5;

export interface FhirServerChild {
  url: string;
  baseUrl: string;
  seedLine: string;
  /** Seconds from the spawn to the server listening with its practice seeded. */
  seedSeconds: number;
  /** The child's CPU time so far (user + system, s; Linux /proc), or null where it cannot be read. */
  cpuSeconds(): number | null;
  stop(): Promise<void>;
}

/** A process's CPU time (user + system, s) from /proc/<pid>/stat (clock ticks of 1/100 s on Linux), or null. */
function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * `npm run fhir:dev` on a free port, holding the demo practice of `patients`; resolves once it prints its address.
 * bench/run.ts starts it before building its own mirror (the seed is a minute of one core with
 * nothing measured meanwhile) and waits for it before its first timed row. The child stops when
 * this process goes away (its stdin closes) or on stop().
 */
export function startFhirChild(patients: number): Promise<FhirServerChild> {
  const started = performance.now();
  // --no-memory-reducer: the child waits, idle, through the rows before its own; no heap-shrinking collections behind them.
  const child = spawn(process.execPath, ['--max-old-space-size=8192', '--no-memory-reducer', '--import', 'tsx', path.join(root, 'tests/support/fhir/dev.ts')], {
    cwd: root,
    env: { ...process.env, FHIR_PORT: '0', FHIR_PATIENTS: String(patients), FHIR_STOP_ON_STDIN_END: '1' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  return new Promise((resolve, reject) => {
    let seedLine = '';
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('FHIR R4 test server')) seedLine = line;
      const base = /FHIR base URL:\s+(\S+)/.exec(line)?.[1];
      if (base) {
        resolve({
          url: new URL(base).origin,
          baseUrl: base,
          seedLine,
          seedSeconds: (performance.now() - started) / 1000,
          cpuSeconds: () => processCpuSeconds(child.pid),
          stop: async () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            await exited;
            process.off('exit', kill);
          },
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`the FHIR server exited (${code}) before it was ready`)));
  });
}

/** Main's own work while it runs: event-loop busy time (performance.eventLoopUtilization) and its garbage-collection pauses. */
function watchMainThread(): () => { busySeconds: number; gcPauses: number; gcMs: number } {
  const before = performance.eventLoopUtilization();
  let gcPauses = 0;
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcPauses += 1;
      gcMs += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => {
    observer.disconnect();
    return { busySeconds: performance.eventLoopUtilization(before).active / 1000, gcPauses, gcMs };
  };
}

interface LoadFigures {
  summary: SyncSummary;
  seconds: number;
  mirrorRows: number;
  searchTerms: number;
  loopMaxMs: number;
  rssPeakMiB: number;
  tokenRequests: number;
  main: ReturnType<ReturnType<typeof watchMainThread>>;
  /** CPU seconds during the load: this process (main, the job worker and every other thread), and the FHIR server's child process. */
  cpu: { app: number; server: number | null };
  /** The mirror file after the load: its size and the free pages in it (SQLite never gives them back to the disk), MiB; and whether a staging file is left beside it. */
  file: { mib: number; freeMib: number; stagingLeft: boolean };
}

/** An empty desk connected over FHIR as an administrator does it, then Sync now while the clerk works. */
async function fhirLoad(fhir: FhirServerChild, dir: string, desk: DeskInputs | undefined): Promise<LoadFigures> {
  let tokenRequests = 0;
  const counting: typeof fetch = (input, init) => {
    if (String(input instanceof Request ? input.url : input).endsWith('/auth/token')) tokenRequests += 1;
    return fetch(input, init);
  };
  const app = await createApp({ databaseFile: path.join(dir, 'fhir-mirror.sqlite'), demo: false, workstation: 'bench-fhir', fhir: { fetch: counting } });
  try {
    const now = new Date().toISOString();
    app.context.sqlite
      .prepare(
        `INSERT INTO clerks (id, username, display_name, role, created_at) VALUES ('bench-clerk', 'bench', 'Bench Clerk', 'clerk', ?), ('bench-admin', 'bench-admin', 'Bench Admin', 'admin', ?)`,
      )
      .run(now, now);
    await signInAs(app.context, 'bench-admin');
    okValue(
      await app.invoke('settings.update', { changes: { syncSource: 'fhir', fhirBaseUrl: fhir.baseUrl, fhirClientId: CLIENT, fhirGroupId: ROSTER_GROUP_ID } }),
      'settings.update',
    );
    const { jwks } = okValue<FhirJwksView>(await app.invoke('fhir.jwks', {}), 'fhir.jwks');
    const registered = await fetch(`${fhir.url}/auth/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: CLIENT, jwks: JSON.parse(jwks) }),
    });
    if (registered.status !== 201) throw new Error(`registering the JWKS: HTTP ${registered.status}`);
    await signInAs(app.context, 'bench-clerk');

    const rssPeak = watchRss();
    const loop = watchEventLoop();
    const mainThread = watchMainThread();
    const appCpuBefore = process.cpuUsage();
    const serverCpuBefore = fhir.cpuSeconds();
    const start = performance.now();
    const summary = await underLoad('FHIR first load ($export, Sync now)', app, desk, () => app.deliveries.syncNow());
    const seconds = (performance.now() - start) / 1000;
    const main = mainThread();
    const appCpu = process.cpuUsage(appCpuBefore);
    const serverCpuAfter = fhir.cpuSeconds();
    const cpu = {
      app: (appCpu.user + appCpu.system) / 1e6,
      server: serverCpuBefore === null || serverCpuAfter === null ? null : serverCpuAfter - serverCpuBefore,
    };
    const { sqlite } = app.context;
    const mib = (pages: number) => (pages * (sqlite.pragma('page_size', { simple: true }) as number)) / 1024 / 1024;
    const file = {
      mib: mib(sqlite.pragma('page_count', { simple: true }) as number),
      freeMib: mib(sqlite.pragma('freelist_count', { simple: true }) as number),
      stagingLeft: fs.existsSync(`${sqlite.name}-fhir-staging`),
    };
    return {
      file,
      summary,
      seconds,
      mirrorRows: PRACTICE_TABLES.reduce((n, table) => n + (sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number), 0),
      searchTerms: sqlite.prepare('SELECT count(*) FROM search_terms').pluck().get() as number,
      loopMaxMs: loop().max,
      rssPeakMiB: rssPeak(),
      tokenRequests,
      main,
      cpu,
    };
  } finally {
    await app.close();
  }
}

/**
 * `server`: the FHIR child already started (bench/run.ts starts it early); else one is started here.
 * `direct`: the direct insert + search terms of the same practice measured earlier in this run (the
 * pull's, bench/syncBench.ts): used when it wrote as many rows and terms as the FHIR load did, else
 * (or with FPP_BENCH_FHIR_OWN_DIRECT=1) measured again here from the FHIR mirror.
 */
export async function benchFhir(options: {
  patients: number;
  desk?: DeskInputs;
  server?: Promise<FhirServerChild>;
  direct?: DirectFigures | null;
}): Promise<void> {
  const temp = makeTempDir('fpp-bench-fhir-');
  const early = options.server !== undefined;
  const fhir = await (options.server ?? startFhirChild(options.patients));
  const seedSeconds = fhir.seedSeconds;
  mark(early ? 'FHIR server (started before the demo build)' : 'FHIR server seeded (child)');
  try {
    const load = await fhirLoad(fhir, temp.dir, options.desk);
    mark('FHIR first load (desk under load)');
    const earlier = options.direct;
    const reuse =
      earlier !== undefined &&
      earlier !== null &&
      !process.env.FPP_BENCH_FHIR_OWN_DIRECT &&
      earlier.rows === load.mirrorRows &&
      earlier.searchTerms === load.searchTerms;
    const direct = reuse ? earlier : await directInsert(path.join(temp.dir, 'fhir-mirror.sqlite'), temp.dir);
    mark(reuse ? 'direct insert: the pull section’s, same rows and terms' : 'direct insert + search terms');
    const fhirRate = load.mirrorRows / load.seconds;
    const directRate = direct.rows / (direct.insertSeconds + direct.indexSeconds);
    const ratio = fhirRate / directRate;
    printTable(
      `FHIR first load (issue 15): ${options.patients.toLocaleString('en-US')} patients; FHIR server seeded in ${seedSeconds.toFixed(0)} s${early ? ' (beside the demo mirror build)' : ''} (${fhir.seedLine})`,
      ['way in', 'rows', 'seconds', 'rows/s', 'search terms', 'event loop max', 'peak RSS', 'token requests'],
      [
        [
          'FHIR $export (token, kick-off, poll, NDJSON, staging, pages, search terms)',
          load.mirrorRows.toLocaleString('en-US'),
          load.seconds.toFixed(1),
          Math.round(fhirRate).toLocaleString('en-US'),
          load.searchTerms.toLocaleString('en-US'),
          ms(load.loopMaxMs),
          `${load.rssPeakMiB.toFixed(0)} MiB`,
          load.tokenRequests,
        ],
        [
          reuse
            ? "direct insert + search terms (one transaction; the pull section's, this run: same rows and terms)"
            : 'direct insert + search terms (one transaction)',
          direct.rows.toLocaleString('en-US'),
          (direct.insertSeconds + direct.indexSeconds).toFixed(1),
          Math.round(directRate).toLocaleString('en-US'),
          '',
          '',
          '',
          '',
        ],
      ],
    );
    recordTarget(
      'FHIR first load rate vs direct insert + search terms',
      `${(ratio * 100).toFixed(0)}% (${Math.round(fhirRate).toLocaleString('en-US')} vs ${Math.round(directRate).toLocaleString('en-US')} rows/s)`,
      `≥ ${RATE_TARGET * 100}%`,
      ratio >= RATE_TARGET,
    );
    console.log(
      `  Main thread during the FHIR load (the desk's calls included): event loop busy ${load.main.busySeconds.toFixed(1)} s of ${load.seconds.toFixed(1)} s; ${load.main.gcPauses} GC pauses, ${(load.main.gcMs / 1000).toFixed(2)} s.`,
    );
    console.log(
      `  CPU during the FHIR load (${os.availableParallelism()} cores = ${(os.availableParallelism() * load.seconds).toFixed(0)} CPU-s of wall time): this process ${load.cpu.app.toFixed(1)} s (main, the job worker, the desk's calls), ` +
        `the FHIR server's child process ${load.cpu.server === null ? 'not measured' : `${load.cpu.server.toFixed(1)} s`} (its export job, HTTP and files; the direct insert has no server beside it).`,
    );
    console.log(
      `  The mirror file after the load: ${load.file.mib.toFixed(0)} MiB, of which ${load.file.freeMib.toFixed(0)} MiB free pages (SQLite keeps them); ` +
        `a FHIR staging file left beside it: ${load.file.stagingLeft ? 'yes' : 'no'}.`,
    );
    if (load.summary.setAside > 0) console.log(`  ${load.summary.setAside} records were set aside (see Sync problems): the round trip should set none aside.`);
  } finally {
    await fhir.stop();
    temp.remove();
  }
}

// Alone: node --import tsx bench/fhirBench.ts [--quick]
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  const patients = Number(process.env.BENCH_FHIR_PATIENTS ?? (quick ? 20_000 : 200_000));
  await benchFhir({ patients });
  printDeskTable();
  printTargets(
    `${patients.toLocaleString('en-US')} patients; ${os.availableParallelism()} CPUs; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`,
  );
}
