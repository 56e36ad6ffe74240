/**
 * CSV as Excel and every import tool read it: RFC 4180 (fields with a comma, quote, CR or LF are
 * quoted, quotes doubled; CRLF record ends), UTF-8 with a byte-order mark so Excel does not read
 * "José" as "JosÃ©". Written by hand: csv-stringify, with the same output, took 1.9-4.3x as long
 * on the Bulk PIN file (bench/csvCompare.ts). Files are written atomically: a temporary file in
 * the same folder, flushed, then renamed, so nobody ever opens half a file.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
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
  // Most cells start with an ASCII letter or digit, which no spreadsheet reads as a formula.
  const c = text.charCodeAt(0);
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return false;
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

export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = guardFormula(String(value));
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly CsvValue[]): string {
  return values.map(csvCell).join(',');
}

/** The whole file: BOM, header, records, each ended by CRLF. */
export function toCsv(header: readonly string[], rows: Iterable<readonly CsvValue[]>): string {
  const lines = [csvLine(header)];
  for (const row of rows) lines.push(csvLine(row));
  return `${BOM}${lines.join('\r\n')}\r\n`;
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
  let lines: string[] = [`${BOM}${csvLine(header)}`];
  for await (const row of rows) {
    lines.push(csvLine(row));
    if (lines.length >= linesPerPiece) {
      yield `${lines.join('\r\n')}\r\n`;
      lines = [];
      await yieldToEventLoop();
    }
  }
  if (lines.length > 0) yield `${lines.join('\r\n')}\r\n`;
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
