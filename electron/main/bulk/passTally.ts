import type { ExclusionReason } from '../../../shared/bulk/api';
import { EXCLUSION_REASONS } from '../../../shared/bulk/api';
import type { BulkVerdict } from '../../../shared/domain/bulkEligibility';
import type { Row } from './passRows';

export interface Excluded {
  row: Row;
  reason: ExclusionReason;
  detail: string;
}

export function emptyCounts(): Record<ExclusionReason, number> {
  return Object.fromEntries(EXCLUSION_REASONS.map((r) => [r, 0])) as Record<ExclusionReason, number>;
}

/**
 * A set of rowids in first-added order, like Set<number> without hashing or rehashing 100,000
 * entries: a bitmap when the rowids are small enough (they are, for a mirror), else a Set.
 */
export class RowidSet {
  private readonly seen: Uint8Array;
  /** Rowids beyond the bitmap (a mirror with huge rowids, or rows written during the pass). */
  private others: Set<number> | null = null;
  private readonly order: number[] = [];

  constructor(maxRowid: number) {
    this.seen = new Uint8Array(maxRowid >= 0 && maxRowid <= 16_000_000 ? maxRowid + 1 : 0);
  }

  add(rowid: number): void {
    if (rowid >= 0 && rowid < this.seen.length) {
      if (this.seen[rowid] !== 0) return;
      this.seen[rowid] = 1;
    } else {
      this.others ??= new Set<number>();
      if (this.others.has(rowid)) return;
      this.others.add(rowid);
    }
    this.order.push(rowid);
  }

  get size(): number {
    return this.order.length;
  }

  /** In first-added order. */
  values(): number[] {
    return this.order;
  }
}

/**
 * What the pass keeps of each judged patient: the eligible children with their guardian, the
 * exclusions and their counts, and the Active patients (the worklist's population).
 */
export class PassTally {
  /** Eligible children: patient rowid and guardian (contact) rowid, side by side. */
  readonly eligiblePatients: number[] = [];
  readonly eligibleGuardians: number[] = [];
  readonly guardianSet: RowidSet;
  readonly excluded: Excluded[] = [];
  readonly counts = emptyCounts();
  /** Active patients: patient rowid, Primary Contact rowid (-1: none), link bits. */
  readonly activePatients: number[] = [];
  readonly activeContacts: number[] = [];
  readonly activeBits: number[] = [];
  readonly activeContactSet: RowidSet;
  patients = 0;

  constructor(
    maxContact: number,
    private readonly withWorklist: boolean,
  ) {
    this.guardianSet = new RowidSet(maxContact);
    this.activeContactSet = new RowidSet(maxContact);
  }

  /**
   * One patient's verdict. `primary`: the Primary Contact's rowid (null: none), `bits` its link
   * bits; `row` is what an exclusion keeps (null only when the patient is eligible).
   */
  record(verdict: BulkVerdict, prow: number, primary: number | null, bits: number, active: boolean, row: Row | null): void {
    this.patients += 1;
    if (verdict.eligible) {
      this.eligiblePatients.push(prow);
      this.eligibleGuardians.push(primary!);
      this.guardianSet.add(primary!);
    } else {
      this.counts[verdict.reason] += 1;
      if (row === null) throw new Error('An excluded patient needs its row.');
      this.excluded.push({ row, reason: verdict.reason, detail: verdict.detail });
    }
    if (this.withWorklist && active) {
      this.activePatients.push(prow);
      this.activeContacts.push(primary ?? -1);
      if (primary !== null) this.activeContactSet.add(primary);
      this.activeBits.push(bits);
    }
  }
}
