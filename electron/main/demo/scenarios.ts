import { addDays, type IsoDate } from '../../../shared/domain/dates';
import { ALWAYS_TODAY, type DemoUnitKind } from './layout';
import type { ChildInput, DemoWriter, Lang, LinkInput, Sex } from './writer';

/** Clean mother (Sort 1, Joint, resides, email, reminder Email) and usually the father (Sort 2). */
function cleanParents(
  w: DemoWriter,
  surname: string,
  lang: Lang,
  occ: number,
  opts: { father?: boolean; portalAccount?: boolean } = {},
): [string, LinkInput][] {
  const mother = w.person('F', surname, lang, { email: true, reminder: 'Email', hasPortalAccount: opts.portalAccount });
  const links: [string, LinkInput][] = [[mother, { sort: 1, relationship: 'Mother', authority: 'Joint', resides: true }]];
  if (opts.father ?? occ % 3 !== 2) {
    const father = w.person('M', surname, lang, { email: true });
    links.push([father, { sort: 2, relationship: 'Father', authority: 'Joint', resides: true }]);
  }
  return links;
}

function kids(
  w: DemoWriter,
  familyId: string,
  surname: string,
  lang: Lang,
  dobs: readonly (IsoDate | null)[],
  links: readonly [string, LinkInput][],
  extra: Partial<ChildInput>[] = [],
): string[] {
  const names = extra.flatMap((e) => (e.first ? [e.first] : []));
  return dobs.map((dob, i) => {
    const sex: Sex = extra[i]?.sex ?? (w.rng.chance(0.5) ? 'F' : 'M');
    const given = extra[i]?.first;
    const first = given ?? w.firstName(lang, sex, names);
    if (!given) names.push(first);
    const id = w.child(familyId, { first, last: surname, dob, sex, ...extra[i] });
    for (const [contactId, link] of links) w.link(id, contactId, link);
    return id;
  });
}

/** One scenario unit (see DEMO_SCENARIOS for what each guarantees). */
export function writeScenario(w: DemoWriter, kind: DemoUnitKind): void {
  const occ = w.occurrences.get(kind) ?? 0;
  w.occurrences.set(kind, occ + 1);
  const rng = w.rng;
  const lang: Lang = occ % 4 === 3 ? 'es' : 'en';
  const surname = w.surname(lang);
  const bookToday = ALWAYS_TODAY.has(kind) || occ === 0 || rng.chance(w.todayRate);
  const today = w.today;
  let booked: string[] = [];
  let reasons: string[] | undefined;

  switch (kind) {
    case 'siblings-2':
    case 'siblings-3':
    case 'siblings-4':
    case 'siblings-5': {
      const n = Number(kind.slice(-1));
      const familyId = w.family(surname);
      const links = cleanParents(w, surname, lang, occ);
      // ages ~1–11: no newborn placeholder, no adolescent or minor-limit warnings.
      const dobs = w.siblingDobs(n, rng.int(400, 700), 450, n === 5 ? 800 : 1100);
      booked = kids(w, familyId, surname, lang, dobs, links);
      break;
    }
    case 'twins': {
      const familyId = w.family(surname);
      const links = cleanParents(w, surname, lang, occ);
      const twinDob = addDays(today, -rng.int(500, 3000));
      const dobs = occ % 2 === 0 ? [addDays(twinDob, -rng.int(500, 1200)), twinDob, twinDob] : [twinDob, twinDob];
      booked = kids(w, familyId, surname, lang, dobs, links);
      break;
    }
    case 'baby-girl': {
      const familyId = w.family(surname);
      const links = cleanParents(w, surname, lang, occ, { father: true });
      const siblings = w.siblingDobs(1 + (occ % 2), rng.int(700, 1500), 500, 1200);
      const newbornSex: Sex = occ % 2 === 0 ? 'F' : 'M';
      const newbornDob = addDays(today, -(2 + ((occ * 5) % 12)));
      const ids = kids(w, familyId, surname, lang, [...siblings, newbornDob], links, [
        ...siblings.map(() => ({})),
        { first: newbornSex === 'F' ? 'Baby Girl' : 'Baby Boy', sex: newbornSex },
      ]);
      booked = [ids[ids.length - 1]!, ids[ids.length - 2]!];
      reasons = ['Newborn weight check', 'Well child visit'];
      break;
    }
    case 'at-minor-limit': {
      // A household: the mother's daughter turns the limit today; her nephew (she is his
      // guardian) turns it within days; a younger child of hers.
      const familyId = w.family(surname);
      const mother = w.person('F', surname, lang, { email: true, reminder: 'Email' });
      const nephewSurname = w.surname(lang);
      const atLimit = w.yearsBefore(w.limit);
      const underLimit = addDays(atLimit, 1 + ((occ * 3) % 10));
      const younger = addDays(today, -rng.int(6 * 365, 10 * 365));
      const mom: LinkInput = { sort: 1, relationship: 'Mother', authority: 'Joint', resides: true };
      const names: string[] = [];
      const daughterName = w.firstName(lang, 'F');
      names.push(daughterName);
      const daughter = w.child(familyId, { first: daughterName, last: surname, dob: atLimit, sex: 'F' });
      w.link(daughter, mother, mom);
      const nephew = w.child(familyId, { first: w.firstName(lang, 'M'), last: nephewSurname, dob: underLimit, sex: 'M' });
      w.link(nephew, mother, { sort: 1, relationship: 'Guardian', authority: 'Exclusive', resides: true });
      const youngSex: Sex = rng.chance(0.5) ? 'F' : 'M';
      const young = w.child(familyId, { first: w.firstName(lang, youngSex, names), last: surname, dob: younger, sex: youngSex });
      w.link(young, mother, mom);
      booked = [daughter, nephew, young];
      reasons = ['Sports physical', 'Well child visit', 'Vaccines'];
      break;
    }
    case 'blended-pair': {
      // Family X (the mother's household): her two older children (Sort 1: mother) and the
      // youngest, whose Sort 1 is his father. The father is also Sort 1 of his two children in
      // family Y (their mother's household), where he does not reside: one guardian, two families.
      const fatherSurname = w.surname(lang);
      const familyX = w.family(surname);
      const mother = w.person('F', surname, lang, { email: true, reminder: 'Email' });
      const father = w.person('M', fatherSurname, lang, { email: true, reminder: 'Email' });
      const older = w.siblingDobs(2, rng.int(8 * 365, 10 * 365), 500, 1000);
      const motherLink: LinkInput = { sort: 1, relationship: 'Mother', authority: 'Joint', resides: true };
      const olderIds = kids(w, familyX, surname, lang, older, [[mother, motherLink]]);
      const youngestId = kids(
        w,
        familyX,
        fatherSurname,
        lang,
        [addDays(today, -rng.int(400, 1800))],
        [
          [father, { sort: 1, relationship: 'Father', authority: 'Joint', resides: true }],
          [mother, { sort: 2, relationship: 'Mother', authority: 'Joint', resides: true }],
        ],
      );
      booked = [...olderIds, ...youngestId];

      const familyY = w.family(fatherSurname);
      const exPartner = w.person('F', w.surname(lang), lang, { email: true });
      kids(w, familyY, fatherSurname, lang, w.siblingDobs(2, rng.int(5 * 365, 7 * 365), 450, 900), [
        [father, { sort: 1, relationship: 'Father', authority: 'Joint', resides: false }],
        [exPartner, { sort: 2, relationship: 'Mother', authority: 'Joint', resides: true }],
      ]);
      break;
    }
    case 'deceased-merged': {
      const familyId = w.family(surname);
      const links = cleanParents(w, surname, lang, occ, { father: true });
      const [olderDob, youngerDob] = w.siblingDobs(2, rng.int(700, 2000), 500, 1500);
      const youngerSex: Sex = rng.chance(0.5) ? 'F' : 'M';
      const youngerName = w.firstName(lang, youngerSex);
      // The Merged chart is a duplicate of the younger child: same name, sex and birth date.
      const ids = kids(w, familyId, surname, lang, [olderDob!, youngerDob!, addDays(today, -rng.int(3 * 365, 12 * 365)), youngerDob!], links, [
        {},
        { first: youngerName, sex: youngerSex },
        { status: 'Deceased' },
        { first: youngerName, sex: youngerSex, status: 'Merged' },
      ]);
      booked = ids.slice(0, 2);
      break;
    }
    case 'other-statuses': {
      const familyId = w.family(surname);
      const links = cleanParents(w, surname, lang, occ, { father: true });
      const dobs = w.siblingDobs(5, rng.int(500, 900), 400, 700);
      const ids = kids(w, familyId, surname, lang, dobs, links, [{ status: 'Inactive' }, { status: 'Transferred' }, {}, { status: 'In Collections' }, {}]);
      booked = [ids[2]!, ids[4]!];
      break;
    }
    case 'no-email': {
      const familyId = w.family(surname);
      const mother = w.person('F', surname, lang, { email: false, reminder: occ % 2 === 0 ? 'Text' : 'Phone' });
      const links: [string, LinkInput][] = [[mother, { sort: 1, relationship: 'Mother', authority: 'Joint', resides: true }]];
      if (occ % 2 === 1) {
        links.push([w.person('M', surname, lang, { email: true }), { sort: 2, relationship: 'Father', authority: 'Joint', resides: true }]);
      }
      booked = kids(w, familyId, surname, lang, w.siblingDobs(2, rng.int(400, 2500), 450, 1200), links);
      break;
    }
    case 'no-authority': {
      const familyId = w.family(surname);
      const father = w.person('M', surname, lang, { email: true });
      const links: [string, LinkInput][] = [
        [father, { sort: 1, relationship: 'Father', authority: occ % 2 === 0 ? 'None' : null, resides: false, portalFlag: occ % 2 === 1 }],
      ];
      if (occ % 3 !== 2) {
        const mother = w.person('F', surname, lang, { email: true });
        links.push([mother, { sort: 2, relationship: 'Mother', authority: 'Joint', resides: true }]);
      }
      booked = kids(w, familyId, surname, lang, w.siblingDobs(2, rng.int(400, 2500), 450, 1200), links);
      break;
    }
    case 'portal-flag-only': {
      const familyId = w.family(surname);
      const links = cleanParents(w, surname, lang, occ, { father: false });
      const grandmother = w.person('F', w.surname(lang), lang, { email: true, reminder: 'Email' });
      links.push([grandmother, { sort: 2, relationship: 'Grandmother', authority: occ % 2 === 0 ? 'None' : null, resides: false, portalFlag: true }]);
      booked = kids(w, familyId, surname, lang, w.siblingDobs(2, rng.int(400, 2500), 450, 1200), links);
      break;
    }
    case 'no-contacts': {
      const familyId = w.family(surname);
      booked = kids(w, familyId, surname, lang, w.siblingDobs(1 + (occ % 2), rng.int(400, 3000), 450, 1200), []);
      break;
    }
    case 'portal-account': {
      const familyId = w.family(surname);
      const links = cleanParents(w, surname, lang, occ, { portalAccount: true });
      const [olderDob, youngerDob] = w.siblingDobs(2, rng.int(400, 1500), 700, 1500);
      const ids = kids(w, familyId, surname, lang, [olderDob!, youngerDob!, null], links, [{ portalLinked: true }, {}, {}]);
      booked = [ids[1]!, ids[2]!];
      break;
    }
  }
  if (bookToday) w.bookTogether(booked, today, reasons);
}
