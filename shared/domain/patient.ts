/** Patient statuses as the practice system records them. Only Active patients get PINs. */
export const PATIENT_STATUSES = ['Active', 'Inactive', 'Transferred', 'Deceased', 'Merged', 'In Collections'] as const;
export type PatientStatus = (typeof PATIENT_STATUSES)[number];

/** Seed rule: every patient except Inactive, Transferred, Deceased, Merged or In Collections. */
export function isStatusEligible(status: PatientStatus): boolean {
  return status === 'Active';
}

/** Authority values a Family Contact can hold for one patient (null when the field is empty). */
export const AUTHORITIES = ['Joint', 'Exclusive', 'None'] as const;
export type Authority = (typeof AUTHORITIES)[number];

export const REMINDER_METHODS = ['Email', 'Text', 'Phone', 'None'] as const;
export type ReminderMethod = (typeof REMINDER_METHODS)[number];
