import type BetterSqlite3 from 'better-sqlite3';
import { parseIsoDate } from '../../../shared/domain/dates';
import { reindexAllPatients } from '../search/indexer';
import { DEMO_ADMIN_CLERK_ID, DEMO_CLERK_ID } from './accounts';
import { demoUnitFamilyCount, demoUnitKind } from './layout';
import { writeRegularFamily } from './regularFamily';
import { writeScenario } from './scenarios';
import { DemoWriter } from './writer';

export { DEMO_ACCOUNTS, DEMO_ADMIN_CLERK_ID, DEMO_CLERK_ID } from './accounts';
export { chartNumber } from './ids';
export {
  DEMO_ROUND,
  DEMO_SCENARIOS,
  demoFamilyId,
  demoScenarioFamilies,
  demoUnitFamilyCount,
  demoUnitKind,
  scenarioForFamilyIndex,
  type DemoScenario,
  type DemoUnitKind,
} from './layout';

/**
 * The built-in demo practice: a deterministic, realistic-looking mirror for first runs, demos,
 * end-to-end tests and the benchmark.
 *
 * Same options ⇒ byte-identical rows. Names come from a seeded Faker; every structural choice
 * comes from a small seeded PRNG; ids are counters (fam-000001, pat-000001, con-000001,
 * apt-000001). Nothing reads the clock: `today` and `now` are given.
 *
 * Layout. The mirror is a sequence of "units"; a unit is one regular family or one scenario
 * (a scenario is one family, except the blended/shared-guardian scenario, which is two). The
 * first three rounds of units are all scenarios ({@link DEMO_ROUND}: 15 units, 16 families), so
 * families 1–16 hold every scenario once and families 1–48 hold each of them three times. After
 * that every tenth unit is a scenario, cycling through the round. The layout is a pure function
 * of the unit index ({@link demoUnitKind}), so {@link demoScenarioFamilies} recomputes which
 * families are which without storing anything.
 */

export interface DemoOptions {
  /** How many families (default 300). Ignored when `patients` is set. */
  families?: number;
  /** If set, generate families until at least this many patients exist (bench: 200_000). */
  patients?: number;
  /** Default 20261122. */
  seed?: number;
  /** 'YYYY-MM-DD', the practice-local date: ages and today's appointments are relative to it. */
  today: string;
  /** For updated_at / created_at timestamps. */
  now: Date;
  /** Default 18. The at/just-under-the-limit scenario patients are built from it. */
  minorAgeLimit?: number;
  /** Default true. False: no search terms (a seed read only for its rows, as the FHIR test server's in-memory copy). */
  searchTerms?: boolean;
}

export interface DemoSummary {
  families: number;
  patients: number;
  contacts: number;
  appointmentsToday: number;
  demoClerkId: string;
}

export const DEMO_DEFAULT_SEED = 20261122;
export const DEMO_DEFAULT_FAMILIES = 300;

/**
 * Fills an empty mirror with the demo practice in one transaction (plain INSERTs: the caller
 * only seeds an empty mirror; a non-empty one fails on the first duplicate id and nothing is
 * written). Rebuilds the search terms before committing.
 */
export function seedDemoPractice(sqlite: BetterSqlite3.Database, options: DemoOptions): DemoSummary {
  if (!parseIsoDate(options.today)) throw new RangeError(`today must be a YYYY-MM-DD date, got ${options.today}`);
  const limit = options.minorAgeLimit ?? 18;
  const seed = options.seed ?? DEMO_DEFAULT_SEED;
  const patientTarget = options.patients;
  const familyTarget = Math.max(0, Math.floor(options.families ?? DEMO_DEFAULT_FAMILIES));
  const stamp = options.now.toISOString();

  const run = sqlite.transaction((): DemoSummary => {
    const expectedFamilies = patientTarget !== undefined ? patientTarget / 2.2 : familyTarget;
    const w = new DemoWriter(sqlite, seed, options.today, options.now, limit, Math.min(0.15, 60 / Math.max(expectedFamilies, 1)));
    for (let unit = 0; ; unit++) {
      if (patientTarget !== undefined ? w.patients >= patientTarget : w.families >= familyTarget) break;
      let kind = demoUnitKind(unit);
      // Never cut a two-family unit: the last slot becomes a regular family.
      if (patientTarget === undefined && demoUnitFamilyCount(kind) > familyTarget - w.families) kind = 'regular';
      if (kind === 'regular') writeRegularFamily(w);
      else writeScenario(w, kind);
    }

    const clerk = sqlite.prepare('INSERT INTO clerks (id, username, display_name, role, password_hash, active, created_at) VALUES (?, ?, ?, ?, NULL, 1, ?)');
    clerk.run(DEMO_CLERK_ID, 'demo', 'Dana Reyes (demo clerk)', 'clerk', stamp);
    clerk.run(DEMO_ADMIN_CLERK_ID, 'admin', 'Morgan Ellis (demo administrator)', 'admin', stamp);
    const setting = sqlite.prepare('INSERT INTO settings (key, value) VALUES (?, ?)');
    setting.run('practiceName', JSON.stringify('Maple Grove Pediatrics (demo)'));
    setting.run('portalUrl', JSON.stringify('https://portal.maplegrove-demo.example'));
    setting.run('practicePhone', JSON.stringify('(555) 010-2400'));

    if (options.searchTerms !== false) reindexAllPatients(sqlite);
    return {
      families: w.families,
      patients: w.patients,
      contacts: w.contacts,
      appointmentsToday: w.appointmentsToday,
      demoClerkId: DEMO_CLERK_ID,
    };
  });
  // A bulk load of 200,000 patients touches far more pages than SQLite's default 2 MB cache
  // holds; a bigger cache for the duration roughly halves the time. Restored afterwards.
  const previousCache = sqlite.pragma('cache_size', { simple: true }) as number;
  sqlite.pragma('cache_size = -262144');
  try {
    return run();
  } finally {
    sqlite.pragma(`cache_size = ${Number(previousCache)}`);
  }
}
