/**
 * A forgiving RFC 4180 reader for practice-system exports: comma, semicolon or tab (detected
 * from the header line), quoted fields with embedded delimiters, quotes ("") and line breaks,
 * CRLF, LF or lone CR, with or without a UTF-8 byte-order mark.
 *
 * Every record carries the physical line it starts on (the header is line 1), counting the line
 * breaks inside quoted fields, so a problem can be pointed at in any text editor. Being liberal:
 * a quote inside an unquoted field ("5'10\"") and text after a closing quote ("ab"c) are kept
 * as written; only a quoted field that is never closed is a problem (it swallows the rest).
 */

export type Delimiter = ',' | ';' | '\t';

export interface CsvRecord {
  /** Physical line (1-based) the record starts on. */
  line: number;
  fields: string[];
  /** A quoted value in it is never closed: the record swallowed the rest of the file. */
  unclosed?: true;
}

export interface CsvProblem {
  line: number;
  message: string;
}

const QUOTE = 34; // "
const LF = 10;
const CR = 13;

/** Strips a leading byte-order mark (the text arrives decoded, so it is U+FEFF). */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The start of the header line is enough to tell its delimiter (a file of 500,000 columns is not read twice). */
const DELIMITER_SCAN = 65_536;

/**
 * The delimiter of the header line: whichever of comma, semicolon and tab occurs most often
 * outside quotes (comma when none or tied, as most exports use it).
 */
export function detectDelimiter(text: string): Delimiter {
  const counts = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  const end = Math.min(text.length, DELIMITER_SCAN);
  for (let i = 0; i < end; i++) {
    const c = text[i]!;
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && (c === ',' || c === ';' || c === '\t')) counts[c] += 1;
  }
  let best: Delimiter = ',';
  for (const d of [';', '\t'] as const) if (counts[d] > counts[best]) best = d;
  return best;
}

/** What CsvReader.next gives back when it stopped inside a long record (see its `maxFields`). */
export const PENDING = Symbol('record continues');

/**
 * Where the import reads a file's records from: this module's CsvReader (bench/csvCompare.ts
 * plugs csv-parse in through it to compare the two on the same import).
 */
export interface RecordSource {
  readonly problems: CsvProblem[];
  /**
   * The next whole record, or null at the end. A long record is read in parts of about
   * `cellsPerPart` cells with `pause` awaited between them, so the event loop runs meanwhile.
   */
  read(pause: (() => Promise<void>) | undefined, cellsPerPart: number): Promise<CsvRecord | null>;
}

/** Reads records one at a time so a caller can stop between chunks and let the event loop run. */
export class CsvReader implements RecordSource {
  readonly delimiter: Delimiter;
  readonly problems: CsvProblem[] = [];
  private readonly text: string;
  private readonly delim: number;
  private pos = 0;
  private line = 1;
  /** A record read in part (a very wide line), resumed by the next call. */
  private partial: { start: number; fields: string[]; unclosed: boolean } | null = null;

  constructor(content: string, delimiter?: Delimiter) {
    this.text = stripBom(content);
    this.delimiter = delimiter ?? detectDelimiter(this.text);
    this.delim = this.delimiter.charCodeAt(0);
  }

  /**
   * The next record, or null at the end. Lines that hold nothing at all are skipped. With
   * `maxFields`, a record longer than that is read in parts: PENDING says "call again" (a file
   * of 500,000 columns is read a few thousand cells per event-loop turn, not in one go).
   */
  next(): CsvRecord | null;
  next(maxFields: number): CsvRecord | null | typeof PENDING;
  next(maxFields = Number.POSITIVE_INFINITY): CsvRecord | null | typeof PENDING {
    const text = this.text;
    const n = text.length;
    for (;;) {
      if (!this.partial) {
        if (this.pos >= n) return null;
        this.partial = { start: this.line, fields: [], unclosed: false };
      }
      const record = this.partial;
      const fields = record.fields;
      let budget = maxFields;
      let field = '';
      let pos = this.pos;
      let endOfRecord = false;
      while (!endOfRecord) {
        if (budget <= 0) {
          this.pos = pos;
          return PENDING;
        }
        if (text.charCodeAt(pos) === QUOTE) {
          // Quoted field: runs to the next lone quote; "" is one quote; line breaks are content.
          const fieldLine = this.line;
          pos += 1;
          let closed = false;
          while (pos < n) {
            const q = text.indexOf('"', pos);
            const chunkEnd = q === -1 ? n : q;
            this.countLines(pos, chunkEnd);
            field += text.slice(pos, chunkEnd);
            if (q === -1) {
              pos = n;
              break;
            }
            if (text.charCodeAt(q + 1) === QUOTE) {
              field += '"';
              pos = q + 2;
            } else {
              pos = q + 1;
              closed = true;
              break;
            }
          }
          if (!closed) {
            record.unclosed = true;
            this.problems.push({
              line: fieldLine,
              message: `A quoted value that starts on line ${fieldLine} is never closed, so the rest of the file could not be read (look for a missing ").`,
            });
          }
        }
        // Unquoted field, or what follows a closing quote, up to the delimiter or line end.
        let i = pos;
        while (i < n) {
          const c = text.charCodeAt(i);
          if (c === this.delim || c === LF || c === CR) break;
          i += 1;
        }
        if (i > pos) field += text.slice(pos, i);
        pos = i;
        fields.push(field);
        budget -= 1;
        field = '';
        if (pos >= n) {
          endOfRecord = true;
        } else {
          const c = text.charCodeAt(pos);
          if (c === this.delim) {
            pos += 1;
            // A delimiter at the very end of the text still ends a (last, empty) field.
            if (pos >= n) {
              fields.push('');
              endOfRecord = true;
            }
          } else {
            pos += c === CR && text.charCodeAt(pos + 1) === LF ? 2 : 1;
            this.line += 1;
            endOfRecord = true;
          }
        }
      }
      this.pos = pos;
      this.partial = null;
      if (fields.length === 1 && fields[0] === '') continue; // blank line
      return record.unclosed ? { line: record.start, fields, unclosed: true } : { line: record.start, fields };
    }
  }

  async read(pause: (() => Promise<void>) | undefined, cellsPerPart: number): Promise<CsvRecord | null> {
    for (;;) {
      const record = this.next(cellsPerPart);
      if (record !== PENDING) return record;
      if (pause) await pause();
    }
  }

  private countLines(from: number, to: number): void {
    const text = this.text;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c === LF) this.line += 1;
      else if (c === CR && text.charCodeAt(i + 1) !== LF) this.line += 1;
    }
  }
}

/** Every record at once (tests and small files). */
export function parseCsv(content: string, delimiter?: Delimiter): { delimiter: Delimiter; records: CsvRecord[]; problems: CsvProblem[] } {
  const reader = new CsvReader(content, delimiter);
  const records: CsvRecord[] = [];
  for (let r = reader.next(); r; r = reader.next()) records.push(r);
  return { delimiter: reader.delimiter, records, problems: reader.problems };
}
