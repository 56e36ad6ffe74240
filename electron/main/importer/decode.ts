/**
 * How an import file's bytes become text (issue 11): before the CSV reader, and apart from it, so
 * the reader can be replaced without touching this.
 *
 * - A UTF-8 byte-order mark is dropped; UTF-16 LE/BE files (Excel's "Unicode Text") are decoded
 *   from their byte-order mark.
 * - Anything else must be valid UTF-8 (TextDecoder with fatal: true).
 * - When it is not, the file was most likely saved by an older program in Windows-1252 (or
 *   Latin-1, which Windows-1252 extends for every printable character): it is read that way and
 *   the caller asks the administrator to confirm, showing names as they read. A file with bytes
 *   no text in that encoding holds (NUL, or the five bytes Windows-1252 leaves undefined) is
 *   refused instead, naming the line.
 *
 * Large files are decoded in slices with a pause between them, so the main process keeps
 * answering while a 60 MB export is read.
 */

import { TextDecoder } from 'node:util';

export type ImportEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export type DecodedFile =
  | {
      ok: true;
      text: string;
      encoding: ImportEncoding;
      bom: boolean;
      /** Windows-1252 only: the first line that is not valid UTF-8. */
      notUtf8Line: number | null;
    }
  | { ok: false; line: number; message: string };

/** Bytes decoded per slice between pauses. */
const SLICE_BYTES = 1 << 20;
const SAVE_AS_UTF8 = 'Save the file as CSV UTF-8 (in Excel: File > Save As > “CSV UTF-8”) and choose it again.';

/** The 1-based line of byte `offset`: line breaks before it (LF, CRLF or a lone CR), as the CSV reader counts. */
export function lineAtByte(bytes: Uint8Array, offset: number): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(offset, bytes.length));
  let line = 1;
  for (let i = buffer.indexOf(0x0a); i !== -1; i = buffer.indexOf(0x0a, i + 1)) line += 1;
  for (let i = buffer.indexOf(0x0d); i !== -1; i = buffer.indexOf(0x0d, i + 1)) if (bytes[i + 1] !== 0x0a) line += 1;
  return line;
}

/** The same for UTF-16 code units (two bytes each) from `start`. */
function lineAtUnit(bytes: Uint8Array, start: number, offset: number, bigEndian: boolean): number {
  const unit = (i: number) => (bigEndian ? (bytes[i]! << 8) | bytes[i + 1]! : bytes[i]! | (bytes[i + 1]! << 8));
  let line = 1;
  for (let i = start; i + 1 < offset; i += 2) {
    const c = unit(i);
    if (c === 0x0a || (c === 0x0d && !(i + 3 < bytes.length && unit(i + 2) === 0x0a))) line += 1;
  }
  return line;
}

/**
 * Offset of the first byte that does not belong to a well-formed UTF-8 sequence (overlong forms,
 * surrogates and code points above U+10FFFF included, as TextDecoder judges them), or -1.
 */
export function firstInvalidUtf8(bytes: Uint8Array, from = 0): number {
  const n = bytes.length;
  let i = from;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let min: number;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = b === 0xe0 ? 0xa0 : 0x80;
      if (b === 0xed) max = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = b === 0xf0 ? 0x90 : 0x80;
      if (b === 0xf4) max = 0x8f;
    } else {
      return i;
    }
    if (i + need >= n) return i; // cut short at the end of the file
    const second = bytes[i + 1]!;
    if (second < min || second > max) return i;
    for (let k = 2; k <= need; k++) {
      const c = bytes[i + k]!;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/**
 * Windows-1252's letters and punctuation at 0x80–0x9F (€ ‚ ƒ „ … † ‡ ˆ ‰ Š ‹ Œ Ž ‘ ’ “ ” • – — ˜ ™
 * š › œ ž Ÿ). Node's TextDecoder('windows-1252') gives the C1 controls U+0080–U+009F for these
 * bytes, as Latin-1 would; Chromium's (Electron) gives the letters. Either way the result is the
 * letters. The five undefined bytes never get here (refused first).
 */
const WINDOWS_1252_HIGH = [
  '\u20ac',
  '\u0081',
  '\u201a',
  '\u0192',
  '\u201e',
  '\u2026',
  '\u2020',
  '\u2021',
  '\u02c6',
  '\u2030',
  '\u0160',
  '\u2039',
  '\u0152',
  '\u008d',
  '\u017d',
  '\u008f',
  '\u0090',
  '\u2018',
  '\u2019',
  '\u201c',
  '\u201d',
  '\u2022',
  '\u2013',
  '\u2014',
  '\u02dc',
  '\u2122',
  '\u0161',
  '\u203a',
  '\u0153',
  '\u009d',
  '\u017e',
  '\u0178',
];
const C1 = /[\u0080-\u009f]/g;

/** Bytes Windows-1252 does not define, and NUL: no text file in it holds them. */
const NON_TEXT_1252 = [0x00, 0x81, 0x8d, 0x8f, 0x90, 0x9d];
function firstNonText1252(bytes: Uint8Array): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let first = -1;
  for (const b of NON_TEXT_1252) {
    const at = buffer.indexOf(b);
    if (at !== -1 && (first === -1 || at < first)) first = at;
  }
  return first;
}

/** Offset of the first unpaired surrogate in UTF-16 bytes, or -1. */
function firstBadUtf16(bytes: Uint8Array, start: number, bigEndian: boolean): number {
  const unit = (i: number) => (bigEndian ? (bytes[i]! << 8) | bytes[i + 1]! : bytes[i]! | (bytes[i + 1]! << 8));
  const end = bytes.length - ((bytes.length - start) % 2);
  for (let i = start; i < end; i += 2) {
    const u = unit(i);
    if (u >= 0xd800 && u <= 0xdbff) {
      if (i + 2 >= end) return i;
      const next = unit(i + 2);
      if (next < 0xdc00 || next > 0xdfff) return i;
      i += 2;
    } else if (u >= 0xdc00 && u <= 0xdfff) {
      return i;
    }
  }
  return end < bytes.length ? end : -1;
}

/** Decodes bytes[start..] in slices, pausing between them. */
async function decodeInSlices(decoder: TextDecoder, bytes: Uint8Array, start: number, pause?: () => Promise<void>): Promise<string> {
  const parts: string[] = [];
  for (let at = start; at < bytes.length; at += SLICE_BYTES) {
    const end = Math.min(bytes.length, at + SLICE_BYTES);
    parts.push(decoder.decode(bytes.subarray(at, end), { stream: end < bytes.length }));
    if (end < bytes.length && pause) await pause();
  }
  parts.push(decoder.decode());
  return parts.join('');
}

/**
 * UTF-8 text of bytes[start..], or the offset of the first byte that is not UTF-8: TextDecoder
 * (fatal) finds the slice, firstInvalidUtf8 the byte within it.
 */
async function decodeUtf8(bytes: Uint8Array, start: number, pause?: () => Promise<void>): Promise<{ text: string } | { badAt: number }> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const parts: string[] = [];
  let at = start;
  try {
    for (; at < bytes.length; at += SLICE_BYTES) {
      const end = Math.min(bytes.length, at + SLICE_BYTES);
      parts.push(decoder.decode(bytes.subarray(at, end), { stream: end < bytes.length }));
      if (end < bytes.length && pause) await pause();
    }
    parts.push(decoder.decode());
    return { text: parts.join('') };
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    // Back to the start of a character begun in the slice before (at most three bytes).
    let from = Math.min(at, bytes.length);
    for (let k = 0; k < 3 && from > start && ((bytes[from] ?? 0) & 0xc0) === 0x80; k++) from -= 1;
    if (from === bytes.length) from = Math.max(start, from - 3);
    const badAt = firstInvalidUtf8(bytes, from);
    return { badAt: badAt === -1 ? from : badAt };
  }
}

/**
 * UTF-16 without a byte-order mark reads as "valid UTF-8" with a NUL beside every ASCII letter:
 * its first bytes tell (a NUL in at least two pairs of five, always on the same side; a binary
 * file has its NULs anywhere).
 */
function looksLikeUtf16WithoutBom(bytes: Uint8Array): boolean {
  const pairs = Math.floor(Math.min(bytes.length, 400) / 2);
  if (pairs < 2) return false;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < pairs * 2; i += 2) {
    if (bytes[i] === 0) even += 1;
    if (bytes[i + 1] === 0) odd += 1;
  }
  return (odd * 5 >= pairs * 2 && even === 0) || (even * 5 >= pairs * 2 && odd === 0);
}

export async function decodeImportBytes(name: string, bytes: Uint8Array, pause?: () => Promise<void>): Promise<DecodedFile> {
  // UTF-16 with its byte-order mark.
  const le = bytes[0] === 0xff && bytes[1] === 0xfe;
  const be = bytes[0] === 0xfe && bytes[1] === 0xff;
  if (le || be) {
    const encoding = le ? 'utf-16le' : 'utf-16be';
    const bad = firstBadUtf16(bytes, 2, be);
    if (bad >= 0) {
      const line = lineAtUnit(bytes, 2, bad, be);
      return { ok: false, line, message: `${name} is a UTF-16 file with a broken character on line ${line}. ${SAVE_AS_UTF8}` };
    }
    const text = await decodeInSlices(new TextDecoder(encoding, { ignoreBOM: true }), bytes, 2, pause);
    return { ok: true, text, encoding, bom: true, notUtf8Line: null };
  }

  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  if (!bom && looksLikeUtf16WithoutBom(bytes)) {
    return {
      ok: false,
      line: 1,
      message: `${name} looks like a UTF-16 file without its byte-order mark (its first line is full of NUL characters). ${SAVE_AS_UTF8}`,
    };
  }
  const utf8 = await decodeUtf8(bytes, bom ? 3 : 0, pause);
  if ('text' in utf8) return { ok: true, text: utf8.text, encoding: 'utf-8', bom, notUtf8Line: null };

  const notUtf8Line = lineAtByte(bytes, utf8.badAt);
  if (bom) {
    return { ok: false, line: notUtf8Line, message: `${name} says it is UTF-8 but line ${notUtf8Line} is not. ${SAVE_AS_UTF8}` };
  }
  const nonText = firstNonText1252(bytes);
  if (nonText >= 0) {
    const line = lineAtByte(bytes, nonText);
    return {
      ok: false,
      line: notUtf8Line,
      message:
        `${name} is not a CSV text file this app can read: line ${notUtf8Line} is not UTF-8, and line ${line} holds a byte no text file has ` +
        `(is it a spreadsheet or another kind of file?). ${SAVE_AS_UTF8}`,
    };
  }
  const text = (await decodeInSlices(new TextDecoder('windows-1252'), bytes, 0, pause)).replace(C1, (ch) => WINDOWS_1252_HIGH[ch.charCodeAt(0) - 0x80]!);
  return { ok: true, text, encoding: 'windows-1252', bom: false, notUtf8Line };
}
