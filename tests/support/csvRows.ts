import { parseCsv } from '../../electron/main/importer/csv';

/** A CSV file's records as arrays of fields, read by the app's own import reader (comma-separated, BOM skipped). */
export function csvRows(text: string): string[][] {
  return parseCsv(text, ',').records.map((record) => record.fields);
}
