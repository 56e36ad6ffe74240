/**
 * csv-parse (node-csv) behind the import's RecordSource, for bench/csvCompare.ts: the same file
 * read by the library, streaming, so the import can run on either reader and be timed. Tried as
 * the import's own reader and not adopted (issue 13 item 9): see csvCompare.ts for why.
 *
 * Options as the import needs them: the UTF-8 BOM skipped (`bom`), quotes with "" inside, line
 * breaks inside quotes, CRLF, LF or lone CR in one file (`record_delimiter` given as all three:
 * left to discovery, the first one found would be the only one), rows of any length
 * (`relax_column_count`), a quote inside an unquoted value kept (`relax_quotes`), blank lines
 * passed through and skipped here as the import's reader does. The delimiter is the import's own
 * guess (detectDelimiter): csv-parse's `delimiter_auto` would also pick one, but by its own rule.
 *
 * Line numbers: csv-parse's `info.lines` is the line a record ends on, and it counts a CRLF inside
 * a quoted value as two lines (csv-parse 7.0.3: "a\r\nb" in quotes moves every later record one
 * line down), so `lines: 'raw'` counts the line breaks of each record's raw text instead, which is
 * right; `lines: 'info'` uses the library's figure (for the bench's timing only) and `lines:
 * 'none'` gives no line numbers (the floor).
 *
 * Where it differs from the import's reader, on malformed files only: text after a closing quote
 * ("ab"c) is kept with its quotes ("ab"c, the reader gives abc); a quoted value never closed is
 * reported on the line its record starts on (the reader names the line of the quote).
 */
import { once } from 'node:events';
import { CsvError, Parser } from 'csv-parse';
import { detectDelimiter, stripBom, type CsvProblem, type CsvRecord, type Delimiter, type RecordSource } from '../electron/main/importer/csv';

export type LineNumbers = 'raw' | 'info' | 'none';

interface Parsed {
  record: string[];
  raw?: string;
  info?: { lines: number };
}

/** Physical lines a record's raw text ends (CRLF, LF and a lone CR each end one). */
function lineBreaks(raw: string): number {
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 10 || (c === 13 && raw.charCodeAt(i + 1) !== 10)) n += 1;
  }
  return n;
}

export class CsvParseRecords implements RecordSource {
  readonly problems: CsvProblem[] = [];
  readonly delimiter: Delimiter;
  private readonly parser: Parser;
  private readonly records: AsyncIterator<Parsed | string[]>;
  private readonly lines: LineNumbers;
  /** The line the next record starts on. */
  private line = 1;
  private readonly text: string;
  private readonly chunkChars: number | undefined;
  private feeding: Promise<void> | null = null;
  private done = false;

  constructor(text: string, options: { lines?: LineNumbers; chunkChars?: number; delimiter?: Delimiter } = {}) {
    this.lines = options.lines ?? 'raw';
    this.delimiter = options.delimiter ?? detectDelimiter(stripBom(text));
    this.parser = new Parser({
      bom: true,
      delimiter: this.delimiter,
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: false,
      raw: this.lines === 'raw',
      info: this.lines === 'info',
    });
    this.records = this.parser[Symbol.asyncIterator]();
    this.text = text;
    this.chunkChars = options.chunkChars;
  }

  /** Writes the text in slices, waiting while the parser holds enough and letting the event loop run between slices. */
  private async feed(pause: (() => Promise<void>) | undefined, chunkChars: number): Promise<void> {
    const text = this.text;
    try {
      for (let at = 0; at < text.length; at += chunkChars) {
        if (!this.parser.write(text.slice(at, at + chunkChars))) await once(this.parser, 'drain');
        if (pause) await pause();
      }
      this.parser.end();
    } catch {
      // a parse error ends the stream: read() reports it
    }
  }

  /** The text is fed from the first call on, in slices of about `cellsPerPart` cells (4 characters each) unless `chunkChars` was given. */
  async read(pause: (() => Promise<void>) | undefined, cellsPerPart: number): Promise<CsvRecord | null> {
    this.feeding ??= this.feed(pause, this.chunkChars ?? Math.max(4_096, cellsPerPart * 4));
    while (!this.done) {
      let next: IteratorResult<Parsed | string[]>;
      try {
        next = await this.records.next();
      } catch (error) {
        this.done = true;
        if (error instanceof CsvError && error.code === 'CSV_QUOTE_NOT_CLOSED') {
          const line = this.line;
          this.problems.push({
            line,
            message: `A quoted value that starts on line ${line} is never closed, so the rest of the file could not be read (look for a missing ").`,
          });
          const raw = (error as CsvError & { raw?: string }).raw ?? '"';
          return { line, fields: [raw], unclosed: true };
        }
        throw error;
      }
      if (next.done) {
        this.done = true;
        return null;
      }
      const value = next.value;
      let fields: string[];
      let line: number;
      if (this.lines === 'none') {
        fields = value as string[];
        line = 0;
      } else if (this.lines === 'raw') {
        const parsed = value as Parsed;
        fields = parsed.record;
        line = this.line;
        this.line += lineBreaks(parsed.raw!);
      } else {
        const parsed = value as Parsed;
        fields = parsed.record;
        line = this.line;
        this.line = parsed.info!.lines + 1;
      }
      if (fields.length === 1 && fields[0] === '') continue; // blank line
      return { line, fields };
    }
    return null;
  }
}
