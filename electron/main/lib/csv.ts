/**
 * CSV as Excel and every import tool read it: RFC 4180 (fields with a comma, quote, CR or LF are
 * quoted, quotes doubled; CRLF record ends), UTF-8 with a byte-order mark so Excel does not read
 * "José" as "JosÃ©". The quoting is csv-stringify's (node-csv); the formula guard is ours, applied
 * to every cell before it. Files are written atomically: a temporary file in the same folder,
 * flushed, then renamed, so nobody ever opens half a file.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { stringify, type Options } from 'csv-stringify/sync';
import { yieldToEventLoop } from './pacing';

export type CsvValue = string | number | boolean | null | undefined;

export const BOM = '\uFEFF';

/** The characters a spreadsheet starts a formula with. */
const FORMULA_START = new Set(['=', '+', '-', '@']);
/** Minus signs that compatibility normalisation leaves alone (U+2212 −, U+207B ⁻, U+208B ₋, U+2796 ➖). */
const MINUS_LOOKALIKES = /^[\u2212\u207b\u208b\u2796]/;
/** Spaces a spreadsheet may skip before reading a formula (ASCII, no-break, ideographic). */
const LEADING_SPACES = /^[ \u00a0\u3000]+/;

/**
 * A cell an unsuspecting spreadsheet would run as a formula (OWASP "CSV injection"): it starts
 * with = + - @ in ASCII or in any of their Unicode forms (full-width ＝＋－＠, small ﹦﹢﹣﹫,
 * super/subscript, − and the other dashes: spreadsheets in East Asian locales read full-width
 * forms as the ASCII ones), or with a tab, CR or LF; spaces in front do not hide it. Names and
 * emails from the practice system are not trusted input.
 */
export function isFormulaLike(text: string): boolean {
  if (/^[\t\r\n]/.test(text)) return true;
  const rest = text.replace(LEADING_SPACES, '');
  if (rest === '') return false;
  if (/^[\t\r\n]/.test(rest) || MINUS_LOOKALIKES.test(rest) || /^\p{Pd}/u.test(rest)) return true;
  const first = String.fromCodePoint(rest.codePointAt(0)!);
  return FORMULA_START.has(first.normalize('NFKC')[0]!);
}

/** Prefixed with an apostrophe, which Excel shows as text and does not run. */
function guardFormula(text: string): string {
  return isFormulaLike(text) ? `'${text}` : text;
}

/** Every value is written as its text through the guard: a number or a boolean too ("-5" is prefixed like any cell). */
const guardValue = (value: number | bigint | boolean) => guardFormula(String(value));

/**
 * Records ended by CRLF, the last one too; null and undefined are empty cells. A cell with a lone
 * CR or LF is quoted too: csv-stringify stops doing so once `record_delimiter` is set, unless told.
 */
const RECORDS: Options = {
  record_delimiter: 'windows',
  quote_record_delimiter: true,
  eof: true,
  cast: { string: guardFormula, number: guardValue, bigint: guardValue, boolean: guardValue },
};

/** One cell as written in a file (guarded, quoted when it must be). */
export function csvCell(value: CsvValue): string {
  return stringify([[value]], { ...RECORDS, eof: false });
}

/** The whole file: BOM, header, records, each ended by CRLF. */
export function toCsv(header: readonly string[], rows: Iterable<readonly CsvValue[]>): string {
  return stringify([header, ...rows], { ...RECORDS, bom: true });
}

/**
 * The same file as `toCsv`, in pieces of about `linesPerPiece` records, giving the event loop
 * back between pieces (a 170,000-line file is built without a long stall).
 */
export async function* csvPieces(
  header: readonly string[],
  rows: Iterable<readonly CsvValue[]> | AsyncIterable<readonly CsvValue[]>,
  linesPerPiece = 2_000,
): AsyncGenerator<string> {
  let first = true;
  let records: (readonly CsvValue[])[] = [header];
  const piece = () => {
    const text = stringify(records, { ...RECORDS, bom: first });
    first = false;
    records = [];
    return text;
  };
  for await (const row of rows) {
    records.push(row);
    if (records.length >= linesPerPiece) {
      yield piece();
      await yieldToEventLoop();
    }
  }
  if (records.length > 0) yield piece();
}

/**
 * Writes `content` (a string, or pieces) to `dir/name` atomically, never replacing an existing file: when the name is
 * taken, "-2", "-3"... is added before the extension. The folder is created (owner only) if
 * missing. Returns the absolute path written.
 */
export async function writeFileAtomic(dir: string, name: string, content: string | AsyncIterable<string>): Promise<string> {
  const folder = path.resolve(dir);
  await fs.promises.mkdir(folder, { recursive: true, mode: 0o700 });
  const ext = path.extname(name);
  const stem = name.slice(0, name.length - ext.length);
  let target = path.join(folder, name);
  for (let n = 2; fs.existsSync(target); n++) target = path.join(folder, `${stem}-${n}${ext}`);

  const temp = path.join(folder, `.${path.basename(target)}.${randomUUID().slice(0, 8)}.tmp`);
  const handle = await fs.promises.open(temp, 'wx', 0o600);
  try {
    try {
      if (typeof content === 'string') await handle.writeFile(content, 'utf8');
      else for await (const piece of content) await handle.write(piece, null, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temp, target);
  } catch (error) {
    await fs.promises.rm(temp, { force: true });
    throw error;
  }
  // Make the rename itself durable where the platform allows opening a folder.
  if (process.platform !== 'win32') {
    try {
      const folderHandle = await fs.promises.open(folder, 'r');
      try {
        await folderHandle.sync();
      } finally {
        await folderHandle.close();
      }
    } catch {
      // not supported here: the file itself is flushed
    }
  }
  return target;
}
