import fs from 'node:fs';
import path from 'node:path';
import type { MemoryRepository } from '@medplum/fhir-router';
import type { Resource } from '@medplum/fhirtypes';

/**
 * FHIR Bulk Data export jobs for the test server (tests/support/fhir/server.ts): a kick-off
 * starts a job that walks the repository ONCE (no offset paging over 200,000 patients), writes
 * one NDJSON file per type (split every `resourcesPerFile` lines) to a folder, yielding to the
 * event loop every few thousand resources; status polls answer 202 with Retry-After and
 * X-Progress until it is done, then the manifest.
 *
 * What a job exports: Patient/$export every patient; Group/[id]/$export the group's members. With
 * them, the RelatedPersons naming them, the Appointments they take part in and the Groups of type
 * person listing one of them (households), except the exported group itself and any roster group
 * (code `roster`, which lists everyone). `_since`: only resources updated after it. `_type`: only
 * those types.
 */

export const EXPORT_TYPES = ['Patient', 'RelatedPerson', 'Appointment', 'Group'] as const;
export type ExportType = (typeof EXPORT_TYPES)[number];

export interface ExportRequest {
  /** null: every patient (Patient/$export). */
  groupId: string | null;
  types: ExportType[];
  since: string | null;
  /** The kick-off URL, echoed in the manifest. */
  requestUrl: string;
}

export interface ExportFile {
  type: ExportType;
  name: string;
  count: number;
}

export interface ExportJob {
  id: string;
  request: ExportRequest;
  transactionTime: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  files: ExportFile[];
  /** Resources written so far, and the patients to walk (for X-Progress). */
  written: number;
  patientsTotal: number;
  polls: number;
  error: string | null;
  dir: string;
}

/**
 * MemoryRepository keeps its resources in a private map; its search deep-copies every match
 * before it pages, which for an export of 200,000 patients would copy them all on every page.
 * The export reads the map directly, once, in insertion order.
 */
export function storedResources(repo: MemoryRepository, type: string): Iterable<Resource> {
  const store = (repo as unknown as { resources: Map<string, Map<string, Resource>> }).resources;
  return store.get(type)?.values() ?? [];
}

const referenceId = (reference: string | undefined, type: string): string | null =>
  reference?.startsWith(`${type}/`) ? reference.slice(type.length + 1) : null;

const isRoster = (r: Resource) => r.resourceType === 'Group' && (r.code?.coding?.some((c) => c.code === 'roster') ?? false);

/** Runs a job to the end (the caller does not await it: status polls watch `job.state`). */
export async function runExport(repo: MemoryRepository, job: ExportJob, resourcesPerFile: number, isCancelled: () => boolean): Promise<void> {
  try {
    fs.mkdirSync(job.dir, { recursive: true });
    let members: Set<string> | null = null;
    if (job.request.groupId !== null) {
      const group = repo.readResource<Resource>('Group', job.request.groupId);
      const g = await group;
      members = new Set(
        ((g.resourceType === 'Group' ? g.member : undefined) ?? [])
          .map((m) => referenceId(m.entity?.reference, 'Patient'))
          .filter((x): x is string => x !== null),
      );
    }
    job.patientsTotal = members?.size ?? (repo as unknown as { resources: Map<string, Map<string, Resource>> }).resources.get('Patient')?.size ?? 0;
    const inScope = (id: string | null) => id !== null && (members === null || members.has(id));
    const since = job.request.since === null ? null : Date.parse(job.request.since);
    const until = Date.parse(job.transactionTime);
    const fresh = (r: Resource) => {
      const at = Date.parse(r.meta?.lastUpdated ?? '');
      return (since === null || at > since) && !(at > until);
    };
    const wanted: Record<ExportType, (r: Resource) => boolean> = {
      Patient: (r) => r.resourceType === 'Patient' && inScope(r.id ?? null),
      RelatedPerson: (r) => r.resourceType === 'RelatedPerson' && inScope(referenceId(r.patient?.reference, 'Patient')),
      Appointment: (r) => r.resourceType === 'Appointment' && (r.participant ?? []).some((p) => inScope(referenceId(p.actor?.reference, 'Patient'))),
      Group: (r) =>
        r.resourceType === 'Group' &&
        r.type === 'person' &&
        r.id !== job.request.groupId &&
        !isRoster(r) &&
        (r.member ?? []).some((m) => inScope(referenceId(m.entity?.reference, 'Patient'))),
    };
    for (const type of job.request.types) {
      let file: { name: string; fd: number; count: number; buffer: string[] } | null = null;
      const close = () => {
        if (!file) return;
        fs.writeSync(file.fd, file.buffer.join(''));
        fs.closeSync(file.fd);
        job.files.push({ type, name: file.name, count: file.count });
        file = null;
      };
      let sinceYield = 0;
      for (const resource of storedResources(repo, type)) {
        if (isCancelled()) throw new Error('cancelled');
        if (++sinceYield >= 2_000) {
          sinceYield = 0;
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (!wanted[type](resource) || !fresh(resource)) continue;
        if (!file) {
          const name = `${type}-${job.files.filter((f) => f.type === type).length + 1}.ndjson`;
          file = { name, fd: fs.openSync(path.join(job.dir, name), 'w'), count: 0, buffer: [] };
        }
        const open = file as { fd: number; count: number; buffer: string[] };
        open.buffer.push(`${JSON.stringify(resource)}\n`);
        open.count += 1;
        job.written += 1;
        if (open.buffer.length >= 500) {
          fs.writeSync(open.fd, open.buffer.join(''));
          open.buffer = [];
        }
        if (open.count >= resourcesPerFile) close();
      }
      close();
    }
    job.state = 'done';
  } catch (error) {
    job.state = isCancelled() ? 'cancelled' : 'failed';
    job.error = error instanceof Error ? error.message : String(error);
  }
}

/** The completion manifest (Bulk Data IG: transactionTime, request, requiresAccessToken, output, error). */
export function manifestOf(job: ExportJob, fileUrl: (file: ExportFile) => string, requiresAccessToken: boolean) {
  return {
    transactionTime: job.transactionTime,
    request: job.request.requestUrl,
    requiresAccessToken,
    output: job.files.map((f) => ({ type: f.type, url: fileUrl(f), count: f.count })),
    error: [],
  };
}
