/**
 * A FHIR load's pages assembled in the second worker (issue 14: the load on both cores): the
 * families and the patients with their contacts, links and appointments read only the staging
 * table, which nothing writes once the families are placed, so a read-only connection of the
 * preparing session (jobWorker.ts 'fhir.prep') assembles page k+1 while the writing session applies
 * page k. Each page goes as JSON (one string crosses threads far cheaper than its records), with
 * the writes its assembling made (records set aside, inferred links: ingest.ts AssemblySides),
 * which the writing session makes before the page (ingestOps.ts applyAssembled), as assembling in
 * place does. The rest (RelatedPersons and Appointments of patients not in the run) reads the
 * mirror's links as the pages before left them: the writing session assembles it, after these.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { FhirMappingConfig } from '../../../shared/fhir/mappingConfig';
import type { ChangesPage } from '../../../shared/sync/protocol';
import { noSides, placedLoadPages, type AssemblySides } from './ingest';

export interface AssembleBeginArgs {
  runId: string;
  config: FhirMappingConfig;
  now: string;
  pageRows: number;
}

/** A page of rows, as JSON, with the writes made assembling it; `last`: no page of rows follows. */
export interface AssembledPage {
  page: string;
  sides: AssemblySides;
  rows: number;
  last: boolean;
}

/** `open`: the read-only connection, opened at the first assembleBegin. */
export function assembleReaderOps(open: () => BetterSqlite3.Database) {
  let sqlite: BetterSqlite3.Database | null = null;
  let pages: { generator: Generator<ChangesPage>; sides: AssemblySides } | null = null;
  return {
    assembleBegin: ({ runId, config, now, pageRows }: AssembleBeginArgs): null => {
      sqlite ??= open();
      const sides = noSides();
      const generator = placedLoadPages(sqlite, runId, { config, now, pageRows, phases: 'rows', sides });
      pages = { generator, sides };
      return null;
    },
    /** The next page of rows; null after the last. */
    assembleNext: (_args: null): AssembledPage | null => {
      if (!pages) return null;
      const next = pages.generator.next();
      if (next.done) {
        pages = null;
        return null;
      }
      const page = next.value;
      const sides = { ...pages.sides };
      Object.assign(pages.sides, noSides());
      if (!page.hasMore) pages = null;
      const rows = page.families.length + page.patients.length + page.contacts.length + page.patientContacts.length + page.appointments.length;
      return { page: JSON.stringify(page), sides, rows, last: !page.hasMore };
    },
    assembleClose: (): void => {
      pages = null;
      sqlite?.close();
      sqlite = null;
    },
  };
}
