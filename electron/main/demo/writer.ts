import type BetterSqlite3 from 'better-sqlite3';
import { Faker, en, en_US, es, es_MX } from '@faker-js/faker';
import { addDays, formatIsoDate, isLeapYear, parseIsoDate, type IsoDate } from '../../../shared/domain/dates';
import { isUnofficialName } from '../../../shared/domain/names';
import type { Authority, PatientStatus, ReminderMethod } from '../../../shared/domain/patient';
import { chartNumber, pad6 } from './ids';
import { demoFamilyId, type DemoUnitKind } from './layout';
import { AREA_CODES, EMAIL_DOMAINS, PHONE_POOL, PROVIDERS, REMINDER_WEIGHTS, TYPO_DOMAINS, US_SURNAMES, VISIT_REASONS } from './namePools';
import { Rng } from './random';

/**
 * Writes the demo mirror's rows: one seeded PRNG and two seeded Fakers, counters for ids, and the
 * names, dates and contact details every family is made of. Families are composed by
 * regularFamily.ts and scenarios.ts; the order of random draws is the data, so keep it.
 */

export type Lang = 'en' | 'es';
export type Sex = 'F' | 'M';

/** ASCII, lower-case letters only: "José Luis" → "joseluis", "O'Brien" → "obrien". */
function emailWord(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

export interface ContactInput {
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

export interface ChildInput {
  first: string;
  last: string;
  dob: IsoDate | null;
  sex: Sex;
  status?: PatientStatus;
  portalLinked?: boolean;
}

export interface LinkInput {
  sort: number | null;
  relationship: string;
  authority: Authority | null;
  resides: boolean;
  portalFlag?: boolean;
}

export class DemoWriter {
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
  /** How many times each scenario unit was written so far (scenarios.ts varies by it). */
  readonly occurrences = new Map<DemoUnitKind, number>();

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
    this.insAppointment = sqlite.prepare('INSERT INTO appointments (id, patient_id, starts_at, provider, reason, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
  }

  // --- names, dates, contact details -------------------------------------------------------

  faker(lang: Lang): Faker {
    return lang === 'es' ? this.fakerEs : this.fakerEn;
  }

  surname(lang: Lang): string {
    if (lang === 'es') {
      // es_MX names carry two surnames most of the time; US charts often keep only the first.
      const words = this.fakerEs.person
        .lastName()
        .split(' ')
        .filter((w) => w !== 'de' && w !== 'del');
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
    this.insContact.run(id, input.first, input.last, email, mobile, home, reminder, input.lang, input.hasPortalAccount ? 1 : 0, this.stamp);
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
    this.insPatient.run(id, chart, familyId, input.first, input.last, input.dob, input.sex, input.status ?? 'Active', input.portalLinked ? 1 : 0, this.stamp);
    return id;
  }

  link(patientId: string, contactId: string, input: LinkInput): void {
    this.insLink.run(patientId, contactId, input.sort, input.relationship, input.authority, input.resides ? 1 : 0, input.portalFlag ? 1 : 0);
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
      this.appointment(id, date, together ? base : base + i, PROVIDERS[(provider + (together ? i : 0)) % PROVIDERS.length]!, reason);
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
}
