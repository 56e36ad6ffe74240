import type BetterSqlite3 from 'better-sqlite3';
import { assemblePages, stageResources } from '../../../electron/main/fhir/ingest';
import { dropStaging } from '../../../electron/main/fhir/stagingFile';
import { applyChangesPage } from '../../../electron/main/sync/applyPage';
import type { FhirMappingConfig } from '../../../shared/fhir/mappingConfig';
import { kickOffExport, ndjsonBatches, type BulkManifest } from './bulkReader';

export interface FhirLoad {
  manifest: BulkManifest;
  staged: number;
  stagedAside: number;
  pages: number;
  rows: number;
  tombstones: number;
  keptLocal: number;
  appliedAside: number;
}

/**
 * For tests of the mapping and the server: one Bulk export read over HTTP, staged, assembled and
 * applied to a mirror (the app's own FHIR sync does the same through its client).
 */
export async function loadOverFhir(
  sqlite: BetterSqlite3.Database,
  kickoffUrl: string,
  options: { runId: string; config: FhirMappingConfig; now: Date; pageRows?: number; headers?: Record<string, string> },
): Promise<FhirLoad> {
  const manifest = await kickOffExport(kickoffUrl, options.headers);
  const load: FhirLoad = { manifest, staged: 0, stagedAside: 0, pages: 0, rows: 0, tombstones: 0, keptLocal: 0, appliedAside: 0 };
  for (const file of manifest.output) {
    for await (const batch of ndjsonBatches(file.url, options.headers, 200)) {
      const r = stageResources(sqlite, options.runId, batch, options.config, options.now);
      load.staged += r.staged;
      load.stagedAside += r.setAside;
    }
  }
  const pages = assemblePages(sqlite, options.runId, {
    config: options.config,
    now: options.now,
    pageRows: options.pageRows ?? 100,
    cursorBefore: '',
    cursorAfter: `fhir:${manifest.transactionTime}`,
  });
  for (const page of pages) {
    const counts = applyChangesPage(sqlite, page, { now: options.now });
    load.pages += 1;
    load.rows += counts.rows;
    load.tombstones += counts.tombstones;
    load.keptLocal += counts.keptLocal;
    load.appliedAside += counts.setAside;
  }
  dropStaging(sqlite);
  return load;
}
