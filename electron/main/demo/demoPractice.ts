import type BetterSqlite3 from 'better-sqlite3';
import { Faker, en, en_US, es, es_MX } from '@faker-js/faker';
import { addDays, formatIsoDate, isLeapYear, parseIsoDate, type IsoDate } from '../../../shared/domain/dates';
import { isUnofficialName } from '../../../shared/domain/names';
import type { Authority, PatientStatus, ReminderMethod } from '../../../shared/domain/patient';
import { reindexAllPatients } from '../search/indexer';

/**
 * The built-in demo practice: a deterministic, realistic-looking mirror for first runs, demos,
 * end-to-end tests and the benchmark.
 *
 * Same options ⇒ byte-identical rows. Names come from a seeded Faker; every structural choice
 * comes from a small seeded PRNG; ids are counters (fam-000001, pat-000001, con-000001,
 * apt-000001). Nothing reads the clock: `today` and `now` are given.
 *
 * Layout. The mirror is a sequence of "units"; a unit is one regular family or one scenario
 * (a scenario is one family, except the blended/shared-guardian scenario, which is two). The
 * first three rounds of units are all scenarios ({@link DEMO_ROUND}: 15 units, 16 families), so
 * families 1–16 hold every scenario once and families 1–48 hold each of them three times. After
 * that every tenth unit is a scenario, cycling through the round. The layout is a pure function
 * of the unit index ({@link demoUnitKind}), so {@link demoScenarioFamilies} recomputes which
 * families are which without storing anything.
 */

export interface DemoOptions {
  /** How many families (default 300). Ignored when `patients` is set. */
  families?: number;
  /** If set, generate families until at least this many patients exist (bench: 200_000). */
  patients?: number;
  /** Default 20261122. */
  seed?: number;
  /** 'YYYY-MM-DD', the practice-local date: ages and today's appointments are relative to it. */
  today: string;
  /** For updated_at / created_at timestamps. */
  now: Date;
  /** Default 18. The at/just-under-the-limit scenario patients are built from it. */
  minorAgeLimit?: number;
}

export interface DemoSummary {
  families: number;
  patients: number;
  contacts: number;
  appointmentsToday: number;
  demoClerkId: string;
}

export const DEMO_CLERK_ID = 'clerk-demo';
export const DEMO_ADMIN_CLERK_ID = 'clerk-demo-admin';
/**
 * The demo practice's sign-ins. Known on purpose: the sign-in screen shows them, in demo mode only.
 * The rows are seeded without a password (seeding is synchronous and byte-identical); the app
 * hashes these when it opens the demo (electron/main/clerks/demoAccounts.ts).
 */
export const DEMO_ACCOUNTS = [
  { clerkId: DEMO_CLERK_ID, username: 'demo', password: 'demo-clerk-2026' },
  { clerkId: DEMO_ADMIN_CLERK_ID, username: 'admin', password: 'demo-admin-2026' },
] as const;
export const DEMO_DEFAULT_SEED = 20261122;
export const DEMO_DEFAULT_FAMILIES = 300;

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
const ALWAYS_TODAY: ReadonlySet<DemoUnitKind> = new Set(['siblings-3', 'baby-girl', 'at-minor-limit', 'blended-pair']);

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

// ---------------------------------------------------------------------------------------------
// Generation

type Lang = 'en' | 'es';
type Sex = 'F' | 'M';

/** sfc32: small, fast, seeded; every structural choice goes through it. */
class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.next();
  }
  /** [0, 1) */
  next(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }
  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let x = this.next() * total;
    for (const [value, w] of items) {
      x -= w;
      if (x < 0) return value;
    }
    return items[items.length - 1]![0];
  }
}

/** Common US surnames (census order, roughly); Faker's own English list is mostly whimsical, so it supplies only a few. */
const US_SURNAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee',
  'Thompson', 'White', 'Harris', 'Clark', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King',
  'Wright', 'Scott', 'Nguyen', 'Hill', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Campbell',
  'Mitchell', 'Carter', 'Roberts', 'Phillips', 'Evans', 'Turner', 'Parker', 'Collins', 'Edwards', 'Stewart',
  'Morris', 'Murphy', 'Cook', 'Rogers', 'Morgan', 'Peterson', 'Cooper', 'Reed', 'Bailey', 'Bell',
  'Kelly', 'Howard', 'Ward', 'Cox', 'Richardson', 'Wood', 'Watson', 'Brooks', 'Bennett', 'Gray',
  'James', 'Hughes', 'Price', 'Sanders', 'Myers', 'Long', 'Ross', 'Foster', 'Powell', 'Jenkins',
  'Perry', 'Russell', 'Sullivan', 'Fisher', 'Henderson', 'Coleman', 'Simmons', 'Patterson', 'Jordan', 'Reynolds',
  'Hamilton', 'Graham', 'Kim', 'Wallace', 'Woods', 'Cole', 'West', 'Owens', 'Marshall', 'Tran',
  'Ellis', 'Harrison', 'Gibson', 'McDonald', 'Murray', 'Ford', 'Hayes', 'Kennedy', 'Wells', 'Alexander',
  'Stevens', 'Tucker', 'Porter', 'Hunter', 'Hicks', 'Crawford', 'Boyd', 'Mason', 'Warren', 'Dixon',
  'Burns', 'Gordon', 'Shaw', 'Holmes', 'Rice', 'Robertson', 'Hunt', 'Black', 'Daniels', 'Palmer',
  'Mills', 'Grant', 'Knight', 'Ferguson', 'Stone', 'Hawkins', 'Dunn', 'Perkins', 'Hudson', 'Spencer',
  'Stephens', 'Pierce', 'Hansen', 'Wagner', 'Schmidt', 'Carroll', 'Duncan', 'Armstrong', 'Chen', 'Wong',
  'Patel', 'Shah', 'Singh', 'Park', 'Choi', 'Pham', 'Le', 'Huang', 'Zhang', 'Wang',
  "O'Brien", "O'Connor", 'Walsh', 'Byrne', 'Doyle', 'Quinn', 'Fitzgerald', 'Brennan', 'Costa', 'Silva',
  'Pereira', 'Santos', 'Oliveira', 'Rossi', 'Russo', 'Romano', 'Greco', 'Cohen', 'Levy', 'Goldberg',
  'Friedman', 'Katz', 'Novak', 'Kowalski', 'Nowak', 'Jensen', 'Larsen', 'Olson', 'Lindqvist', 'Berg',
  'Okafor', 'Mensah', 'Diallo', 'Haddad', 'Khoury', 'Nasser', 'Ali', 'Khan', 'Ahmed', 'Hussain',
  'Nakamura', 'Tanaka', 'Sato', 'Yamamoto', 'Dubois', 'Laurent', 'Moreau', 'Fontaine', 'Baptiste', 'Pierre',
];

/** Boston-area area codes: the demo practice is in Massachusetts. */
const AREA_CODES = ['617', '857', '781', '339', '508', '774', '978', '351', '413'];
/** 555-0100…555-0199 are the numbers reserved for fiction: 900 distinct numbers before reuse. */
const PHONE_POOL = AREA_CODES.length * 100;

const EMAIL_DOMAINS: readonly (readonly [string, number])[] = [
  ['gmail.com', 46],
  ['yahoo.com', 14],
  ['outlook.com', 10],
  ['icloud.com', 12],
  ['hotmail.com', 8],
  ['comcast.net', 5],
  ['aol.com', 3],
  ['verizon.net', 2],
];
/** A few realistic mistakes for the data-quality worklist (regular families only). */
const TYPO_DOMAINS = ['gmial.com', 'gmail.con', 'yaho.com', 'hotmial.com', 'outlok.com', 'icloud.co'];

const PROVIDERS = [
  'Dr. Priya Raman',
  'Dr. Michael Okafor',
  'Dr. Sarah Lindqvist',
  'Dr. James Whitfield',
  'Laura Chen, CPNP',
];
const VISIT_REASONS: readonly (readonly [string, number])[] = [
  ['Well child visit', 40],
  ['Sick visit', 20],
  ['Vaccines', 10],
  ['Follow-up', 10],
  ['Sports physical', 6],
  ['Ear pain', 4],
  ['Asthma follow-up', 4],
  ['Rash', 3],
  ['Flu shot', 3],
];

const STATUS_WEIGHTS: readonly (readonly [PatientStatus, number])[] = [
  ['Active', 920],
  ['Inactive', 35],
  ['Transferred', 20],
  ['In Collections', 12],
  ['Merged', 9],
  ['Deceased', 4],
];

const REMINDER_WEIGHTS: readonly (readonly [ReminderMethod | null, number])[] = [
  ['Text', 45],
  ['Email', 35],
  ['Phone', 10],
  ['None', 4],
  [null, 6],
];

/**
 * Chart number of the n-th patient: a 4-round Feistel permutation of 0…8,999,999 (two halves
 * modulo 3000) shifted to 1,000,000…9,999,999, so numbers are unique without looking sequential.
 */
export function chartNumber(n: number): string {
  const x = n % 9_000_000;
  let left = Math.floor(x / 3000);
  let right = x % 3000;
  for (let round = 0; round < 4; round++) {
    let h = Math.imul(right + 1 + round * 7919, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const next = (left + ((h >>> 0) % 3000)) % 3000;
    left = right;
    right = next;
  }
  return `C${1_000_000 + left * 3000 + right}`;
}

function pad6(n: number): string {
  return String(n).padStart(6, '0');
}

/** ASCII, lower-case letters only: "José Luis" → "joseluis", "O'Brien" → "obrien". */
function emailWord(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

interface ContactInput {
  first: string;
  last: string;
  lang: Lang;
  /** true: always an email; false: none; 'usual': ~95% (regular families). */
  email: boolean | 'usual';
  reminder?: ReminderMethod | null;
  hasPortalAccount?: boolean;
  /** Regular families: occasional data-quality problems (typo domain, missing mobile...). */
  messy?: boolean;
}

interface ChildInput {
  first: string;
  last: string;
  dob: IsoDate | null;
  sex: Sex;
  status?: PatientStatus;
  portalLinked?: boolean;
}

interface LinkInput {
  sort: number | null;
  relationship: string;
  authority: Authority | null;
  resides: boolean;
  portalFlag?: boolean;
}

class DemoWriter {
  readonly rng: Rng;
  readonly fakerEn: Faker;
  readonly fakerEs: Faker;
  readonly stamp: string;
  families = 0;
  patients = 0;
  contacts = 0;
  appointments = 0;
  appointmentsToday = 0;
  private phones = 0;
  private readonly emails = new Set<string>();
  private readonly occurrences = new Map<DemoUnitKind, number>();

  private readonly insFamily: BetterSqlite3.Statement;
  private readonly insPatient: BetterSqlite3.Statement;
  private readonly insContact: BetterSqlite3.Statement;
  private readonly insLink: BetterSqlite3.Statement;
  private readonly insAppointment: BetterSqlite3.Statement;

  constructor(
    sqlite: BetterSqlite3.Database,
    seed: number,
    readonly today: IsoDate,
    now: Date,
    readonly limit: number,
    /** Share of regular families booked today: a busy day is ~60 families, whatever the size. */
    readonly todayRate = 0.15,
  ) {
    this.rng = new Rng(seed);
    this.fakerEn = new Faker({ locale: [en_US, en] });
    this.fakerEn.seed(seed);
    this.fakerEs = new Faker({ locale: [es_MX, es, en] });
    this.fakerEs.seed(seed + 1);
    this.stamp = now.toISOString();
    this.insFamily = sqlite.prepare('INSERT INTO families (id, name, version, updated_at) VALUES (?, ?, 1, ?)');
    this.insPatient = sqlite.prepare(
      `INSERT INTO patients (id, chart_number, family_id, first_name, last_name, date_of_birth, sex, status,
                             portal_linked, version, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
    );
    this.insContact = sqlite.prepare(
      `INSERT INTO contacts (id, first_name, last_name, email, mobile_phone, home_phone, preferred_reminder,
                             language, has_portal_account, version, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`,
    );
    this.insLink = sqlite.prepare(
      `INSERT INTO patient_contacts (patient_id, contact_id, sort, relationship, authority, resides_with, portal_flag)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insAppointment = sqlite.prepare(
      'INSERT INTO appointments (id, patient_id, starts_at, provider, reason, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
  }

  // --- names, dates, contact details -------------------------------------------------------

  faker(lang: Lang): Faker {
    return lang === 'es' ? this.fakerEs : this.fakerEn;
  }

  surname(lang: Lang): string {
    if (lang === 'es') {
      // es_MX names carry two surnames most of the time; US charts often keep only the first.
      const words = this.fakerEs.person.lastName().split(' ').filter((w) => w !== 'de' && w !== 'del');
      const first = words[0] ?? 'García';
      return words.length > 1 && this.rng.chance(0.25) ? `${first} ${words[1]}` : first;
    }
    if (this.rng.chance(0.08)) return this.fakerEn.person.lastName();
    // Skewed towards the head of the list, as real surname frequencies are.
    return US_SURNAMES[Math.floor(US_SURNAMES.length * this.rng.next() ** 1.7)]!;
  }

  firstName(lang: Lang, sex: Sex, avoid: readonly string[] = []): string {
    const f = this.faker(lang);
    for (;;) {
      const name = f.person.firstName(sex === 'F' ? 'female' : 'male');
      if (!isUnofficialName(name) && !avoid.includes(name)) return name;
    }
  }

  /** today minus `years` calendar years (29 Feb → 28 Feb): someone born then is exactly `years` today. */
  yearsBefore(years: number): IsoDate {
    const t = parseIsoDate(this.today)!;
    const year = t.year - years;
    const day = t.month === 2 && t.day === 29 && !isLeapYear(year) ? 28 : t.day;
    return formatIsoDate({ year, month: t.month, day });
  }

  /**
   * `n` dates of birth, oldest first: youngest `youngestDays` old, gaps of `gapMin`–`gapMax` days.
   */
  siblingDobs(n: number, youngestDays: number, gapMin: number, gapMax: number): IsoDate[] {
    const ages = [youngestDays];
    for (let i = 1; i < n; i++) ages.push(ages[i - 1]! + this.rng.int(gapMin, gapMax));
    return ages.reverse().map((days) => addDays(this.today, -days));
  }

  phone(): string {
    const k = (this.phones++ * 37 + 211) % PHONE_POOL;
    return `(${AREA_CODES[Math.floor(k / 100)]}) 555-01${String(k % 100).padStart(2, '0')}`;
  }

  email(first: string, last: string, typo: boolean): string {
    const f = emailWord(first.split(' ')[0] ?? first) || 'parent';
    const l = emailWord(last.split(' ')[0] ?? last) || 'family';
    const style = this.rng.int(0, 7);
    let local: string;
    switch (style) {
      case 0:
      case 1:
        local = `${f}.${l}`;
        break;
      case 2:
        local = `${f}${l}`;
        break;
      case 3:
        local = `${f[0]}${l}`;
        break;
      case 4:
        local = `${f}_${l}`;
        break;
      case 5:
        local = `${f}.${l}${this.rng.int(1, 99)}`;
        break;
      case 6:
        local = `${f}${l}${this.rng.int(70, 99)}`;
        break;
      default:
        local = `${l}.${f}`;
    }
    const domain = typo ? this.rng.pick(TYPO_DOMAINS) : this.rng.weighted(EMAIL_DOMAINS);
    let address = `${local}@${domain}`;
    while (this.emails.has(address)) address = `${local}${this.rng.int(2, 999)}@${domain}`;
    this.emails.add(address);
    return address;
  }

  // --- rows ----------------------------------------------------------------------------------

  family(name: string): string {
    const id = demoFamilyId(this.families++);
    this.insFamily.run(id, name, this.stamp);
    return id;
  }

  contact(input: ContactInput): string {
    const id = `con-${pad6(++this.contacts)}`;
    const messy = input.messy === true;
    const hasEmail = input.email === 'usual' ? this.rng.chance(0.95) : input.email;
    let email: string | null = null;
    if (hasEmail) {
      email = this.email(input.first, input.last, messy && this.rng.chance(0.015));
      // A handful of malformed addresses, as real exports have.
      if (messy && this.rng.chance(0.004)) email = email.replace('@', ' @').replace(/\.[a-z]+$/, '');
    }
    let mobile: string | null = this.phone();
    if (messy) {
      const roll = this.rng.next();
      if (roll < 0.03) mobile = null;
      else if (roll < 0.036) mobile = mobile.slice(6); // no area code: "555-0142"
    }
    const home = this.rng.chance(0.22) ? this.phone() : null;
    const reminder = input.reminder !== undefined ? input.reminder : this.rng.weighted(REMINDER_WEIGHTS);
    this.insContact.run(
      id,
      input.first,
      input.last,
      email,
      mobile,
      home,
      reminder,
      input.lang,
      input.hasPortalAccount ? 1 : 0,
      this.stamp,
    );
    return id;
  }

  /** A parent or guardian with a fresh first name. */
  person(sex: Sex, last: string, lang: Lang, rest: Omit<ContactInput, 'first' | 'last' | 'lang'>): string {
    return this.contact({ first: this.firstName(lang, sex), last, lang, ...rest });
  }

  child(familyId: string, input: ChildInput): string {
    const n = ++this.patients;
    const id = `pat-${pad6(n)}`;
    const chart = chartNumber(n);
    this.insPatient.run(
      id,
      chart,
      familyId,
      input.first,
      input.last,
      input.dob,
      input.sex,
      input.status ?? 'Active',
      input.portalLinked ? 1 : 0,
      this.stamp,
    );
    return id;
  }

  link(patientId: string, contactId: string, input: LinkInput): void {
    this.insLink.run(
      patientId,
      contactId,
      input.sort,
      input.relationship,
      input.authority,
      input.resides ? 1 : 0,
      input.portalFlag ? 1 : 0,
    );
  }

  appointment(patientId: string, date: IsoDate, slot: number, provider: string, reason: string): void {
    const minutes = 8 * 60 + Math.min(Math.max(slot, 0), 35) * 15; // 08:00 … 16:45
    const time = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    this.insAppointment.run(`apt-${pad6(++this.appointments)}`, patientId, `${date}T${time}`, provider, reason, this.stamp);
    if (date === this.today) this.appointmentsToday += 1;
  }

  /** Books `patientIds` on `date`: same time with different providers, or back-to-back slots. */
  bookTogether(patientIds: readonly string[], date: IsoDate, reasons?: readonly string[]): void {
    if (patientIds.length === 0) return;
    const together = this.rng.chance(0.5);
    const base = this.rng.int(0, 36 - (together ? 1 : patientIds.length));
    const provider = this.rng.int(0, PROVIDERS.length - 1);
    patientIds.forEach((id, i) => {
      const reason = reasons?.[i] ?? this.rng.weighted(VISIT_REASONS);
      this.appointment(
        id,
        date,
        together ? base : base + i,
        PROVIDERS[(provider + (together ? i : 0)) % PROVIDERS.length]!,
        reason,
      );
    });
  }

  /** Some patients of a family today (todayRate, 15% in small demos), or one on another day (4%). */
  maybeBook(active: readonly string[]): void {
    if (active.length === 0) return;
    const roll = this.rng.next();
    if (roll < 0.04) {
      const offset = this.rng.pick([-3, -2, -1, 1, 2, 3, 4, 7, 8, 14]);
      this.bookTogether([this.rng.pick(active)], addDays(this.today, offset));
    } else if (roll < 0.04 + this.todayRate) {
      const who = active.length === 1 || this.rng.chance(0.55) ? active : [this.rng.pick(active)];
      this.bookTogether(who, this.today);
    }
  }

  // --- regular families ------------------------------------------------------------------

  regular(): void {
    const rng = this.rng;
    const lang: Lang = rng.chance(0.15) ? 'es' : 'en';
    const surname = this.surname(lang);
    const familyId = this.family(surname);
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
      this.person(sex, last, lang, { messy: true, email: 'usual', hasPortalAccount: primary && portalFamily, reminder });
    const motherSurname = () => (rng.chance(0.8) ? surname : this.surname(lang));
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
        links.push([
          g,
          { sort: 1, relationship: rng.chance(0.5) ? 'Grandmother' : 'Guardian', authority: 'Exclusive', resides: true, portalFlag: flag() },
        ]);
        if (rng.chance(0.4)) {
          links.push([adult('M', surname, false), { sort: 2, relationship: 'Grandfather', authority: null, resides: true }]);
        }
        break;
      }
      case 'stepfather':
        links.push([adult('F', motherSurname(), true), { sort: 1, relationship: 'Mother', authority: 'Joint', resides: true, portalFlag: flag() }]);
        links.push([adult('M', this.surname(lang), false), { sort: 2, relationship: 'Stepfather', authority: 'None', resides: true }]);
        break;
      case 'aunt-guardian':
        links.push([adult('F', this.surname(lang), true), { sort: 1, relationship: 'Aunt', authority: 'Exclusive', resides: true }]);
        break;
    }

    // Children: mostly 0–17, a few up to 20 (7,600 days); ~3% of families have a newborn.
    const gaps = Array.from({ length: n - 1 }, () => rng.int(380, 1400));
    const span = gaps.reduce((a, b) => a + b, 0);
    let youngest = rng.chance(0.03) ? rng.int(1, 28) : rng.int(0, Math.max(30, 6300 - span));
    if (rng.chance(0.06)) youngest += rng.int(0, Math.max(0, 7600 - span - youngest));
    const ages = [youngest];
    for (const gap of gaps) ages.push(ages[ages.length - 1]! + gap);
    const dobs = ages.reverse().map((days) => addDays(this.today, -days));
    const newbornAfter = addDays(this.today, -30);
    const active: string[] = [];
    const names: string[] = [];
    for (const dob of dobs) {
      const sex: Sex = rng.chance(0.5) ? 'F' : 'M';
      const placeholder = dob > newbornAfter && rng.chance(0.4);
      const first = placeholder ? (sex === 'F' ? 'Baby Girl' : 'Baby Boy') : this.firstName(lang, sex, names);
      names.push(first);
      const status = rng.weighted(STATUS_WEIGHTS);
      const id = this.child(familyId, {
        first,
        last: surname,
        dob: rng.chance(0.003) ? null : dob,
        sex,
        status,
        portalLinked: portalFamily && status === 'Active' && rng.chance(0.6),
      });
      if (status === 'Active') active.push(id);
      for (const [contactId, link] of links) this.link(id, contactId, link);
    }
    this.maybeBook(active);
  }

  // --- scenario families -------------------------------------------------------------------

  /** Clean mother (Sort 1, Joint, resides, email, reminder Email) and usually the father (Sort 2). */
  cleanParents(surname: string, lang: Lang, occ: number, opts: { father?: boolean; portalAccount?: boolean } = {}): [string, LinkInput][] {
    const mother = this.person('F', surname, lang, { email: true, reminder: 'Email', hasPortalAccount: opts.portalAccount });
    const links: [string, LinkInput][] = [[mother, { sort: 1, relationship: 'Mother', authority: 'Joint', resides: true }]];
    if (opts.father ?? occ % 3 !== 2) {
      const father = this.person('M', surname, lang, { email: true });
      links.push([father, { sort: 2, relationship: 'Father', authority: 'Joint', resides: true }]);
    }
    return links;
  }

  kids(familyId: string, surname: string, lang: Lang, dobs: readonly (IsoDate | null)[], links: readonly [string, LinkInput][], extra: Partial<ChildInput>[] = []): string[] {
    const names = extra.flatMap((e) => (e.first ? [e.first] : []));
    return dobs.map((dob, i) => {
      const sex: Sex = extra[i]?.sex ?? (this.rng.chance(0.5) ? 'F' : 'M');
      const given = extra[i]?.first;
      const first = given ?? this.firstName(lang, sex, names);
      if (!given) names.push(first);
      const id = this.child(familyId, { first, last: surname, dob, sex, ...extra[i] });
      for (const [contactId, link] of links) this.link(id, contactId, link);
      return id;
    });
  }

  scenario(kind: DemoUnitKind): void {
    const occ = this.occurrences.get(kind) ?? 0;
    this.occurrences.set(kind, occ + 1);
    const rng = this.rng;
    const lang: Lang = occ % 4 === 3 ? 'es' : 'en';
    const surname = this.surname(lang);
    const bookToday = ALWAYS_TODAY.has(kind) || occ === 0 || rng.chance(this.todayRate);
    const today = this.today;
    let booked: string[] = [];
    let reasons: string[] | undefined;

    switch (kind) {
      case 'siblings-2':
      case 'siblings-3':
      case 'siblings-4':
      case 'siblings-5': {
        const n = Number(kind.slice(-1));
        const familyId = this.family(surname);
        const links = this.cleanParents(surname, lang, occ);
        // ages ~1–11: no newborn placeholder, no adolescent or minor-limit warnings.
        const dobs = this.siblingDobs(n, rng.int(400, 700), 450, n === 5 ? 800 : 1100);
        booked = this.kids(familyId, surname, lang, dobs, links);
        break;
      }
      case 'twins': {
        const familyId = this.family(surname);
        const links = this.cleanParents(surname, lang, occ);
        const twinDob = addDays(today, -rng.int(500, 3000));
        const dobs = occ % 2 === 0 ? [addDays(twinDob, -rng.int(500, 1200)), twinDob, twinDob] : [twinDob, twinDob];
        booked = this.kids(familyId, surname, lang, dobs, links);
        break;
      }
      case 'baby-girl': {
        const familyId = this.family(surname);
        const links = this.cleanParents(surname, lang, occ, { father: true });
        const siblings = this.siblingDobs(1 + (occ % 2), rng.int(700, 1500), 500, 1200);
        const newbornSex: Sex = occ % 2 === 0 ? 'F' : 'M';
        const newbornDob = addDays(today, -(2 + ((occ * 5) % 12)));
        const ids = this.kids(familyId, surname, lang, [...siblings, newbornDob], links, [
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
        const familyId = this.family(surname);
        const mother = this.person('F', surname, lang, { email: true, reminder: 'Email' });
        const nephewSurname = this.surname(lang);
        const atLimit = this.yearsBefore(this.limit);
        const underLimit = addDays(atLimit, 1 + ((occ * 3) % 10));
        const younger = addDays(today, -rng.int(6 * 365, 10 * 365));
        const mom: LinkInput = { sort: 1, relationship: 'Mother', authority: 'Joint', resides: true };
        const names: string[] = [];
        const daughterName = this.firstName(lang, 'F');
        names.push(daughterName);
        const daughter = this.child(familyId, { first: daughterName, last: surname, dob: atLimit, sex: 'F' });
        this.link(daughter, mother, mom);
        const nephew = this.child(familyId, { first: this.firstName(lang, 'M'), last: nephewSurname, dob: underLimit, sex: 'M' });
        this.link(nephew, mother, { sort: 1, relationship: 'Guardian', authority: 'Exclusive', resides: true });
        const youngSex: Sex = rng.chance(0.5) ? 'F' : 'M';
        const young = this.child(familyId, { first: this.firstName(lang, youngSex, names), last: surname, dob: younger, sex: youngSex });
        this.link(young, mother, mom);
        booked = [daughter, nephew, young];
        reasons = ['Sports physical', 'Well child visit', 'Vaccines'];
        break;
      }
      case 'blended-pair': {
        // Family X (the mother's household): her two older children (Sort 1: mother) and the
        // youngest, whose Sort 1 is his father. The father is also Sort 1 of his two children in
        // family Y (their mother's household), where he does not reside: one guardian, two families.
        const fatherSurname = this.surname(lang);
        const familyX = this.family(surname);
        const mother = this.person('F', surname, lang, { email: true, reminder: 'Email' });
        const father = this.person('M', fatherSurname, lang, { email: true, reminder: 'Email' });
        const older = this.siblingDobs(2, rng.int(8 * 365, 10 * 365), 500, 1000);
        const motherLink: LinkInput = { sort: 1, relationship: 'Mother', authority: 'Joint', resides: true };
        const olderIds = this.kids(familyX, surname, lang, older, [[mother, motherLink]]);
        const youngestId = this.kids(familyX, fatherSurname, lang, [addDays(today, -rng.int(400, 1800))], [
          [father, { sort: 1, relationship: 'Father', authority: 'Joint', resides: true }],
          [mother, { sort: 2, relationship: 'Mother', authority: 'Joint', resides: true }],
        ]);
        booked = [...olderIds, ...youngestId];

        const familyY = this.family(fatherSurname);
        const exPartner = this.person('F', this.surname(lang), lang, { email: true });
        this.kids(familyY, fatherSurname, lang, this.siblingDobs(2, rng.int(5 * 365, 7 * 365), 450, 900), [
          [father, { sort: 1, relationship: 'Father', authority: 'Joint', resides: false }],
          [exPartner, { sort: 2, relationship: 'Mother', authority: 'Joint', resides: true }],
        ]);
        break;
      }
      case 'deceased-merged': {
        const familyId = this.family(surname);
        const links = this.cleanParents(surname, lang, occ, { father: true });
        const [olderDob, youngerDob] = this.siblingDobs(2, rng.int(700, 2000), 500, 1500);
        const youngerSex: Sex = rng.chance(0.5) ? 'F' : 'M';
        const youngerName = this.firstName(lang, youngerSex);
        // The Merged chart is a duplicate of the younger child: same name, sex and birth date.
        const ids = this.kids(
          familyId,
          surname,
          lang,
          [olderDob!, youngerDob!, addDays(today, -rng.int(3 * 365, 12 * 365)), youngerDob!],
          links,
          [{}, { first: youngerName, sex: youngerSex }, { status: 'Deceased' }, { first: youngerName, sex: youngerSex, status: 'Merged' }],
        );
        booked = ids.slice(0, 2);
        break;
      }
      case 'other-statuses': {
        const familyId = this.family(surname);
        const links = this.cleanParents(surname, lang, occ, { father: true });
        const dobs = this.siblingDobs(5, rng.int(500, 900), 400, 700);
        const ids = this.kids(familyId, surname, lang, dobs, links, [
          { status: 'Inactive' },
          { status: 'Transferred' },
          {},
          { status: 'In Collections' },
          {},
        ]);
        booked = [ids[2]!, ids[4]!];
        break;
      }
      case 'no-email': {
        const familyId = this.family(surname);
        const mother = this.person('F', surname, lang, { email: false, reminder: occ % 2 === 0 ? 'Text' : 'Phone' });
        const links: [string, LinkInput][] = [[mother, { sort: 1, relationship: 'Mother', authority: 'Joint', resides: true }]];
        if (occ % 2 === 1) {
          links.push([this.person('M', surname, lang, { email: true }), { sort: 2, relationship: 'Father', authority: 'Joint', resides: true }]);
        }
        booked = this.kids(familyId, surname, lang, this.siblingDobs(2, rng.int(400, 2500), 450, 1200), links);
        break;
      }
      case 'no-authority': {
        const familyId = this.family(surname);
        const father = this.person('M', surname, lang, { email: true });
        const links: [string, LinkInput][] = [
          [father, { sort: 1, relationship: 'Father', authority: occ % 2 === 0 ? 'None' : null, resides: false, portalFlag: occ % 2 === 1 }],
        ];
        if (occ % 3 !== 2) {
          const mother = this.person('F', surname, lang, { email: true });
          links.push([mother, { sort: 2, relationship: 'Mother', authority: 'Joint', resides: true }]);
        }
        booked = this.kids(familyId, surname, lang, this.siblingDobs(2, rng.int(400, 2500), 450, 1200), links);
        break;
      }
      case 'portal-flag-only': {
        const familyId = this.family(surname);
        const links = this.cleanParents(surname, lang, occ, { father: false });
        const grandmother = this.person('F', this.surname(lang), lang, { email: true, reminder: 'Email' });
        links.push([grandmother, { sort: 2, relationship: 'Grandmother', authority: occ % 2 === 0 ? 'None' : null, resides: false, portalFlag: true }]);
        booked = this.kids(familyId, surname, lang, this.siblingDobs(2, rng.int(400, 2500), 450, 1200), links);
        break;
      }
      case 'no-contacts': {
        const familyId = this.family(surname);
        booked = this.kids(familyId, surname, lang, this.siblingDobs(1 + (occ % 2), rng.int(400, 3000), 450, 1200), []);
        break;
      }
      case 'portal-account': {
        const familyId = this.family(surname);
        const links = this.cleanParents(surname, lang, occ, { portalAccount: true });
        const [olderDob, youngerDob] = this.siblingDobs(2, rng.int(400, 1500), 700, 1500);
        const ids = this.kids(familyId, surname, lang, [olderDob!, youngerDob!, null], links, [{ portalLinked: true }, {}, {}]);
        booked = [ids[1]!, ids[2]!];
        break;
      }
    }
    if (bookToday) this.bookTogether(booked, today, reasons);
  }

}

/**
 * Fills an empty mirror with the demo practice in one transaction (plain INSERTs: the caller
 * only seeds an empty mirror; a non-empty one fails on the first duplicate id and nothing is
 * written). Rebuilds the search terms before committing.
 */
export function seedDemoPractice(sqlite: BetterSqlite3.Database, options: DemoOptions): DemoSummary {
  if (!parseIsoDate(options.today)) throw new RangeError(`today must be a YYYY-MM-DD date, got ${options.today}`);
  const limit = options.minorAgeLimit ?? 18;
  const seed = options.seed ?? DEMO_DEFAULT_SEED;
  const patientTarget = options.patients;
  const familyTarget = Math.max(0, Math.floor(options.families ?? DEMO_DEFAULT_FAMILIES));
  const stamp = options.now.toISOString();

  const run = sqlite.transaction((): DemoSummary => {
    const expectedFamilies = patientTarget !== undefined ? patientTarget / 2.2 : familyTarget;
    const w = new DemoWriter(sqlite, seed, options.today, options.now, limit, Math.min(0.15, 60 / Math.max(expectedFamilies, 1)));
    for (let unit = 0; ; unit++) {
      if (patientTarget !== undefined ? w.patients >= patientTarget : w.families >= familyTarget) break;
      let kind = demoUnitKind(unit);
      // Never cut a two-family unit: the last slot becomes a regular family.
      if (patientTarget === undefined && demoUnitFamilyCount(kind) > familyTarget - w.families) kind = 'regular';
      if (kind === 'regular') w.regular();
      else w.scenario(kind);
    }

    const clerk = sqlite.prepare(
      'INSERT INTO clerks (id, username, display_name, role, password_hash, active, created_at) VALUES (?, ?, ?, ?, NULL, 1, ?)',
    );
    clerk.run(DEMO_CLERK_ID, 'demo', 'Dana Reyes (demo clerk)', 'clerk', stamp);
    clerk.run(DEMO_ADMIN_CLERK_ID, 'admin', 'Morgan Ellis (demo administrator)', 'admin', stamp);
    const setting = sqlite.prepare('INSERT INTO settings (key, value) VALUES (?, ?)');
    setting.run('practiceName', JSON.stringify('Maple Grove Pediatrics (demo)'));
    setting.run('portalUrl', JSON.stringify('https://portal.maplegrove-demo.example'));
    setting.run('practicePhone', JSON.stringify('(555) 010-2400'));

    reindexAllPatients(sqlite);
    return {
      families: w.families,
      patients: w.patients,
      contacts: w.contacts,
      appointmentsToday: w.appointmentsToday,
      demoClerkId: DEMO_CLERK_ID,
    };
  });
  // A bulk load of 200,000 patients touches far more pages than SQLite's default 2 MB cache
  // holds; a bigger cache for the duration roughly halves the time. Restored afterwards.
  const previousCache = sqlite.pragma('cache_size', { simple: true }) as number;
  sqlite.pragma('cache_size = -262144');
  try {
    return run();
  } finally {
    sqlite.pragma(`cache_size = ${Number(previousCache)}`);
  }
}
