/**
 * The CPU side of staging FHIR resources (issue 14: the FHIR first load on both cores), kept apart
 * from the SQLite writes so it can run in a second worker while the first writes:
 *
 *   prepareResources(resources, config)   each resource checked against resources.ts, its
 *       staging keys worked out (patient, person, guardian, home address) and its checked copy
 *       as JSON: the rows ingest.ts writeStaged upserts, and the resources set aside with why.
 *   prepareBatch(batch, config)           an export file's batch of NDJSON lines (ndjsonLines.ts)
 *       parsed (bulkClient.ts parseLine) and prepared, with the lines that are not resources.
 *   stagePrepOps()                        a file's bytes → prepared batches (a read session of the
 *       job worker, jobWorker.ts; fhirSync.ts hands each batch to the writing session's
 *       `stagePrepared`, which writes it with the file's position in one transaction).
 *
 * Whether a batch is prepared here or where it is written (ingestOps.ts stageBatch, without a
 * second worker), the same rows and the same set-aside words come out: this is the one place the
 * staging rules live.
 */
import type { FhirMappingConfig } from '../../../shared/fhir/mappingConfig';
import { describeIssues } from '../sync/applyPage';
import { parseLine } from './bulkClient';
import { addressKey, contactIdOf, isGuardian, referencedId } from './mapping';
import { LineBatches, type Batch } from './ndjsonLines';
import {
  keepConfiguredExtensions,
  SET_ASIDE_KIND,
  STAGED_SCHEMAS,
  STAGED_TYPES,
  type StagedAppointment,
  type StagedPatient,
  type StagedRelatedPerson,
  type StagedType,
} from './resources';

/** A fhir_staging row: type, id, patient, person, guardian (0/1), home address, lastUpdated, body (JSON). */
export type StagedRow = [StagedType, string, string | null, string | null, number, string | null, string, string];

/** A resource set aside while staging: its mirror kind, its id (or where it was), and why. */
export interface StageProblem {
  kind: string;
  id: string;
  problem: string;
}

export interface PreparedResources {
  rows: StagedRow[];
  setAside: StageProblem[];
  /** Resources of other types (OperationOutcome, Practitioner...). */
  skipped: number;
}

/** Resources → staging rows (a later copy of a resource replaces an earlier one where they are written). */
export function prepareResources(resources: readonly unknown[], config: FhirMappingConfig): PreparedResources {
  const extensionUrls = new Set(Object.values(config.extensions));
  const out: PreparedResources = { rows: [], setAside: [], skipped: 0 };
  resources.forEach((raw, index) => {
    const type = raw !== null && typeof raw === 'object' ? (raw as { resourceType?: unknown }).resourceType : undefined;
    if (!STAGED_TYPES.includes(type as StagedType)) {
      out.skipped += 1;
      return;
    }
    const stagedType = type as StagedType;
    const parsed = STAGED_SCHEMAS[stagedType].safeParse(raw);
    if (!parsed.success) {
      const rawId = (raw as { id?: unknown }).id;
      const id = typeof rawId === 'string' && rawId !== '' ? rawId.slice(0, 130) : `(no id: ${stagedType} ${index + 1} of its file)`;
      out.setAside.push({ kind: SET_ASIDE_KIND[stagedType], id, problem: `cannot be read (${describeIssues(parsed.error)})` });
      return;
    }
    const resource = parsed.data as { id: string; meta?: { lastUpdated?: string }; extension?: { url: string }[] };
    keepConfiguredExtensions(resource, extensionUrls);
    let patientId: string | null = null;
    let contactId: string | null = null;
    let guardian = 0;
    let address: string | null = null;
    if (stagedType === 'Patient') {
      const p = resource as StagedPatient;
      patientId = p.id;
      address = addressKey(p.address);
    } else if (stagedType === 'RelatedPerson') {
      const rp = resource as StagedRelatedPerson;
      patientId = referencedId(rp.patient?.reference, 'Patient');
      contactId = contactIdOf(rp, config);
      guardian = isGuardian(rp, config) ? 1 : 0;
      address = addressKey(rp.address);
    } else if (stagedType === 'Appointment') {
      const a = resource as StagedAppointment;
      patientId = (a.participant ?? []).map((p) => referencedId(p.actor?.reference, 'Patient')).find((id) => id !== null) ?? null;
    }
    out.rows.push([stagedType, resource.id, patientId, contactId, guardian, address, resource.meta?.lastUpdated ?? '', JSON.stringify(resource)]);
  });
  return out;
}

/** An export file's batch, prepared: its rows, and its lines that are not resources (with their line numbers). */
export interface PreparedBatch extends PreparedResources {
  /** Lines of the file read so far (this batch included): the resume point written with it. */
  linesDone: number;
  /** Lines of this batch read as text (parsed or not): what the run's staged count moves by. */
  lines: number;
  unreadable: { line: number; problem: string }[];
}

export function prepareBatch(batch: Batch, config: FhirMappingConfig): PreparedBatch {
  const parsed: object[] = [];
  const unreadable = [...batch.unreadable];
  batch.lines.forEach((text, i) => {
    const outcome = parseLine(text);
    if ('resource' in outcome) parsed.push(outcome.resource);
    else unreadable.push({ line: batch.lineNumbers[i] ?? 0, problem: outcome.problem });
  });
  return { ...prepareResources(parsed, config), linesDone: batch.linesDone, lines: batch.lines.length, unreadable };
}

export interface PrepBeginArgs {
  /** Lines of the file staged before (a resumed file): skipped. */
  skip: number;
  /** Lines a batch holds (each batch is one staging transaction where it is written). */
  size: number;
  config: FhirMappingConfig;
}

/** A read session's ops (jobWorker.ts 'fhir.prep'): an export file's bytes in, prepared batches out, in file order. */
export function stagePrepOps() {
  let file: { batches: LineBatches; ready: PreparedBatch[] } | null = null;
  const taken = (f: NonNullable<typeof file>) => {
    const ready = f.ready;
    f.ready = [];
    return ready;
  };
  return {
    prepBegin: ({ skip, size, config }: PrepBeginArgs): null => {
      const f = { batches: null as unknown as LineBatches, ready: [] as PreparedBatch[] };
      f.batches = new LineBatches(skip, size, (batch) => f.ready.push(prepareBatch(batch, config)));
      file = f;
      return null;
    },
    /** The batches these bytes completed (none while a batch fills). */
    prepBytes: ({ bytes }: { bytes: ArrayBuffer }): PreparedBatch[] => {
      if (!file) throw new Error('export bytes without prepBegin');
      file.batches.push(new Uint8Array(bytes));
      return taken(file);
    },
    /** The file ended: its last batch, and how many lines it had. */
    prepEnd: (_args: null): { batches: PreparedBatch[]; lines: number } => {
      if (!file) throw new Error('prepEnd without prepBegin');
      const lines = file.batches.end();
      const batches = taken(file);
      file = null;
      return { batches, lines };
    },
  };
}

export type StagePrepOps = ReturnType<typeof stagePrepOps>;
