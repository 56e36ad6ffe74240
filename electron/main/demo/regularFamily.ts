import type { Authority, ReminderMethod } from '../../../shared/domain/patient';
import { addDays } from '../../../shared/domain/dates';
import { STATUS_WEIGHTS } from './namePools';
import type { DemoWriter, Lang, LinkInput, Sex } from './writer';

/** One regular family: realistic household patterns, ages, statuses and occasional data-quality problems. */
export function writeRegularFamily(w: DemoWriter): void {
  const rng = w.rng;
  const lang: Lang = rng.chance(0.15) ? 'es' : 'en';
  const surname = w.surname(lang);
  const familyId = w.family(surname);
  const n = rng.weighted([
    [1, 35],
    [2, 35],
    [3, 20],
    [4, 7],
    [5, 3],
  ] as const);
  const pattern = rng.weighted([
    ['two-parents', 62],
    ['mother-only', 16],
    ['father-only', 4],
    ['separated', 7],
    ['grandparent', 4],
    ['stepfather', 5],
    ['aunt-guardian', 2],
  ] as const);
  const portalFamily = rng.chance(0.04);

  // Contacts with their link to every child; the Sort-1 contact holds the portal account.
  const links: [string, LinkInput][] = [];
  const adult = (sex: Sex, last: string, primary: boolean, reminder?: ReminderMethod | null) =>
    w.person(sex, last, lang, { messy: true, email: 'usual', hasPortalAccount: primary && portalFamily, reminder });
  const motherSurname = () => (rng.chance(0.8) ? surname : w.surname(lang));
  const flag = () => rng.chance(0.12);
  switch (pattern) {
    case 'two-parents': {
      const fatherFirst = rng.chance(0.12);
      const m = adult('F', motherSurname(), !fatherFirst);
      const f = adult('M', surname, fatherFirst);
      links.push([m, { sort: fatherFirst ? 2 : 1, relationship: 'Mother', authority: 'Joint', resides: true, portalFlag: !fatherFirst && flag() }]);
      links.push([f, { sort: fatherFirst ? 1 : 2, relationship: 'Father', authority: 'Joint', resides: true, portalFlag: fatherFirst && flag() }]);
      break;
    }
    case 'mother-only': {
      const authority = rng.weighted<Authority | null>([
        ['Joint', 55],
        ['Exclusive', 35],
        [null, 10],
      ]);
      links.push([adult('F', motherSurname(), true), { sort: 1, relationship: 'Mother', authority, resides: true, portalFlag: flag() }]);
      break;
    }
    case 'father-only':
      links.push([
        adult('M', surname, true),
        { sort: 1, relationship: 'Father', authority: rng.chance(0.6) ? 'Joint' : 'Exclusive', resides: true, portalFlag: flag() },
      ]);
      break;
    case 'separated':
      links.push([adult('F', motherSurname(), true), { sort: 1, relationship: 'Mother', authority: 'Joint', resides: true, portalFlag: flag() }]);
      links.push([adult('M', surname, false), { sort: 2, relationship: 'Father', authority: 'Joint', resides: false }]);
      break;
    case 'grandparent': {
      const g = adult('F', surname, true, rng.chance(0.5) ? 'Phone' : undefined);
      links.push([g, { sort: 1, relationship: rng.chance(0.5) ? 'Grandmother' : 'Guardian', authority: 'Exclusive', resides: true, portalFlag: flag() }]);
      if (rng.chance(0.4)) {
        links.push([adult('M', surname, false), { sort: 2, relationship: 'Grandfather', authority: null, resides: true }]);
      }
      break;
    }
    case 'stepfather':
      links.push([adult('F', motherSurname(), true), { sort: 1, relationship: 'Mother', authority: 'Joint', resides: true, portalFlag: flag() }]);
      links.push([adult('M', w.surname(lang), false), { sort: 2, relationship: 'Stepfather', authority: 'None', resides: true }]);
      break;
    case 'aunt-guardian':
      links.push([adult('F', w.surname(lang), true), { sort: 1, relationship: 'Aunt', authority: 'Exclusive', resides: true }]);
      break;
  }

  // Children: mostly 0–17, a few up to 20 (7,600 days); ~3% of families have a newborn.
  const gaps = Array.from({ length: n - 1 }, () => rng.int(380, 1400));
  const span = gaps.reduce((a, b) => a + b, 0);
  let youngest = rng.chance(0.03) ? rng.int(1, 28) : rng.int(0, Math.max(30, 6300 - span));
  if (rng.chance(0.06)) youngest += rng.int(0, Math.max(0, 7600 - span - youngest));
  const ages = [youngest];
  for (const gap of gaps) ages.push(ages[ages.length - 1]! + gap);
  const dobs = ages.reverse().map((days) => addDays(w.today, -days));
  const newbornAfter = addDays(w.today, -30);
  const active: string[] = [];
  const names: string[] = [];
  for (const dob of dobs) {
    const sex: Sex = rng.chance(0.5) ? 'F' : 'M';
    const placeholder = dob > newbornAfter && rng.chance(0.4);
    const first = placeholder ? (sex === 'F' ? 'Baby Girl' : 'Baby Boy') : w.firstName(lang, sex, names);
    names.push(first);
    const status = rng.weighted(STATUS_WEIGHTS);
    const id = w.child(familyId, {
      first,
      last: surname,
      dob: rng.chance(0.003) ? null : dob,
      sex,
      status,
      portalLinked: portalFamily && status === 'Active' && rng.chance(0.6),
    });
    if (status === 'Active') active.push(id);
    for (const [contactId, link] of links) w.link(id, contactId, link);
  }
  w.maybeBook(active);
}
