import type { ImportProblem } from '../../../shared/bulk/api';
import { cleanText } from '../../../shared/domain/textHygiene';
import { FIELD_LABELS, type ImportField } from '../../../shared/import/fields';
import type { FileMapping } from './fields';
import { MAX_LISTED_PROBLEMS } from './planTypes';
import { tidySpaces, type Read } from './values';

const MAX_TEXT = 200;

/** Problems per file, the first MAX_LISTED_PROBLEMS of each kept. */
export class ProblemList {
  readonly byFile = new Map<number, ImportProblem[]>();
  count = 0;
  add(fileIndex: number, problem: ImportProblem): void {
    this.count += 1;
    let list = this.byFile.get(fileIndex);
    if (!list) {
      list = [];
      this.byFile.set(fileIndex, list);
    }
    if (list.length < MAX_LISTED_PROBLEMS) list.push(problem);
  }
  /** File order, then line order; stable, so a line's problems stay in column order. */
  ordered(): ImportProblem[] {
    const files = [...this.byFile.keys()].sort((a, b) => a - b);
    return files.flatMap((f) => [...this.byFile.get(f)!].sort((a, b) => a.line - b.line));
  }
}

/**
 * Fields kept exactly as the practice system wrote them: identifiers (its keys, matched again on
 * the next import and by sync) and the email, which the worklist shows as it is so it can say
 * what is wrong with it ("line break in the address"); checkMailbox decides whether it is usable.
 */
const KEPT_AS_WRITTEN: ReadonlySet<ImportField> = new Set<ImportField>(['chartNumber', 'familyId', 'contactId', 'email']);

/** Counts what text hygiene removed across an import. */
export class HiddenCharacters {
  removed = 0;
  fields = 0;
  clean(value: string): string {
    const result = cleanText(value);
    if (result.removed > 0) {
      this.removed += result.removed;
      this.fields += 1;
    }
    return result.text;
  }
}

/** One data row being read: cells by field, problems attributed to this row's line and column. */
export class Row {
  problems = 0;
  constructor(
    private readonly fields: string[],
    private readonly mapping: FileMapping,
    private readonly headers: readonly string[],
    readonly line: number,
    private readonly report: (line: number, column: string | null, message: string) => void,
    private readonly hidden: HiddenCharacters,
  ) {}

  has(field: ImportField): boolean {
    return this.mapping.index.has(field);
  }
  header(field: ImportField): string | null {
    const i = this.mapping.index.get(field);
    return i === undefined ? null : (this.headers[i] ?? null);
  }
  /** The trimmed cell, '' when blank, undefined when the file has no such column. */
  raw(field: ImportField): string | undefined {
    const i = this.mapping.index.get(field);
    if (i === undefined) return undefined;
    return (this.fields[i] ?? '').trim();
  }
  problem(field: ImportField | null, message: string): void {
    this.problems += 1;
    this.report(this.line, field === null ? null : this.header(field), message);
  }
  /**
   * Text with spaces tidied and control and bidi-override characters removed (counted); null
   * when blank. Identifiers and the email are kept as written (see KEPT_AS_WRITTEN).
   */
  text(field: ImportField, max = MAX_TEXT): string | null | undefined {
    const raw = this.raw(field);
    if (raw === undefined) return undefined;
    if (raw === '') return null;
    const value = KEPT_AS_WRITTEN.has(field) ? (field === 'email' ? raw : tidySpaces(raw)) : this.hidden.clean(tidySpaces(raw)).trim();
    if (value === '') return null;
    if (value.length > max) {
      this.problem(field, `${FIELD_LABELS[field]} is longer than ${max} characters`);
      return null;
    }
    return value;
  }
  required(field: ImportField, max = MAX_TEXT): string | null {
    const before = this.problems;
    const value = this.text(field, max);
    // Blank, or nothing left once hidden characters are removed.
    if (value === null && this.problems === before) this.problem(field, `${FIELD_LABELS[field]} is blank`);
    return value ?? null;
  }
  read<T>(field: ImportField, reader: (label: string, raw: string) => Read<T>): T | null | undefined {
    const raw = this.raw(field);
    if (raw === undefined) return undefined;
    if (raw === '') return null;
    const result = reader(FIELD_LABELS[field], raw);
    if (!result.ok) {
      this.problem(field, result.message);
      return null;
    }
    return result.value;
  }
}
