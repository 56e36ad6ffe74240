/**
 * The import's hand-written CSV reader against csv-parse, and the export's writer against the
 * hand-written one it replaced, side by side in one run (issue 13 item 9). The machine is shared:
 * each variant runs ROUNDS times, interleaved, and the best of each is compared, so a ratio is
 * taken within one run.
 *
 * Reader: the practice export of the import bench (about 50 MB for 200,000 patients), read whole
 * by each reader; then stage 1 of the import (buildPlan: read and check every cell) on each.
 * Writer: the Bulk PIN file of the same mirror, written by the export's hand-written writer
 * (lib/csv.ts) and by csv-stringify with our formula guard.
 *
 *   npx tsx bench/csvCompare.ts            (BENCH_PATIENTS, default 200,000; CSV_COMPARE_MIRROR=file
 *                                           keeps the demo mirror there and reuses it next time)
 * benchImport() (bench/importBench.ts) calls benchCsvLibraries() after its own steps.
 *
 * What was decided from it (issue 13 item 9, December 2026, 2 shared cores): the import keeps its
 * hand-written reader. csv-parse read the 50 MB export 7-9x slower, stage 1 of the import
 * 1.2-1.7x slower, a 500,000-column file about 7x slower; as the import's reader it failed the
 * import test's 250 ms stall bound on that file in 2 runs of 3 (the hand-written one passed 3 of
 * 3 on the same machine); and its info.lines is wrong after a CRLF inside quotes, so the line
 * count would stay ours anyway. The export keeps its hand-written writer too: csv-stringify wrote
 * the same bytes in 1.9-4.3x the time.
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { stringify } from 'csv-stringify/sync';
import { createApp } from '../electron/main/app';
import { exportRecords } from '../electron/main/bulk/export';
import { BULK_PIN_COLUMNS } from '../electron/main/bulk/export';
import { bulkSnapshot } from '../electron/main/bulk/snapshot';
import { CsvReader, type RecordSource } from '../electron/main/importer/csv';
import { buildPlan } from '../electron/main/importer/plan';
import { CELLS_PER_PAUSE } from '../electron/main/importer/planFile';
import type { ImportPlan } from '../electron/main/importer/planTypes';
import { csvPieces, isFormulaLike, type CsvValue } from '../electron/main/lib/csv';
import { yieldToEventLoop } from '../electron/main/lib/pacing';
import { watchLongestTurn } from '../tests/support/eventLoopTurns';
import { makeTempDir } from '../tests/support/tempDir';
import { CsvParseRecords } from './csvParseRecords';
import { exportMirror } from './practiceExport';
import { printTable } from './stats';
import { mark } from './sections';

const ROUNDS = Number(process.env.BENCH_CSV_ROUNDS ?? 3);
const NOW = new Date('2026-11-22T15:00:00Z');

export interface CsvFile {
  name: string;
  content: string;
}

type Reader = (text: string) => RecordSource;

const READERS: [label: string, reader: Reader][] = [
  ['hand-written CsvReader (importer/csv.ts)', (text) => new CsvReader(text)],
  ["csv-parse, lines counted from each record's raw text (right)", (text) => new CsvParseRecords(text, { lines: 'raw' })],
  ['csv-parse, lines from info.lines (wrong after a CRLF in quotes)', (text) => new CsvParseRecords(text, { lines: 'info' })],
  ['csv-parse, no line numbers (the floor)', (text) => new CsvParseRecords(text, { lines: 'none' })],
  ['csv-parse, raw lines, fed 1 M characters at a time', (text) => new CsvParseRecords(text, { lines: 'raw', chunkChars: 1 << 20 })],
];

/** Interleaved rounds of every variant; the best time of each (seconds), the last result, and the largest a result of `worstOf` gave. */
async function rounds<T>(variants: (() => Promise<T>)[]): Promise<{ best: number[]; results: T[]; worst: number[] }> {
  const best = variants.map(() => Number.POSITIVE_INFINITY);
  const worst = variants.map(() => 0);
  const results: T[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, run] of variants.entries()) {
      const start = performance.now();
      results[i] = await run();
      best[i] = Math.min(best[i]!, (performance.now() - start) / 1000);
      if (typeof results[i] === 'number') worst[i] = Math.max(worst[i]!, results[i] as number);
    }
  }
  return { best, results, worst };
}

/** Reads the files as the import does (a pause every part) and returns the longest gap between event-loop turns, ms. */
async function stalls(files: readonly CsvFile[], reader: Reader): Promise<number> {
  const longestTurn = watchLongestTurn();
  for (const file of files) {
    const source = reader(file.content);
    while (await source.read(yieldToEventLoop, CELLS_PER_PAUSE));
  }
  return longestTurn();
}

interface ReadOut {
  records: number;
  cells: number;
  /** line + fields of every record, only when asked (to check two readers agree). */
  all?: string[];
}

async function readAll(files: readonly CsvFile[], reader: Reader, keep = false): Promise<ReadOut> {
  const out: ReadOut = { records: 0, cells: 0, ...(keep ? { all: [] } : {}) };
  for (const file of files) {
    const source = reader(file.content);
    for (let r = await source.read(undefined, CELLS_PER_PAUSE); r; r = await source.read(undefined, CELLS_PER_PAUSE)) {
      out.records += 1;
      out.cells += r.fields.length;
      out.all?.push(`${file.name}:${r.line}:${JSON.stringify(r.fields)}`);
    }
  }
  return out;
}

/**
 * Every record and line number the same from two readers? Read side by side, a record of each at
 * a time (nothing kept: the 50 MB export's 558,000 records compared as they come).
 */
async function sameRecords(files: readonly CsvFile[], first: Reader, second: Reader): Promise<boolean> {
  for (const file of files) {
    const a = first(file.content);
    const b = second(file.content);
    for (;;) {
      const x = await a.read(undefined, CELLS_PER_PAUSE);
      const y = await b.read(undefined, CELLS_PER_PAUSE);
      if (!x || !y) {
        if (x || y) return false;
        break;
      }
      if (x.line !== y.line || x.fields.length !== y.fields.length || x.fields.some((field, i) => field !== y.fields[i])) return false;
    }
  }
  return true;
}

/** The two readers on tricky text: records and line numbers equal? (CRLF inside quotes, blank lines, mixed line ends.) */
async function agreeOnTrickyText(): Promise<string> {
  const samples = [
    'a;b\r\n"x\r\ny";"q""uote"\r\n\r\nlast;\n',
    'Chart #,Name\r\nC1,"Ana\r\nMaria"\r\nC2,Luis\nC3,"Eva\rRosa"\rC4,"O\'Brien, Jr."\r\n',
    '\uFEFFChart #\tName\r\n\r\n\r\nC1\tAna\r\n',
  ];
  const differing: number[] = [];
  for (const [i, text] of samples.entries()) {
    const a = await readAll([{ name: 's', content: text }], (t) => new CsvReader(t), true);
    const b = await readAll([{ name: 's', content: text }], (t) => new CsvParseRecords(t, { lines: 'raw' }), true);
    const c = await readAll([{ name: 's', content: text }], (t) => new CsvParseRecords(t, { lines: 'info' }), true);
    if (JSON.stringify(a.all) !== JSON.stringify(b.all)) differing.push(i + 1);
    if (JSON.stringify(a.all) !== JSON.stringify(c.all)) differing.push(-(i + 1));
  }
  const raw = differing.filter((n) => n > 0);
  const info = differing.filter((n) => n < 0).map((n) => -n);
  return `tricky samples: raw-line csv-parse ${raw.length === 0 ? 'agrees' : `differs on ${raw.join(', ')}`}; info.lines ${info.length === 0 ? 'agrees' : `differs on ${info.join(', ')} (line numbers)`}`;
}

function planSummary(plan: ImportPlan): string {
  return JSON.stringify({
    files: plan.files.map((f) => [f.name, f.rows, f.kind]),
    problems: plan.problems,
    patients: plan.patients.length,
    contacts: plan.contacts.size,
    links: plan.links.size,
    appointments: plan.appointments.size,
  });
}

export async function compareReaders(files: readonly CsvFile[], previewSeconds?: number): Promise<void> {
  const megabytes = files.reduce((n, f) => n + Buffer.byteLength(f.content), 0) / 1e6;
  const same = await sameRecords(files, READERS[0]![1], READERS[1]![1]);

  mark('csv: same records check (hand-written vs csv-parse)');
  const { best, results } = await rounds(
    READERS.map(
      ([, reader]) =>
        () =>
          readAll(files, reader),
    ),
  );
  const hand = best[0]!;
  printTable(
    `CSV reader over the import's ${megabytes.toFixed(1)} MB (${results[0]!.records.toLocaleString('en-US')} records, ${results[0]!.cells.toLocaleString('en-US')} cells; best of ${ROUNDS} interleaved rounds)`,
    ['reader', 's', 'MB/s', 'x hand-written'],
    READERS.map(([label], i) => [label, best[i]!.toFixed(2), (megabytes / best[i]!).toFixed(1), `${(best[i]! / hand).toFixed(2)}x`]),
  );
  console.log(
    `Every record and line number the same from the hand-written reader and csv-parse (raw lines): ${same ? 'yes' : 'NO'}; ${await agreeOnTrickyText()}`,
  );

  mark(`csv: ${READERS.length} readers x ${ROUNDS} rounds`);
  // Issue 11's case: a 500,000-column file read while the event loop must keep running (the import
  // test bounds the longest stall at 250 ms).
  const header = ['Chart #', 'First Name', 'Last Name', 'DOB', 'Status', ...Array.from({ length: 499_995 }, (_, i) => `Extra ${i}`)].join(',');
  const row = ['C1', 'Ana', 'Lopez', '03/14/2015', 'Active', ...Array.from({ length: 499_995 }, () => 'x')].join(',');
  const wide = [{ name: 'wide.csv', content: `${header}\r\n${row}\r\n` }];
  const wideRuns = await rounds([() => stalls(wide, READERS[0]![1]), () => stalls(wide, READERS[1]![1])]);
  printTable(
    `A 500,000-column file, header and one row (${(Buffer.byteLength(wide[0]!.content) / 1e6).toFixed(1)} MB; best of ${ROUNDS}, pausing as the import does)`,
    ['reader', 's', 'longest stall, ms (worst round)'],
    [
      ['hand-written CsvReader', wideRuns.best[0]!.toFixed(2), wideRuns.worst[0]!.toFixed(0)],
      ['csv-parse (raw lines)', wideRuns.best[1]!.toFixed(2), wideRuns.worst[1]!.toFixed(0)],
    ],
  );

  mark('csv: tricky samples, wide file');
  // Stage 1 of the import on each reader: every file read, every cell checked, records built.
  const input = { files: files.map((f) => ({ name: f.name, content: f.content })) };
  const plan = (records: Reader) => () => buildPlan(input, { today: '2026-11-22', mirrorCharts: () => new Set<string>(), pause: yieldToEventLoop, records });
  const plans = await rounds([plan(READERS[0]![1]), plan(READERS[1]![1])]);
  const [handPlan, libPlan] = plans.best as [number, number];
  const samePlan = planSummary(plans.results[0]!) === planSummary(plans.results[1]!);
  const rows: (string | number)[][] = [
    ['hand-written CsvReader', handPlan.toFixed(2), '1.00x'],
    ['csv-parse (raw lines)', libPlan.toFixed(2), `${(libPlan / handPlan).toFixed(2)}x`],
  ];
  if (previewSeconds !== undefined) {
    rows.push([
      'import.preview as measured above, and with csv-parse (+ the difference)',
      `${previewSeconds.toFixed(2)} / ${(previewSeconds + libPlan - handPlan).toFixed(2)}`,
      `${((previewSeconds + libPlan - handPlan) / previewSeconds).toFixed(2)}x`,
    ]);
  }
  mark(`csv: buildPlan x 2 readers x ${ROUNDS} rounds`);
  printTable(
    `Import stage 1 (buildPlan: read and check every cell) on each reader (s; best of ${ROUNDS}; same plan: ${samePlan ? 'yes' : 'NO'})`,
    ['reader', 's', 'x hand-written'],
    rows,
  );
}

// ---- writer ----------------------------------------------------------------------------------

/** Every value through our formula guard, as lib/csv.ts does. */
const guard = (value: string | number | bigint | boolean) => {
  const text = String(value);
  return isFormulaLike(text) ? `'${text}` : text;
};

/**
 * csv-stringify writing the same file as lib/csv.ts csvPieces: our guard on every cell through
 * its `cast`; `quote_record_delimiter`, without which a cell holding a lone CR or LF is not quoted
 * once `record_delimiter` is set.
 */
async function* stringifyPieces(
  header: readonly string[],
  rows: readonly (readonly CsvValue[])[],
  guarded: boolean,
  linesPerPiece = 2_000,
): AsyncGenerator<string> {
  const options = {
    record_delimiter: 'windows',
    quote_record_delimiter: true,
    eof: true,
    ...(guarded ? { cast: { string: guard, number: guard, bigint: guard, boolean: guard } } : {}),
  } as const;
  // The first piece holds the header and linesPerPiece - 1 rows, as csvPieces does.
  for (let at = 0, first = true; first || at < rows.length; first = false) {
    const take = first ? linesPerPiece - 1 : linesPerPiece;
    const slice = first ? [header, ...rows.slice(0, take)] : rows.slice(at, at + take);
    at += take;
    yield stringify(slice, { ...options, bom: first });
    await yieldToEventLoop();
  }
}

async function joined(pieces: AsyncIterable<string>): Promise<string> {
  const parts: string[] = [];
  for await (const piece of pieces) parts.push(piece);
  return parts.join('');
}

export async function compareWriters(header: readonly string[], rows: readonly (readonly CsvValue[])[]): Promise<void> {
  const variants: [string, () => AsyncIterable<string>][] = [
    ['hand-written (lib/csv.ts csvPieces)', () => csvPieces(header, rows)],
    ['csv-stringify + our formula guard', () => stringifyPieces(header, rows, true)],
    ['csv-stringify, no formula guard (what the guard costs)', () => stringifyPieces(header, rows, false)],
  ];
  const { best, results } = await rounds(
    variants.map(
      ([, pieces]) =>
        () =>
          joined(pieces()),
    ),
  );
  const megabytes = Buffer.byteLength(results[1]!) / 1e6;
  printTable(
    `CSV writer, the Bulk PIN file (${rows.length.toLocaleString('en-US')} rows, ${megabytes.toFixed(1)} MB; s, best of ${ROUNDS} interleaved rounds; same bytes: ${results[0] === results[1] ? 'yes' : 'NO'})`,
    ['writer', 's', 'MB/s', 'x hand-written'],
    variants.map(([label], i) => [label, best[i]!.toFixed(2), (megabytes / best[i]!).toFixed(1), `${(best[i]! / best[0]!).toFixed(2)}x`]),
  );
}

/** The Bulk PIN file's records for a mirror, as bulk.export writes them. */
export async function bulkPinRows(databaseFile: string): Promise<CsvValue[][]> {
  const app = await createApp({ databaseFile, now: () => NOW });
  try {
    const rows: CsvValue[][] = [];
    for await (const row of exportRecords(await bulkSnapshot(app.context), 'bulk_pin')) rows.push(row);
    return rows;
  } finally {
    await app.close();
  }
}

/** Both comparisons: the import's files, and the Bulk PIN file of the mirror they were exported from. */
export async function benchCsvLibraries(options: { files: readonly CsvFile[]; mirrorFile: string; previewSeconds?: number }): Promise<void> {
  await compareReaders(options.files, options.previewSeconds);
  const rows = await bulkPinRows(options.mirrorFile);
  mark('csv: Bulk PIN rows of the mirror (createApp, snapshot)');
  await compareWriters(BULK_PIN_COLUMNS, rows);
  mark(`csv: 3 writers x ${ROUNDS} rounds`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const patients = Number(process.env.BENCH_PATIENTS ?? 200_000);
  const temp = makeTempDir('fpp-csv-bench-');
  try {
    const mirrorFile = process.env.CSV_COMPARE_MIRROR ?? temp.file('source.sqlite');
    const existing = fs.existsSync(mirrorFile);
    const source = await createApp({ databaseFile: mirrorFile, ...(existing ? {} : { demo: { patients } }), now: () => NOW });
    const { files } = exportMirror(source.context.sqlite);
    await source.close();
    console.log(`${existing ? 'Mirror reused' : `Demo mirror of ${patients.toLocaleString('en-US')} patients built`}: ${mirrorFile}`);
    await benchCsvLibraries({ files, mirrorFile });
  } finally {
    temp.remove();
  }
}
