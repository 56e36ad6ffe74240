import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { MailDropItem, MailDropMessage } from '../../../shared/api';
import { maskPinsInMessage } from '../../../shared/domain/pin';
import { AppError } from '../errors';

/**
 * The mail-drop folder: with no SMTP server configured, each Welcome email is written here as an
 * .eml file named after its outbox row (`<outboxId>.eml`) instead of being sent. Writing is
 * atomic (temporary file, then link/rename) and idempotent: a retried outbox row finds its file
 * already there and keeps it. The folder holds PINs, so it is created private (0700) and files
 * are 0600.
 */

/** Same shape the IPC contract accepts for `mail.dropRead`. */
const FILE_NAME = /^[A-Za-z0-9._-]{1,120}\.eml$/;
const OUTBOX_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/;

export function mailDropFileName(outboxId: string): string {
  if (!OUTBOX_ID.test(outboxId)) throw new RangeError('An outbox id may hold only letters, digits, ".", "_" and "-".');
  return `${outboxId}.eml`;
}

export function writeMailDrop(dir: string, outboxId: string, raw: Buffer): string {
  const file = mailDropFileName(outboxId);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const target = path.join(dir, file);
  if (fs.existsSync(target)) return file;

  const tmp = path.join(dir, `.${outboxId}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, 'wx', 0o600);
  try {
    try {
      fs.writeSync(fd, raw);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    try {
      // link() never replaces an existing file: if another writer got there first, its file stays.
      fs.linkSync(tmp, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        // File systems without hard links (some network and FAT drives): rename, unless it appeared meanwhile.
        if (!fs.existsSync(target)) fs.renameSync(tmp, target);
      }
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return file;
}

export function listMailDrop(dir: string): MailDropItem[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const items: Array<MailDropItem & { sortKey: number; mtimeMs: number }> = [];
  for (const file of names) {
    if (!FILE_NAME.test(file)) continue;
    const full = path.join(dir, file);
    let stat: fs.Stats;
    let head: string;
    try {
      stat = fs.statSync(full);
      if (!stat.isFile()) continue;
      head = readHead(full);
    } catch {
      continue; // removed meanwhile or unreadable: not worth failing the whole list
    }
    const { headers } = splitMessage(head);
    const created = dateOf(headers.get('date'), stat.mtime);
    items.push({
      file,
      to: decodeWords(headers.get('to') ?? ''),
      subject: decodeWords(headers.get('subject') ?? ''),
      createdAt: created.toISOString(),
      sortKey: created.getTime(),
      mtimeMs: stat.mtimeMs,
    });
  }
  items.sort((a, b) => b.sortKey - a.sortKey || b.mtimeMs - a.mtimeMs || a.file.localeCompare(b.file));
  return items.map(({ file, to, subject, createdAt }) => ({ file, to, subject, createdAt }));
}

/**
 * One message of the folder. Unless `showPins` (an administrator reads it), every PIN in it is
 * masked here, in main: a clerk's screen never receives the full PIN.
 */
export function readMailDrop(dir: string, file: string, { showPins = false }: { showPins?: boolean } = {}): MailDropMessage {
  if (!FILE_NAME.test(file) || file.includes('/') || file.includes('\\') || path.basename(file) !== file) {
    throw new AppError('invalid_input', 'That is not a mail-drop file name.');
  }
  const full = path.join(dir, file);
  let raw: Buffer;
  try {
    raw = fs.readFileSync(full);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new AppError('not_found', 'That email is no longer in the mail-drop folder.');
    }
    throw err;
  }
  const stat = fs.statSync(full);
  const { headers, body } = splitMessage(raw.toString('latin1'));
  const mask = showPins ? (text: string) => text : maskPinsInMessage;
  return {
    file,
    to: decodeWords(headers.get('to') ?? ''),
    subject: mask(decodeWords(headers.get('subject') ?? '')),
    createdAt: dateOf(headers.get('date'), stat.mtime).toISOString(),
    text: mask(textOf(headers, body) ?? ''),
    pinsMasked: !showPins,
  };
}

// ---- a small MIME reader (enough for what nodemailer writes) -------------------------------
// Raw content is handled as latin1 strings, so each char is one byte until a part is decoded.

function readHead(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const length = fs.readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, length).toString('latin1');
  } finally {
    fs.closeSync(fd);
  }
}

type Headers = Map<string, string>;

function splitMessage(raw: string): { headers: Headers; body: string } {
  const match = /\r?\n\r?\n/.exec(raw);
  const head = match ? raw.slice(0, match.index) : raw;
  const body = match ? raw.slice(match.index + match[0].length) : '';
  const headers: Headers = new Map();
  // Unfold continuation lines, then read "Name: value" (the first occurrence wins).
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function dateOf(header: string | undefined, fallback: Date): Date {
  const parsed = header ? new Date(header) : null;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : fallback;
}

/** Content-Type's type and its parameters, e.g. ['multipart/alternative', { boundary: '...' }]. */
function contentType(headers: Headers): { type: string; params: Map<string, string> } {
  const value = headers.get('content-type') ?? 'text/plain; charset=us-ascii';
  const [type = 'text/plain', ...rest] = value.split(';');
  const params = new Map<string, string>();
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq <= 0) continue;
    params.set(
      param.slice(0, eq).trim().toLowerCase(),
      param
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1'),
    );
  }
  return { type: type.trim().toLowerCase(), params };
}

/** The first text/plain part, decoded; failing that, the first text/html part as plain text. */
function textOf(headers: Headers, body: string, depth = 0): string | null {
  const { type, params } = contentType(headers);
  if (type === 'text/plain') return decodePart(headers, body);
  if (type === 'text/html') return htmlToText(decodePart(headers, body));
  if (!type.startsWith('multipart/')) return null;
  const boundary = params.get('boundary');
  if (!boundary || depth > 5) return null;
  const parts = multipartParts(body, boundary).map(splitMessage);
  for (const part of parts) {
    const partType = contentType(part.headers).type;
    if (partType !== 'text/plain' && !partType.startsWith('multipart/')) continue;
    const text = textOf(part.headers, part.body, depth + 1);
    if (text !== null) return text;
  }
  const html = parts.find((part) => contentType(part.headers).type === 'text/html');
  return html ? htmlToText(decodePart(html.headers, html.body)) : null;
}

function multipartParts(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  let current: string[] | null = null;
  for (const line of body.split(/\r?\n/)) {
    const trimmed = line.trimEnd();
    if (trimmed === delimiter || trimmed === `${delimiter}--`) {
      if (current) parts.push(current.join('\r\n'));
      if (trimmed !== delimiter) break;
      current = [];
      continue;
    }
    current?.push(line);
  }
  return parts;
}

function decodePart(headers: Headers, body: string): string {
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').trim().toLowerCase();
  let bytes: Buffer;
  if (encoding === 'base64') bytes = Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  else if (encoding === 'quoted-printable') bytes = decodeQuotedPrintable(body);
  else bytes = Buffer.from(body, 'latin1');
  return decodeCharset(bytes, contentType(headers).params.get('charset') ?? 'us-ascii').replace(/\r\n/g, '\n');
}

function decodeQuotedPrintable(body: string): Buffer {
  const input = body.replace(/[ \t]+(?=\r?\n)/g, '').replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < input.length; i++) {
    const char = input[i]!;
    if (char === '=' && /^[0-9A-Fa-f]{2}$/.test(input.slice(i + 1, i + 3))) {
      bytes.push(parseInt(input.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(char.charCodeAt(0) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

function decodeCharset(bytes: Buffer, charset: string): string {
  const label = charset.trim().toLowerCase();
  try {
    return new TextDecoder(label === 'us-ascii' ? 'utf-8' : label).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

/** RFC 2047 encoded words (=?UTF-8?Q?...?= / =?UTF-8?B?...?=); adjacent words are joined first. */
export function decodeWords(value: string): string {
  const WORD = /=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=/g;
  const state: { out: string; run: { charset: string; bytes: Buffer[] } | null } = { out: '', run: null };
  const flush = () => {
    if (state.run) state.out += decodeCharset(Buffer.concat(state.run.bytes), state.run.charset);
    state.run = null;
  };
  let last = 0;
  for (const match of value.matchAll(WORD)) {
    const between = value.slice(last, match.index);
    const charset = match[1]!.split('*')[0]!.toLowerCase();
    const encoded = match[3]!;
    const bytes = match[2]!.toUpperCase() === 'B' ? Buffer.from(encoded, 'base64') : decodeQuotedPrintable(encoded.replace(/_/g, ' '));
    if (state.run && /^\s*$/.test(between)) {
      // Whitespace between two encoded words is not part of the text; one character may span both.
      if (state.run.charset === charset) {
        state.run.bytes.push(bytes);
      } else {
        flush();
        state.run = { charset, bytes: [bytes] };
      }
    } else {
      flush();
      state.out += decodeLatin1Text(between);
      state.run = { charset, bytes: [bytes] };
    }
    last = match.index + match[0].length;
  }
  flush();
  return state.out + decodeLatin1Text(value.slice(last));
}

/** Header text outside encoded words: should be ASCII, but tolerate raw UTF-8 (SMTPUTF8 mail). */
function decodeLatin1Text(text: string): string {
  return /[^\p{ASCII}]/u.test(text) ? decodeCharset(Buffer.from(text, 'latin1'), 'utf-8') : text;
}

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>/gi, '\n\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();
}
