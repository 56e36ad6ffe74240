import type { EligibleChild, EligibleGuardian } from '../../../shared/bulk/api';
import { Pacer, sortByKey } from '../lib/pacing';
import { compareKeys, nameKey, type Readers } from './rowidReaders';

/**
 * Guardians in campaign order. On the first request the guardians' names are read and sorted;
 * what stays is compact (the order as contact rowids, each guardian's children as a range of one
 * array of patient rowids); the details of a page are read when the page is asked for.
 */
export function lazyGuardians(
  read: Readers,
  patients: readonly number[],
  contacts: readonly number[],
  count: number,
): (offset?: number, limit?: number) => Promise<EligibleGuardian[]> {
  interface Order {
    guardians: Int32Array; // contact rowids, campaign order
    start: Int32Array; // children of guardians[i]: kids[start[i] .. start[i + 1])
    kids: Int32Array;
  }
  let order: Promise<Order> | null = null;

  const build = async (): Promise<Order> => {
    const pacer = new Pacer();
    // children per guardian, grouped by contact rowid
    const perGuardian = new Map<number, number[]>();
    for (let i = 0; i < patients.length; i++) {
      const list = perGuardian.get(contacts[i]!);
      if (list) list.push(patients[i]!);
      else perGuardian.set(contacts[i]!, [patients[i]!]);
      if (pacer.due()) await pacer.pause();
    }
    const details = await read.contacts([...perGuardian.keys()], pacer);
    const keyed: { crow: number; key: string }[] = [];
    for (const [crow, c] of details) {
      keyed.push({ crow, key: nameKey(c.lastName, c.firstName, c.id) });
      if (pacer.due()) await pacer.pause();
    }
    const sorted = await sortByKey(keyed, (k) => k.key, pacer);
    const guardians = new Int32Array(sorted.length);
    const start = new Int32Array(sorted.length + 1);
    const kids = new Int32Array(patients.length);
    let n = 0;
    for (let i = 0; i < sorted.length; i++) {
      guardians[i] = sorted[i]!.crow;
      start[i] = n;
      for (const prow of perGuardian.get(sorted[i]!.crow)!) kids[n++] = prow;
      if (pacer.due()) await pacer.pause();
    }
    start[sorted.length] = n;
    return { guardians, start, kids };
  };

  return async (offset = 0, limit = count) => {
    order ??= build();
    const { guardians, start, kids } = await order;
    const from = Math.min(offset, guardians.length);
    const to = Math.min(guardians.length, offset + limit);
    const pacer = new Pacer();
    const page = Array.from(guardians.subarray(from, to));
    const contactDetails = await read.contacts(page, pacer);
    const children = await read.patients(Array.from(kids.subarray(start[from]!, start[to]!)), pacer);
    const result: EligibleGuardian[] = [];
    for (let i = from; i < to; i++) {
      const c = contactDetails.get(guardians[i]!);
      if (!c) continue; // removed since the pass
      const list: EligibleChild[] = [];
      for (let k = start[i]!; k < start[i + 1]!; k++) {
        const p = children.get(kids[k]!);
        if (p)
          list.push({ patientId: p.id, firstName: p.firstName, lastName: p.lastName, dateOfBirth: (p.dateOfBirth ?? '').trim(), chartNumber: p.chartNumber });
      }
      list.sort((a, b) => compareKeys(a.dateOfBirth, b.dateOfBirth) || compareKeys(a.patientId, b.patientId));
      result.push({
        contactId: c.id,
        firstName: c.firstName,
        lastName: c.lastName,
        email: (c.email ?? '').trim(),
        mobilePhone: c.mobilePhone,
        preferredReminder: c.preferredReminder,
        children: list,
      });
      if (pacer.due()) await pacer.pause();
    }
    return result;
  };
}
