/**
 * NDJSON bytes → lines, fed chunk by chunk as they arrive (issue 15; issue 14 moved it off the main
 * thread): a chunk may end inside a line or inside a multi-byte character, so bytes are carried to
 * the next chunk, never text. A line over `cap` bytes is not held: it is skipped to its end and
 * reported as oversize. Blank lines are not counted; a line's trailing \r is dropped. The one place
 * these rules live: the export file's reader on the main thread (fhirHttp.ts streamLines) and the
 * job worker's staging of raw chunks (ingestOps.ts) both use it.
 */

/** Bytes one NDJSON line may take: a resource larger than this is set aside unread. */
export const MAX_LINE_BYTES = 1024 * 1024;

/** A line read (`text`), or one too long to hold (`text` null); `line` counts the file's non-blank lines from 1. */
export interface NdjsonLine {
  line: number;
  text: string | null;
}

export class NdjsonLines {
  private parts: Uint8Array[] = [];
  private size = 0;
  private skipping = false;
  private readonly decoder = new TextDecoder('utf-8');
  /** Lines completed so far (read and oversize). */
  lines = 0;

  constructor(private readonly cap = MAX_LINE_BYTES) {}

  /** Hands each line `bytes` completes to `take`. `bytes` may be reused by the caller afterwards (what is kept is copied). */
  push(bytes: Uint8Array, take: (line: NdjsonLine) => void): void {
    let from = 0;
    for (let nl = bytes.indexOf(10); nl !== -1; nl = bytes.indexOf(10, from)) {
      const head = bytes.subarray(from, nl);
      if (!this.skipping && this.size + head.byteLength <= this.cap) {
        this.endLine(head, take);
      } else {
        this.skipping = true;
        this.endLine(null, take);
      }
      from = nl + 1;
    }
    if (from < bytes.byteLength && !this.skipping) {
      const rest = bytes.subarray(from);
      if (this.size + rest.byteLength > this.cap) {
        this.skipping = true;
        this.parts = [];
        this.size = 0;
      } else {
        this.parts.push(Uint8Array.from(rest));
        this.size += rest.byteLength;
      }
    }
  }

  /** The file ended: its last line, if it had no newline. */
  end(take: (line: NdjsonLine) => void): void {
    this.endLine(null, take);
  }

  private endLine(head: Uint8Array | null, take: (line: NdjsonLine) => void): void {
    if (this.skipping) {
      this.skipping = false;
      this.parts = [];
      this.size = 0;
      this.lines += 1;
      take({ line: this.lines, text: null });
      return;
    }
    let bytes: Uint8Array | null = head;
    if (this.size > 0) {
      if (head && head.byteLength > 0) this.parts.push(head);
      bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
    }
    this.parts = [];
    this.size = 0;
    if (!bytes || bytes.byteLength === 0) return;
    let text = this.decoder.decode(bytes);
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (!text.trim()) return;
    this.lines += 1;
    take({ line: this.lines, text });
  }
}

/**
 * A batch of NDJSON lines as text, with where the file stands after it (lines read). The lines are
 * parsed where they are staged (ingestOps.ts).
 */
export interface Batch {
  lines: string[];
  /** The line number of each of `lines` (1-based, blank lines not counted). */
  lineNumbers: number[];
  /** Lines of this file read so far (batch included); the resume point. */
  linesDone: number;
  /** Lines too long to hold: set aside, with why. */
  unreadable: { line: number; problem: string }[];
}

export const OVERSIZE_PROBLEM = 'larger than this desk accepts (over 1 MB)';

/**
 * An export file's bytes → batches of `size` lines (read or set aside), skipping its first `skip`
 * lines (staged before a restart). `onBatch` gets each full batch as it fills; end() hands on the rest.
 */
export class LineBatches {
  private readonly splitter: NdjsonLines;
  private batch: Batch = { lines: [], lineNumbers: [], linesDone: 0, unreadable: [] };
  private readonly take = ({ line, text }: NdjsonLine) => {
    if (line <= this.skip) return;
    if (text === null) this.batch.unreadable.push({ line, problem: OVERSIZE_PROBLEM });
    else {
      this.batch.lines.push(text);
      this.batch.lineNumbers.push(line);
    }
    if (this.batch.lines.length + this.batch.unreadable.length >= this.size) this.flush();
  };

  constructor(
    private readonly skip: number,
    private readonly size: number,
    private readonly onBatch: (batch: Batch) => void,
    cap = MAX_LINE_BYTES,
  ) {
    this.splitter = new NdjsonLines(cap);
  }

  /** Lines of the file read so far. */
  get lines(): number {
    return this.splitter.lines;
  }

  push(bytes: Uint8Array): void {
    this.splitter.push(bytes, this.take);
  }

  /** The file ended: its last line and the last batch. Returns the file's lines. */
  end(): number {
    this.splitter.end(this.take);
    this.flush();
    return this.splitter.lines;
  }

  private flush(): void {
    if (this.batch.lines.length === 0 && this.batch.unreadable.length === 0) return;
    const full = this.batch;
    full.linesDone = this.splitter.lines;
    this.batch = { lines: [], lineNumbers: [], linesDone: 0, unreadable: [] };
    this.onBatch(full);
  }
}
