import type { MemoryRepository } from '@medplum/fhir-router';
import type { Patient, RelatedPerson } from '@medplum/fhirtypes';

/**
 * Changes an EHR makes, on the FHIR test server, for incremental-sync tests (issue 15): each
 * writes a new version of the resource (a new meta.lastUpdated), so `_since` and
 * `_lastUpdated=gt` searches find it. They return the new version.
 */

/** The patient's official name becomes `given family`. */
export async function renamePatient(repo: MemoryRepository, patientId: string, name: { given: string; family: string }): Promise<Patient> {
  const patient = await repo.readResource<Patient>('Patient', patientId);
  const others = (patient.name ?? []).filter((n) => n.use !== 'official');
  return repo.updateResource<Patient>({ ...patient, name: [{ use: 'official', family: name.family, given: [name.given] }, ...others] });
}

/** The RelatedPerson's email (its first email telecom, or a new one); null removes it. */
export async function changeRelatedPersonEmail(repo: MemoryRepository, relatedPersonId: string, email: string | null): Promise<RelatedPerson> {
  const person = await repo.readResource<RelatedPerson>('RelatedPerson', relatedPersonId);
  const telecom = (person.telecom ?? []).filter((t) => t.system !== 'email');
  if (email !== null) telecom.unshift({ system: 'email', use: 'home', value: email });
  return repo.updateResource<RelatedPerson>({ ...person, telecom });
}

/** The patient died (deceasedDateTime when given, else deceasedBoolean) and is no longer active. */
export async function markDeceased(repo: MemoryRepository, patientId: string, when?: string): Promise<Patient> {
  const { deceasedBoolean: _b, deceasedDateTime: _d, ...patient } = await repo.readResource<Patient>('Patient', patientId);
  return repo.updateResource<Patient>({ ...patient, active: false, ...(when ? { deceasedDateTime: when } : { deceasedBoolean: true }) });
}

/**
 * `sourceId` was merged into `targetId` the FHIR way: the source gets `link` replaced-by the
 * target and is no longer active; the target gets `link` replaces the source.
 */
export async function mergePatients(repo: MemoryRepository, sourceId: string, targetId: string): Promise<{ source: Patient; target: Patient }> {
  const source = await repo.readResource<Patient>('Patient', sourceId);
  const target = await repo.readResource<Patient>('Patient', targetId);
  const merged = await repo.updateResource<Patient>({
    ...source,
    active: false,
    link: [...(source.link ?? []), { type: 'replaced-by', other: { reference: `Patient/${targetId}` } }],
  });
  const survivor = await repo.updateResource<Patient>({
    ...target,
    link: [...(target.link ?? []), { type: 'replaces', other: { reference: `Patient/${sourceId}` } }],
  });
  return { source: merged, target: survivor };
}

/**
 * Returns once the clock has moved past `instant` (meta.lastUpdated has millisecond resolution):
 * a change made afterwards is found by `_since=<instant>` and `_lastUpdated=gt<instant>`.
 */
export async function clockPast(instant: string): Promise<void> {
  while (Date.now() <= Date.parse(instant)) await new Promise((resolve) => setImmediate(resolve));
}
