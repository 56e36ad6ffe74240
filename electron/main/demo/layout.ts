import type BetterSqlite3 from 'better-sqlite3';
import { DEMO_CLERK_ID } from './accounts';
import { pad6 } from './ids';

// Which unit of the demo layout is which scenario: pure functions of the unit index (see demoPractice.ts).

/**
 * What a scenario family guarantees (at any minorAgeLimit from 12 to 21, for the `today` it was
 * seeded with):
 * - `siblings-2` … `siblings-5`: exactly N children, all Active, all with a date of birth, real
 *   names, ages 1–11 (no age warnings), not portal-linked; every child's Sort-1 contact is the
 *   same person (the mother: Joint, resides, has an email, preferred reminder Email, no portal
 *   account). Most also have the father linked as Sort 2 (Joint, resides, with email).
 *   Every `siblings-3` family has all three children booked today.
 * - `twins`: two Active children with the same date of birth (and sometimes an older sibling),
 *   same clean mother as above.
 * - `baby-girl`: a newborn (2–13 days old) whose first name is 'Baby Girl' or 'Baby Boy', plus one
 *   or two named Active siblings; clean mother. Booked today.
 * - `at-minor-limit`: a patient whose age today is exactly the Minor Age Limit (birthday today).
 *   Booked today.
 * - `under-minor-limit` (same family): a patient one year under the limit who turns it within
 *   1–10 days (the first one tomorrow). The family also has a younger child.
 * - `deceased-sibling`, `merged-sibling` (same family): two Active children, a Deceased one, and a
 *   Merged duplicate chart of the younger Active child (same name and date of birth).
 * - `inactive-sibling`, `transferred-sibling`, `in-collections-sibling` (same family): two Active
 *   children plus one Inactive, one Transferred and one In Collections.
 * - `blended`: siblings of one family with different Sort-1 Primary Contacts (the two older
 *   children: mother; the youngest: his father, the mother being Sort 2). Booked today.
 * - `shared-guardian`: the blended family and the next family: the father is the Sort-1
 *   eligible Primary Contact of children in both (Joint; he does not reside in the second one).
 * - `no-email`: the Sort-1 eligible contact (mother) of every child has no email.
 * - `no-authority`: every child's Sort-1 contact has authority None or empty and does not reside
 *   (no eligible Primary Contact); some have a Sort-2 mother with Joint authority who resides
 *   (which must not count), some have the Portal column set on the Sort-1 contact.
 * - `portal-flag-only`: a grandmother linked as Sort 2 with the Portal column set, no authority,
 *   not residing (never eligible); the mother is the clean Sort-1 contact.
 * - `no-contacts`: children with no patient_contacts rows at all.
 * - `portal-account`, `portal-linked`, `no-dob` (same family): the Sort-1 mother already has a
 *   portal account; one child is already linked to it, one is not, one has no date of birth.
 */
export const DEMO_SCENARIOS = [
  'siblings-2',
  'siblings-3',
  'siblings-4',
  'siblings-5',
  'twins',
  'baby-girl',
  'at-minor-limit',
  'under-minor-limit',
  'deceased-sibling',
  'merged-sibling',
  'inactive-sibling',
  'transferred-sibling',
  'in-collections-sibling',
  'blended',
  'shared-guardian',
  'no-email',
  'no-authority',
  'portal-flag-only',
  'no-contacts',
  'portal-account',
  'portal-linked',
  'no-dob',
] as const;
export type DemoScenario = (typeof DEMO_SCENARIOS)[number];

/** A scenario unit of the layout (one family, or two for `blended-pair`). */
export type DemoUnitKind =
  | 'siblings-3'
  | 'baby-girl'
  | 'at-minor-limit'
  | 'blended-pair'
  | 'siblings-2'
  | 'siblings-4'
  | 'siblings-5'
  | 'twins'
  | 'deceased-merged'
  | 'other-statuses'
  | 'no-email'
  | 'no-authority'
  | 'portal-flag-only'
  | 'no-contacts'
  | 'portal-account';

/** One round of scenario units, in layout order. */
export const DEMO_ROUND: readonly DemoUnitKind[] = [
  'siblings-3',
  'baby-girl',
  'at-minor-limit',
  'blended-pair',
  'siblings-2',
  'siblings-4',
  'siblings-5',
  'twins',
  'deceased-merged',
  'other-statuses',
  'no-email',
  'no-authority',
  'portal-flag-only',
  'no-contacts',
  'portal-account',
];

/** Scenario tags of each family a unit creates, in creation order. */
const UNIT_FAMILY_TAGS: Record<DemoUnitKind, readonly (readonly DemoScenario[])[]> = {
  'siblings-3': [['siblings-3']],
  'baby-girl': [['baby-girl']],
  'at-minor-limit': [['at-minor-limit', 'under-minor-limit']],
  'blended-pair': [['blended', 'shared-guardian'], ['shared-guardian']],
  'siblings-2': [['siblings-2']],
  'siblings-4': [['siblings-4']],
  'siblings-5': [['siblings-5']],
  twins: [['twins']],
  'deceased-merged': [['deceased-sibling', 'merged-sibling']],
  'other-statuses': [['inactive-sibling', 'transferred-sibling', 'in-collections-sibling']],
  'no-email': [['no-email']],
  'no-authority': [['no-authority']],
  'portal-flag-only': [['portal-flag-only']],
  'no-contacts': [['no-contacts']],
  'portal-account': [['portal-account', 'portal-linked', 'no-dob']],
};

/** Units whose families are always booked today (the check-in list must show them). */
export const ALWAYS_TODAY: ReadonlySet<DemoUnitKind> = new Set(['siblings-3', 'baby-girl', 'at-minor-limit', 'blended-pair']);

const DENSE_ROUNDS = 3;
const SPARSE_EVERY = 10;
const DENSE_UNITS = DENSE_ROUNDS * DEMO_ROUND.length;

/** What unit `unit` (0-based) of the layout is. Pure. */
export function demoUnitKind(unit: number): DemoUnitKind | 'regular' {
  if (unit < DENSE_UNITS) return DEMO_ROUND[unit % DEMO_ROUND.length]!;
  const r = unit - DENSE_UNITS;
  if (r % SPARSE_EVERY !== SPARSE_EVERY - 1) return 'regular';
  return DEMO_ROUND[(DENSE_UNITS + Math.floor(r / SPARSE_EVERY)) % DEMO_ROUND.length]!;
}

export function demoUnitFamilyCount(kind: DemoUnitKind | 'regular'): number {
  return kind === 'regular' ? 1 : UNIT_FAMILY_TAGS[kind].length;
}

export function demoFamilyId(familyIndex: number): string {
  return `fam-${pad6(familyIndex + 1)}`;
}

/**
 * Scenario tags of the family at `familyIndex` (0-based; family id `demoFamilyId(i)`) in a
 * demo of `totalFamilies` families. Pure. The generator never cuts a two-family unit: when only
 * one family is left it makes a regular family instead, which `totalFamilies` accounts for.
 */
export function scenarioForFamilyIndex(familyIndex: number, totalFamilies = Number.POSITIVE_INFINITY): DemoScenario[] {
  if (familyIndex < 0 || familyIndex >= totalFamilies) return [];
  let first = 0;
  for (let unit = 0; ; unit++) {
    const kind = demoUnitKind(unit);
    const count = demoUnitFamilyCount(kind);
    if (familyIndex < first + count) {
      if (kind === 'regular' || first + count > totalFamilies) return [];
      return [...UNIT_FAMILY_TAGS[kind][familyIndex - first]!];
    }
    first += count;
  }
}

/**
 * Family ids per scenario in a mirror seeded by {@link seedDemoPractice} (in family order).
 * Recomputed from the layout and the families present; a mirror without the demo clerk was not
 * seeded by the demo and gets empty lists.
 */
export function demoScenarioFamilies(sqlite: BetterSqlite3.Database): Record<DemoScenario, string[]> {
  const result = Object.fromEntries(DEMO_SCENARIOS.map((s) => [s, [] as string[]])) as Record<DemoScenario, string[]>;
  const seeded = sqlite.prepare('SELECT 1 FROM clerks WHERE id = ?').get(DEMO_CLERK_ID);
  if (!seeded) return result;
  const ids = new Set(sqlite.prepare(`SELECT id FROM families WHERE id LIKE 'fam-%'`).pluck().all() as string[]);
  let total = 0;
  while (ids.has(demoFamilyId(total))) total += 1;
  let first = 0;
  for (let unit = 0; first < total; unit++) {
    const kind = demoUnitKind(unit);
    const count = demoUnitFamilyCount(kind);
    if (kind !== 'regular' && first + count <= total) {
      UNIT_FAMILY_TAGS[kind].forEach((tags, k) => {
        for (const tag of tags) result[tag].push(demoFamilyId(first + k));
      });
    }
    first += count;
  }
  return result;
}
