import { openDatabase } from '../../../electron/main/db/open';
import { seedDemoPractice } from '../../../electron/main/demo/demoPractice';
import { DEFAULT_FHIR_MAPPING_CONFIG, type FhirMappingConfig } from '../../../shared/fhir/mappingConfig';
import { seedFhirFromMirror, type SeedCounts } from './seed';
import { startFhirServer, type FhirServer, type FhirServerOptions } from './server';

/**
 * The FHIR test server holding the demo practice (through the reverse mapping), for
 * `npm run fhir:dev`, Playwright and the bench: the demo is written to an in-memory mirror first,
 * then every row becomes its FHIR resource.
 */
export interface SeededServerOptions extends FhirServerOptions {
  /** Demo size in families (default 300), or in patients when `patients` is set (the bench: 200,000). */
  families?: number;
  patients?: number;
  /** The practice-local date the demo's ages and today's appointments are built around. */
  today: string;
  now: Date;
  config?: FhirMappingConfig;
}

export async function startSeededFhirServer(options: SeededServerOptions): Promise<FhirServer & { seeded: SeedCounts }> {
  const mirror = await openDatabase(':memory:');
  try {
    // Only its rows are read (into FHIR resources): no search terms (about 20 s at 200,000 patients).
    seedDemoPractice(mirror.sqlite, { today: options.today, now: options.now, families: options.families, patients: options.patients, searchTerms: false });
    const server = await startFhirServer(options);
    const seeded = await seedFhirFromMirror(server.repo, mirror.sqlite, options.config ?? DEFAULT_FHIR_MAPPING_CONFIG);
    return { ...server, seeded };
  } finally {
    await mirror.close();
  }
}
