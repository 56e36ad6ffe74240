import type { ExclusionReason, ExclusionRow } from '../../../shared/bulk/api';
import { bulkVerdict } from '../../../shared/domain/bulkEligibility';
import type { IsoDate } from '../../../shared/domain/dates';
import { Pacer, sortByKey } from '../lib/pacing';
import type { Excluded } from './passTally';
import { LINK_BY_BITS } from './passRows';
import { nameKey, type Readers } from './rowidReaders';

/** Exclusions whose detail names the contact: their name is read back with the patient's details. */
const NEEDS_NAME = new Set<ExclusionReason>(['primary_without_authority', 'no_email']);

export function lazyExclusions(read: Readers, excluded: readonly Excluded[], minorAgeLimit: number, today: IsoDate): () => Promise<ExclusionRow[]> {
  let list: Promise<ExclusionRow[]> | null = null;
  return () => (list ??= buildExclusions(read, excluded, minorAgeLimit, today));
}

/** The exclusions with the patient's details, and the contact's name where the detail names them. */
async function buildExclusions(read: Readers, excluded: readonly Excluded[], minorAgeLimit: number, today: IsoDate): Promise<ExclusionRow[]> {
  const pacer = new Pacer();
  const patients = await read.patients(
    excluded.map((e) => e.row.prow),
    pacer,
  );
  const named = await read.contacts([...new Set(excluded.filter((e) => NEEDS_NAME.has(e.reason) && e.row.crow !== null).map((e) => e.row.crow!))], pacer);
  const rows: { key: string; out: ExclusionRow }[] = [];
  for (const e of excluded) {
    if (pacer.due()) await pacer.pause();
    const p = patients.get(e.row.prow);
    if (!p) continue; // removed since the pass
    let detail = e.detail;
    const contact = e.row.crow !== null ? named.get(e.row.crow) : undefined;
    if (contact && e.row.bits !== null) {
      const again = bulkVerdict(
        { status: e.row.status, dateOfBirth: e.row.dob },
        { link: LINK_BY_BITS[e.row.bits]!, email: e.row.email, firstName: contact.firstName, lastName: contact.lastName },
        minorAgeLimit,
        today,
      );
      if (!again.eligible && again.reason === e.reason) detail = again.detail;
    }
    rows.push({
      key: nameKey(p.lastName, p.firstName, p.id),
      out: { patientId: p.id, firstName: p.firstName, lastName: p.lastName, chartNumber: p.chartNumber, reason: e.reason, detail },
    });
  }
  return (await sortByKey(rows, (r) => r.key, pacer)).map((r) => r.out);
}
