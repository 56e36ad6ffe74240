import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckinList, FamilyView, SearchResults } from '../../shared/api';
import type { App } from '../../electron/main/app';
import { signInTestClerk } from '../support/signIn';
import { insertAppointment, insertFamilies } from '../support/fixtures';
import { makeTempDir } from '../support/tempDir';
import { invokeOk, NEW_YORK_TIME, openTestDesk } from '../support/testDesk';

// 10:00 in New York on 22 November 2026.
const NOW = new Date('2026-11-22T15:00:00Z');
let temp: ReturnType<typeof makeTempDir>;
let app: App;

const ok = <T>(name: string, input: unknown): Promise<T> => invokeOk<T>(app, name, input);

beforeAll(async () => {
  temp = makeTempDir();
  app = await openTestDesk(temp.file('practice.sqlite'), { now: () => NOW, workstation: 'desk-1', settings: NEW_YORK_TIME });
  await signInTestClerk(app);
  insertFamilies(app.context.sqlite, [
    {
      id: 'f-lopez',
      name: 'Lopez',
      children: [
        { id: 'p-ana', firstName: 'Ana', dateOfBirth: '2015-03-14', chartNumber: 'C0001001' },
        { id: 'p-luis', firstName: 'Luis', dateOfBirth: '2018-06-02', chartNumber: 'C0001002' },
        { id: 'p-baby', firstName: 'Baby Girl', dateOfBirth: '2026-11-01', chartNumber: 'C0001003' },
        { id: 'p-eighteen', firstName: 'Marco', dateOfBirth: '2008-11-22', chartNumber: 'C0001004' },
        { id: 'p-deceased', firstName: 'Pablo', dateOfBirth: '2016-01-09', status: 'Deceased', chartNumber: 'C0001005' },
      ],
      contacts: [
        {
          id: 'c-maria',
          firstName: 'Maria',
          lastName: 'Lopez',
          email: 'maria.lopez@example.com',
          mobilePhone: '(617) 555-0142',
          links: ['p-ana', 'p-luis', 'p-baby', 'p-eighteen', 'p-deceased'].map((patientId) => ({
            patientId,
            sort: 1,
            authority: 'Joint' as const,
            residesWith: true,
          })),
        },
        {
          id: 'c-abuela',
          firstName: 'Rosa',
          lastName: 'Perez',
          email: 'rosa@example.com',
          // The Portal column is ticked, but she has no authority and does not live there.
          links: [{ patientId: 'p-ana', sort: 2, authority: 'None', residesWith: false, portalFlag: true, relationship: 'Grandmother' }],
        },
      ],
    },
    {
      // Maria is also the Primary Contact of a child in another family (blended).
      id: 'f-garcia',
      name: 'Garcia',
      children: [{ id: 'p-sofia', firstName: 'Sofia', dateOfBirth: '2019-09-30', chartNumber: 'C0002001' }],
      contacts: [
        {
          id: 'c-maria',
          firstName: 'Maria',
          lastName: 'Lopez',
          links: [{ patientId: 'p-sofia', sort: 1, authority: 'Exclusive', residesWith: true }],
        },
      ],
    },
    {
      id: 'f-kim',
      name: 'Kim',
      children: [{ id: 'p-joon', firstName: 'Joon', dateOfBirth: '2020-02-29', chartNumber: 'C0003001' }],
      contacts: [
        {
          id: 'c-kim',
          firstName: 'Grace',
          lastName: 'Kim',
          email: 'grace.kim@example.org',
          mobilePhone: '617-555-0199',
          links: [{ patientId: 'p-joon', sort: 1, authority: null, residesWith: false }],
        },
      ],
    },
  ]);
  insertAppointment(app.context.sqlite, 'a1', 'p-ana', '2026-11-22T10:30');
  insertAppointment(app.context.sqlite, 'a2', 'p-luis', '2026-11-22T10:30');
  insertAppointment(app.context.sqlite, 'a3', 'p-joon', '2026-11-22T09:15');
  insertAppointment(app.context.sqlite, 'a4', 'p-sofia', '2026-11-23T09:00');
});

afterAll(async () => {
  await app.close();
  temp.remove();
});

describe('check-in list', () => {
  it('groups today’s appointments by family, earliest first, and leaves tomorrow out', async () => {
    const list = await ok<CheckinList>('checkin.today', {});
    expect(list.date).toBe('2026-11-22');
    expect(list.families.map((f) => [f.familyName, f.firstTime, f.children.map((c) => c.firstName)])).toEqual([
      ['Kim', '09:15', ['Joon']],
      ['Lopez', '10:30', ['Ana', 'Luis']],
    ]);
  });
});

describe('search', () => {
  const names = async (text: string) => (await ok<SearchResults>('search.patients', { text })).hits.map((h) => h.firstName);

  it.each([
    ['first letters of a child', 'an', ['Ana']],
    ['a surname, any case (Sofia through her guardian Maria Lopez)', 'LOPEZ', ['Ana', 'Baby Girl', 'Luis', 'Marco', 'Pablo', 'Sofia']],
    ['first and last name together', 'lu lop', ['Luis']],
    ['date of birth as the desk types it', '03/14/2015', ['Ana']],
    ['date of birth without leading zeros', '3/14/2015', ['Ana']],
    ['ISO date of birth', '2020-02-29', ['Joon']],
    ['chart number', 'C0003001', ['Joon']],
    ['guardian phone fragment', '555-0199', ['Joon']],
    ['guardian full phone', '(617) 555-0142', ['Ana', 'Baby Girl', 'Luis', 'Marco', 'Pablo', 'Sofia']],
    ['guardian email prefix', 'grace.k', ['Joon']],
    ['guardian name', 'grace', ['Joon']],
    ['accents ignored', 'Lópéz ána', ['Ana']],
  ])('finds by %s', async (_label, text, expected) => {
    expect((await names(text)).sort()).toEqual([...expected].sort());
  });

  it('returns nothing for no match and for blank input', async () => {
    expect(await names('zzzz')).toEqual([]);
    expect(await names('   ')).toEqual([]);
  });

  it('says when more patients match than it returned', async () => {
    const result = await ok<SearchResults>('search.patients', { text: 'lopez', limit: 2 });
    expect(result.hits).toHaveLength(2);
    expect(result.more).toBe(true);
  });

  it('shows the Primary Contact beside each child', async () => {
    const [hit] = (await ok<SearchResults>('search.patients', { text: 'joon' })).hits;
    expect(hit).toMatchObject({ guardian: 'Grace Kim', familyName: 'Kim', chartNumber: 'C0003001' });
  });
});

describe('family review', () => {
  let family: FamilyView;
  beforeAll(async () => {
    family = await ok<FamilyView>('family.load', { familyId: 'f-lopez' });
  });
  const child = (name: string) => family.children.find((c) => c.firstName === name)!;

  it('gives every child a verdict with the reason', () => {
    expect(child('Ana').verdict.kind).toBe('eligible');
    expect(child('Luis').verdict.kind).toBe('eligible');
    expect(child('Baby Girl').verdict).toMatchObject({ kind: 'blocked', reasons: [{ code: 'unofficial_name' }] });
    expect(child('Marco').verdict).toMatchObject({ kind: 'excluded', reasons: [{ code: 'over_minor_age' }] });
    expect(child('Marco').verdict.reasons[0]!.message).toContain('registers on their own account');
    expect(child('Pablo').verdict).toMatchObject({ kind: 'excluded', reasons: [{ code: 'status' }] });
    expect(child('Pablo').verdict.reasons[0]!.message).toContain('Deceased');
  });

  it('brings in a child of another family through the shared guardian', () => {
    expect(child('Sofia')).toMatchObject({ familyName: 'Garcia', linkedThrough: { contactId: 'c-maria', name: 'Maria Lopez' } });
    expect(family.children.at(-1)!.firstName).toBe('Sofia');
  });

  it('marks Maria as the eligible Primary Contact and not the grandmother with the Portal column ticked', () => {
    const maria = family.contacts.find((c) => c.contactId === 'c-maria')!;
    const rosa = family.contacts.find((c) => c.contactId === 'c-abuela')!;
    expect(maria.links.every((l) => l.eligiblePrimary)).toBe(true);
    expect(rosa.links).toEqual([expect.objectContaining({ portalFlag: true, eligiblePrimary: false })]);
    expect(child('Ana').eligiblePrimaryContactId).toBe('c-maria');
  });

  it('blocks a child whose Sort-1 contact has neither authority nor residence', async () => {
    const kim = await ok<FamilyView>('family.load', { familyId: 'f-kim' });
    expect(kim.children[0]!.verdict).toMatchObject({ kind: 'blocked', reasons: [{ code: 'no_eligible_guardian' }] });
    expect(kim.contacts[0]!.links[0]!.eligiblePrimary).toBe(false);
  });

  it('answers an unknown family with a message for the clerk', async () => {
    const result = await app.invoke('family.load', { familyId: 'f-nobody' });
    expect(result).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});

describe('the contract', () => {
  it('rejects an unknown call', async () => {
    expect(await app.invoke('patients.deleteAll', {})).toMatchObject({ ok: false, error: { code: 'unknown_call' } });
    expect(await app.invoke('__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown_call' } });
  });

  it.each([
    ['a number for the family id', 'family.load', { familyId: 42 }],
    ['a missing field', 'family.load', {}],
    ['an extra field', 'family.load', { familyId: 'f-lopez', admin: true }],
    ['no input at all', 'checkin.today', undefined],
    ['a huge string', 'search.patients', { text: 'x'.repeat(10_000) }],
    ['a limit out of range', 'search.patients', { text: 'a', limit: 100_000 }],
    ['a polluting key', 'search.patients', JSON.parse('{"text":"a","__proto__":{"admin":true}}')],
  ])('rejects %s with a validation error', async (_label, name, input) => {
    const result = await app.invoke(name, input);
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });
});

describe('settings', () => {
  it.each([
    ['a javascript: portal address', { portalUrl: 'javascript:alert(1)' }],
    ['an unknown time zone', { timeZone: 'Mars/Olympus' }],
    ['a Minor Age Limit of 40', { minorAgeLimit: 40 }],
  ])('refuses %s', async (_label, changes) => {
    expect(await app.invoke('settings.update', { changes })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });
});
