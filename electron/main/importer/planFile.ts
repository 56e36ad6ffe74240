import { cleanText } from '../../../shared/domain/textHygiene';
import type { ImportField } from '../../../shared/import/fields';
import type { CsvRecord, RecordSource } from './csv';
import { decodeImportBytes, type DecodedFile } from './decode';
import type { FileMapping } from './fields';
import type { ImportFileInput } from './planTypes';

// Reading an import file: its bytes, its text, its records.

/** Cells read between pauses: a very wide file (500,000 columns) is read in parts too. */
export const CELLS_PER_PAUSE = 20_000;
/** A practice export has dozens of columns, a few hundred at most; more means another kind of file. */
export const MAX_COLUMNS = 1_000;

/** base64 to bytes, a few megabytes per event-loop turn. */
async function bytesOf(base64: string, pause?: () => Promise<void>): Promise<Uint8Array> {
  const step = 4 << 20; // a multiple of 4: every slice decodes on its own
  if (base64.length <= step) return Buffer.from(base64, 'base64');
  const parts: Buffer[] = [];
  for (let at = 0; at < base64.length; at += step) {
    parts.push(Buffer.from(base64.slice(at, at + step), 'base64'));
    if (pause) await pause();
  }
  return Buffer.concat(parts);
}

/** The file's text: as given, or decoded from its bytes (decode.ts). */
export async function textOf(file: ImportFileInput, pause?: () => Promise<void>): Promise<DecodedFile> {
  if (file.content !== undefined) {
    return { ok: true, text: file.content, encoding: 'utf-8', bom: file.content.charCodeAt(0) === 0xfeff, notUtf8Line: null };
  }
  return decodeImportBytes(file.name, await bytesOf(file.bytes ?? '', pause), pause);
}

/** The next whole record, reading a very wide one in parts with a pause between them. */
export function nextRecord(reader: RecordSource, pause?: () => Promise<void>): Promise<CsvRecord | null> {
  return reader.read(pause, CELLS_PER_PAUSE);
}

export const NON_ASCII = /[^\p{ASCII}]/u;

/** A row of a file read as Windows-1252, as the administrator checks it: the name, or the cells with accented letters. */
export function encodingSample(fields: readonly string[], mapping: FileMapping): string {
  const cell = (field: ImportField) => {
    const i = mapping.index.get(field);
    return i === undefined ? '' : (fields[i] ?? '').trim();
  };
  const name = [cell('firstName'), cell('lastName')].filter(Boolean).join(' ');
  const text = NON_ASCII.test(name)
    ? name
    : fields
        .filter((v) => NON_ASCII.test(v))
        .slice(0, 3)
        .map((v) => v.trim())
        .join(' · ');
  const shown = cleanText(text).text;
  return shown.length > 120 ? `${shown.slice(0, 119)}…` : shown;
}
