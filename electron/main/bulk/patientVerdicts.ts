import { bulkPatientVerdict, type BulkVerdict } from '../../../shared/domain/bulkEligibility';
import type { IsoDate } from '../../../shared/domain/dates';
import { PATIENT_STATUSES } from '../../../shared/domain/patient';

// The patient half of the Bulk verdict (bulkPatientVerdict: status, date of birth, age) for the
// pass (snapshot.ts), which asks it once per patient: 200,000 patients share a few thousand
// (date of birth, status) pairs. A table indexed by day and status code answers with two array
// reads; a Map lookup per patient cost far more (a third of the pass in a profile).

const FIRST_YEAR = 1900;
const YEARS = 256;
const DAYS = YEARS * 12 * 31;
/** Status codes (PATIENT_STATUSES has 6; the pass's codes are digits below 8). */
const PER_DAY = 8;

export class PatientVerdicts {
  /**
   * By (status, day), status first so the Active patients' days sit together (a small part of the
   * table stays in the CPU's cache): 0 not worked out yet, else 1 + the verdict's index in `verdicts`.
   */
  private readonly slots = new Uint32Array(DAYS * PER_DAY);
  private readonly verdicts: (BulkVerdict | null)[] = [];
  /** Dates outside the table's years or months and days that do not exist: by dateKey * 8 + status. */
  private readonly others = new Map<number, BulkVerdict | null>();

  constructor(
    readonly today: IsoDate,
    readonly minorAgeLimit: number,
  ) {}

  /**
   * The verdict of a patient with status code `status` (PATIENT_STATUSES index, below 8) whose
   * date of birth is written `dddd-dd-dd` as the last ten characters of `r` from `at`, and
   * `dateKey` the number those digits spell (passRows.ts dateKeyAt).
   */
  of(dateKey: number, r: string, at: number, status: number): BulkVerdict | null {
    const year = Math.floor(dateKey / 10_000) - FIRST_YEAR;
    const month = Math.floor(dateKey / 100) % 100;
    const day = dateKey % 100;
    if (year < 0 || year >= YEARS || month < 1 || month > 12 || day < 1 || day > 31) return this.other(dateKey, r, at, status);
    const slot = status * DAYS + (year * 12 + month - 1) * 31 + day - 1;
    const known = this.slots[slot]!;
    if (known !== 0) return this.verdicts[known - 1]!;
    const verdict = this.judge(r, at, status);
    this.verdicts.push(verdict);
    this.slots[slot] = this.verdicts.length;
    return verdict;
  }

  private other(dateKey: number, r: string, at: number, status: number): BulkVerdict | null {
    const key = dateKey * PER_DAY + status;
    let verdict = this.others.get(key);
    if (verdict === undefined) {
      verdict = this.judge(r, at, status);
      this.others.set(key, verdict);
    }
    return verdict;
  }

  private judge(r: string, at: number, status: number): BulkVerdict | null {
    return bulkPatientVerdict({ status: PATIENT_STATUSES[status]!, dateOfBirth: r.slice(at) }, this.minorAgeLimit, this.today);
  }
}

let kept: PatientVerdicts | null = null;

/** The table for today's date and Minor Age Limit, kept from pass to pass (a pure rule's answers). */
export function patientVerdictsFor(today: IsoDate, minorAgeLimit: number): PatientVerdicts {
  if (kept === null || kept.today !== today || kept.minorAgeLimit !== minorAgeLimit) kept = new PatientVerdicts(today, minorAgeLimit);
  return kept;
}
