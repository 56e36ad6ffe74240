import type { ImportFileEncoding, ImportFilePreview } from '../../../shared/bulk/api';
import { missingFieldLabel, type ImportKind } from '../../../shared/import/fields';
import { CsvReader, type RecordSource } from './csv';
import { mapHeaders, type FileMapping } from './fields';
import { CELLS_PER_PAUSE, encodingSample, MAX_COLUMNS, nextRecord, NON_ASCII, textOf } from './planFile';
import { readAppointment, readContact, readPatient } from './planRecords';
import { HiddenCharacters, ProblemList, Row } from './planRow';
import type { ImportFileInput, ImportInput, ImportPlan, PlanEnvironment, Source } from './planTypes';

/**
 * Stage 1 of an import: read every file, map its columns, check every cell and the rows against
 * each other (duplicate chart numbers, contacts of unknown patients...), and build the records to
 * upsert. Nothing here writes; the mirror is only asked which chart numbers it already holds.
 *
 * A record field left `undefined` means the file has no column for it: an existing row keeps its
 * stored value, a new row gets the default. A blank cell in a column that exists means "empty".
 */

const ROWS_PER_PAUSE = 2_000;
/** Rows shown for the administrator to check a file read as Windows-1252. */
const ENCODING_SAMPLES = 5;
const KIND_ORDER: Record<ImportKind, number> = { patients: 0, contacts: 1, appointments: 2 };

interface ParsedFile {
  index: number;
  input: ImportFileInput;
  reader: RecordSource;
  headers: string[];
  mapping: FileMapping;
  preview: ImportFilePreview;
}

/** Reads and checks every file of the input; see the module comment. */
export async function buildPlan(input: ImportInput, env: PlanEnvironment): Promise<ImportPlan> {
  const problems = new ProblemList();
  const hidden = new HiddenCharacters();
  const plan: ImportPlan = {
    files: [],
    problems: [],
    problemCount: 0,
    patients: [],
    families: new Map(),
    contacts: new Map(),
    links: new Map(),
    appointments: new Map(),
    chartsInFiles: new Set(),
    hiddenCharacters: hidden,
  };

  // ---- bytes, headers and mappings ------------------------------------------------------------
  const parsed: ParsedFile[] = [];
  for (const [index, file] of input.files.entries()) {
    const decoded = await textOf(file, env.pause);
    const encoding: ImportFileEncoding = decoded.ok
      ? { encoding: decoded.encoding, bom: decoded.bom, notUtf8Line: decoded.notUtf8Line, confirmed: false, samples: [] }
      : { encoding: null, bom: false, notUtf8Line: null, confirmed: false, samples: [] };
    const preview: ImportFilePreview = { name: file.name, kind: null, rows: 0, columns: [], missingFields: [], encoding };
    plan.files.push(preview);
    if (!decoded.ok) {
      problems.add(index, { file: file.name, line: decoded.line, column: null, message: decoded.message });
      continue;
    }
    if (decoded.encoding === 'windows-1252') {
      encoding.confirmed = file.encoding === 'windows-1252';
      if (!encoding.confirmed) {
        problems.add(index, {
          file: file.name,
          line: decoded.notUtf8Line ?? 1,
          column: null,
          message:
            `${file.name} is not saved as UTF-8 (line ${decoded.notUtf8Line ?? 1} is the first line that is not). Read as Windows-1252, ` +
            'its names look like the examples shown: confirm that they read right, or save the file as CSV UTF-8 and choose it again.',
        });
      }
    }

    const reader = env.records ? env.records(decoded.text) : new CsvReader(decoded.text);
    const header = await nextRecord(reader, env.pause);
    const tooWide = header !== null && header.fields.length > MAX_COLUMNS;
    const headers = header && !tooWide ? header.fields.map((h) => h.trim()) : [];
    let mapping: FileMapping;
    if (!header) {
      mapping = {
        kind: null,
        columns: [],
        index: new Map(),
        missingFields: [],
        problems: [{ column: null, message: `${file.name} is empty: it has no header row.` }],
      };
    } else if (tooWide) {
      const message =
        `${file.name} has ${header.fields.length.toLocaleString('en-US')} columns; a practice export has a few dozen (this import reads up to ${MAX_COLUMNS.toLocaleString('en-US')}). ` +
        'Check that this is the export of patients, family contacts or appointments.';
      mapping = { kind: null, columns: [], index: new Map(), missingFields: [], problems: [{ column: null, message }] };
    } else {
      mapping = mapHeaders(file.name, headers, file.kind, file.mapping ?? []);
    }
    for (const p of mapping.problems) problems.add(index, { file: file.name, line: 1, column: p.column, message: p.message });
    if (mapping.missingFields.length > 0) {
      const names = mapping.missingFields.map(missingFieldLabel);
      problems.add(index, {
        file: file.name,
        line: 1,
        column: null,
        message: `${file.name} has no column for ${names.join(', ')} (required). Add the column to the export, or map one of its columns to ${names.length > 1 ? 'them' : 'it'}.`,
      });
    }
    preview.kind = mapping.kind;
    preview.columns = mapping.columns;
    preview.missingFields = mapping.missingFields;
    parsed.push({ index, input: file, reader, headers, mapping, preview });
  }
  const names = new Set<string>();
  for (const [index, file] of input.files.entries()) {
    if (names.has(file.name)) {
      problems.add(index, { file: file.name, line: 1, column: null, message: `Two files are named ${file.name}; rename one so problems can be told apart.` });
    }
    names.add(file.name);
  }

  // ---- rows, patients first so contacts and appointments can refer to them ------------------
  const chartsInFiles = new Map<string, Source>();
  let mirror: ReadonlySet<string> | null = null;
  const knownChart = async (chart: string) => {
    if (chartsInFiles.has(chart)) return true;
    mirror ??= await env.mirrorCharts();
    return mirror.has(chart);
  };

  const ordered = parsed.filter((f) => f.mapping.kind !== null).sort((a, b) => KIND_ORDER[a.mapping.kind!] - KIND_ORDER[b.mapping.kind!]);
  for (const f of ordered) {
    const kind = f.mapping.kind!;
    const complete = f.mapping.missingFields.length === 0;
    const report = (line: number, column: string | null, message: string) => problems.add(f.index, { file: f.input.name, line, column, message });
    const samples = f.preview.encoding.encoding === 'windows-1252' ? f.preview.encoding.samples : null;
    let sinceRows = 0;
    let sinceCells = 0;
    for (let record = await nextRecord(f.reader, env.pause); record; record = await nextRecord(f.reader, env.pause)) {
      sinceRows += 1;
      sinceCells += record.fields.length;
      if (env.pause && (sinceRows >= ROWS_PER_PAUSE || sinceCells >= CELLS_PER_PAUSE)) {
        sinceRows = 0;
        sinceCells = 0;
        await env.pause();
      }
      if (record.fields.every((v) => v.trim() === '')) continue;
      f.preview.rows += 1;
      if (record.unclosed) continue; // reported by the reader; its cells are not this row's
      if (samples && samples.length < ENCODING_SAMPLES && record.fields.some((v) => NON_ASCII.test(v))) {
        samples.push({ line: record.line, text: encodingSample(record.fields, f.mapping) });
      }
      const row = new Row(record.fields, f.mapping, f.headers, record.line, report, hidden);
      if (record.fields.length > f.headers.length && record.fields.slice(f.headers.length).some((v) => v.trim() !== '')) {
        row.problem(
          null,
          `This line has ${record.fields.length} values but the header has ${f.headers.length} columns (a value with a delimiter in it needs quotes)`,
        );
      }
      if (kind === 'patients') readPatient(row, f.input.name, complete, env.today, plan, chartsInFiles);
      else if (kind === 'contacts') await readContact(row, f.input.name, complete, plan, knownChart);
      else await readAppointment(row, f.input.name, complete, plan, knownChart);
    }
    for (const p of f.reader.problems) report(p.line, null, p.message);
  }

  plan.chartsInFiles = new Set(chartsInFiles.keys());
  plan.problems = problems.ordered();
  plan.problemCount = problems.count;
  plan.hiddenCharacters = { removed: hidden.removed, fields: hidden.fields };
  return plan;
}
