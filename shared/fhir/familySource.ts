/**
 * Where the FHIR source's families came from, saved after each load (sync_state
 * `fhir_family_source`) so Settings can say it: the EHR's household Groups, or derived by the
 * desk from shared guardians and the patient's home address, or both.
 */
export const FAMILY_SOURCES = ['household_groups', 'guardians_and_address', 'mixed'] as const;
export type FamilySource = (typeof FAMILY_SOURCES)[number];

export const FAMILY_SOURCE_WORDS: Record<FamilySource, string> = {
  household_groups: 'Families come from the EHR’s household groups.',
  guardians_and_address: 'The EHR has no household groups: families are children who share a parent or guardian and a home address.',
  mixed: 'Families come from the EHR’s household groups; children in none are grouped by shared parent or guardian and home address.',
};

export const FAMILY_SOURCE_KEY = 'fhir_family_source';

/** What the last load placed, by how (patients counted). */
export interface FamilySourceSummary {
  source: FamilySource;
  /** Patients placed by a household Group. */
  households: number;
  /** Patients kept in the family the mirror already gave them. */
  mirror: number;
  /** Patients whose family was derived from shared guardians and address. */
  derived: number;
}
