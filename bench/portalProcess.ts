/**
 * The reference portal in its own process for the bench (bench/run.ts spawns it with tsx), so
 * its seeding, paging and PIN hashing do not run on the event loop the bench measures.
 *
 *   BENCH_PORTAL_DB     SQLite file to seed (required; the bench passes a temp file)
 *   BENCH_PORTAL_TOKEN  bearer token (required)
 *   BENCH_PATIENTS      demo practice size in patients (default 200,000)
 *   BENCH_TODAY         practice-local date the demo is seeded for (default 2026-11-22)
 *   BENCH_NOW           ISO instant for the demo's timestamps (default 2026-11-22T15:00:00Z)
 *   BENCH_PORTAL_NICE   scheduling niceness for this process (default 0; the bench passes 19)
 *   BENCH_PORTAL_PIN_ITERATIONS  PBKDF2 rounds of the PIN hashes it stores (default the app's, 10,000)
 *   BENCH_PORTAL_DISK_SYNC       'normal': its commits are not synced one by one (default 'full')
 *
 * Prints one line `READY {"url":…,"patients":…,"seedSeconds":…}` on stdout once it listens.
 * Stops on SIGTERM/SIGINT, and when its stdin closes (the bench went away without killing it).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { startPortal } from '../tests/support/portal/server';
import { stopOnSignals } from '../tests/support/portal/stopOnSignals';

const dbFile = process.env.BENCH_PORTAL_DB;
const token = process.env.BENCH_PORTAL_TOKEN;
if (!dbFile || !token) {
  console.error('bench/portalProcess.ts needs BENCH_PORTAL_DB and BENCH_PORTAL_TOKEN.');
  process.exit(2);
}
const patients = Number(process.env.BENCH_PATIENTS ?? 200_000);
const today = process.env.BENCH_TODAY ?? '2026-11-22';
const now = new Date(process.env.BENCH_NOW ?? '2026-11-22T15:00:00Z');

if (process.env.BENCH_PORTAL_NICE) os.setPriority(Number(process.env.BENCH_PORTAL_NICE));

const start = performance.now();
const pinHashIterations = process.env.BENCH_PORTAL_PIN_ITERATIONS ? Number(process.env.BENCH_PORTAL_PIN_ITERATIONS) : undefined;
const portal = await startPortal({
  dbFile,
  token,
  seedDemo: { patients, today, now },
  pinHashIterations,
  diskSync: process.env.BENCH_PORTAL_DISK_SYNC === 'normal' ? 'normal' : 'full',
});
const seedSeconds = (performance.now() - start) / 1000;
const seeded = portal.database.prepare('SELECT count(*) FROM patients').pluck().get() as number;

const stop = stopOnSignals(portal);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();

console.log(`READY ${JSON.stringify({ url: portal.url, patients: seeded, seedSeconds })}`);
