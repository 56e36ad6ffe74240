/**
 * `npm run bench`: builds a 200,000-patient mirror in a temporary file and prints, side by side,
 * the indexed search against a naive LIKE '%q%' scan, and the family load, as p50/p95 latencies.
 * Targets (issue 2): search p95 < 5 ms, family load p95 < 2 ms on a 2-core machine.
 */
import { performance } from 'node:perf_hooks';
import { createApp } from '../electron/main/app';
import { formatUsDate } from '../shared/domain/dates';
import { makeTempDir } from '../tests/support/tempDir';
import { ms, printTable, timeEach, type Timing } from './stats';

const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 200_000);
const NOW = new Date('2026-11-22T15:00:00Z');

const temp = makeTempDir('fpp-bench-');
const startBuild = performance.now();
const app = await createApp({ databaseFile: temp.file('bench.sqlite'), demo: { patients: PATIENTS }, now: () => NOW });
const buildSeconds = (performance.now() - startBuild) / 1000;
const { sqlite } = app.context;
const counts = sqlite.prepare('SELECT (SELECT count(*) FROM patients) p, (SELECT count(*) FROM contacts) c, (SELECT count(*) FROM search_terms) t').get() as {
  p: number;
  c: number;
  t: number;
};

// ---- the query mix: drawn from the data at fixed strides, so every run asks the same things ----
type Sample = { first_name: string; last_name: string; date_of_birth: string | null; chart_number: string; email: string | null; mobile_phone: string | null };
const samples = sqlite
  .prepare(
    `SELECT p.first_name, p.last_name, p.date_of_birth, p.chart_number, c.email, c.mobile_phone
       FROM patients p LEFT JOIN patient_contacts pc ON pc.patient_id = p.id AND pc.sort = 1
       LEFT JOIN contacts c ON c.id = pc.contact_id
      WHERE p.rowid % ? = 0 LIMIT 100`,
  )
  .all(Math.max(1, Math.floor(counts.p / 100))) as Sample[];

const kinds: Record<string, string[]> = {
  'name prefix (3 letters)': samples.map((s) => s.last_name.slice(0, 3)),
  'first + last prefix': samples.map((s) => `${s.first_name.slice(0, 2)} ${s.last_name.slice(0, 4)}`),
  'date of birth': samples.filter((s) => s.date_of_birth).map((s) => formatUsDate(s.date_of_birth!)),
  'chart number': samples.map((s) => s.chart_number),
  'phone fragment (last 4)': samples.filter((s) => s.mobile_phone).map((s) => s.mobile_phone!.replace(/\D/g, '').slice(-4)),
  'guardian email prefix': samples.filter((s) => s.email).map((s) => s.email!.slice(0, 6)),
};

// The naive alternative: a LIKE '%q%' scan over the same fields, same page size.
const naive = sqlite.prepare(
  `SELECT DISTINCT p.id FROM patients p
     LEFT JOIN patient_contacts pc ON pc.patient_id = p.id
     LEFT JOIN contacts c ON c.id = pc.contact_id
    WHERE p.first_name LIKE @q OR p.last_name LIKE @q OR p.chart_number LIKE @q OR p.date_of_birth LIKE @q
       OR c.first_name LIKE @q OR c.last_name LIKE @q OR c.email LIKE @q OR c.mobile_phone LIKE @q
    LIMIT 26`,
);
function naiveTerm(text: string): string {
  const us = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
  return `%${us ? `${us[3]}-${us[1]}-${us[2]}` : text.split(' ').at(-1)}%`;
}

const rows: (string | number)[][] = [];
const all: { indexed: Timing; naive: Timing }[] = [];
for (const [kind, queries] of Object.entries(kinds)) {
  const indexed = await timeEach(queries, (text) => app.invoke('search.patients', { text }));
  const scan = await timeEach(queries.slice(0, 30), (text) => naive.all({ q: naiveTerm(text) }));
  all.push({ indexed, naive: scan });
  rows.push([kind, indexed.n, ms(indexed.p50), ms(indexed.p95), ms(scan.p50), ms(scan.p95), `${(scan.p95 / indexed.p95).toFixed(0)}x`]);
}
const allQueries = Object.values(kinds).flat();
const overall = await timeEach(allQueries, (text) => app.invoke('search.patients', { text }));

const familyIds = sqlite.prepare('SELECT id FROM families WHERE rowid % 97 = 0 LIMIT 500').pluck().all() as string[];
const family = await timeEach(familyIds, (familyId) => app.invoke('family.load', { familyId }));

console.log(`Mirror: ${counts.p.toLocaleString()} patients, ${counts.c.toLocaleString()} contacts, ${counts.t.toLocaleString()} search terms; built in ${buildSeconds.toFixed(1)} s`);
printTable('Search through the contract (ms)', ['query kind', 'n', 'p50', 'p95', 'LIKE p50', 'LIKE p95', 'LIKE/idx p95'], rows);
printTable('Summary (ms)', ['measure', 'n', 'p50', 'p95', 'max', 'target p95', 'met'], [
  ['search, all kinds', overall.n, ms(overall.p50), ms(overall.p95), ms(overall.max), '< 5', overall.p95 < 5 ? 'yes' : 'NO'],
  ['family load (children, contacts, verdicts)', family.n, ms(family.p50), ms(family.p95), ms(family.max), '< 2', family.p95 < 2 ? 'yes' : 'NO'],
]);
console.log(`\nMain-process memory after the run: ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB RSS`);

await app.close();
temp.remove();
