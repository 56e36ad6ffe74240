import type { Migration } from 'kysely';
import * as coreTables from './20261122_001_core_tables';
import * as searchTerms from './20261122_002_search_terms';

/**
 * Every migration the app knows, in order. Names are date-prefixed; a database that has run a
 * migration not listed here was written by a newer app and is refused (see open.ts).
 */
export const migrations: Record<string, Migration> = {
  '20261122_001_core_tables': coreTables,
  '20261122_002_search_terms': searchTerms,
};
