import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../electron/main/app';
import { DEFAULT_SEARCH_LIMIT, searchPatients } from '../../electron/main/search/searchService';
import { reindexPatients } from '../../electron/main/search/indexer';
import { PAIR_MARK, searchTokens } from '../../electron/main/search/terms';
import { formatUsDate } from '../../shared/domain/dates';
import { makeTempDir } from '../support/tempDir';

/**
 * The desk's search (prepared statements, index range scans) against a straightforward reference
 * over the same demo practice: for each token, every patient with a term starting with it
 * (substr, no index range), intersected in JavaScript. Up to 25 matches: the very same patients;
 * more: 25 of them, and `more` says so.
 */
const NOW = new Date('2026-11-22T15:00:00Z');
let temp: ReturnType<typeof makeTempDir>;
let app: App;

beforeAll(async () => {
  temp = makeTempDir();
  app = await createApp({ databaseFile: temp.file('practice.sqlite'), demo: { patients: 3_000 }, now: () => NOW, workstation: 'desk-1' });
  addNamedPatients();
});
afterAll(async () => {
  await app.close();
  temp.remove();
});

function reference(text: string): Set<string> {
  const byToken = app.context.sqlite.prepare('SELECT DISTINCT patient_id FROM search_terms WHERE substr(term, 1, length(@t)) = @t').pluck();
  let result = null as Set<string> | null;
  for (const token of searchTokens(text)) {
    const ids = new Set(byToken.all({ t: token }) as string[]);
    result = result === null ? ids : new Set([...result].filter((id: string) => ids.has(id)));
  }
  return result ?? new Set();
}

/** Patients whose names a two-word search must find however they are written, with their guardians. */
const NAMED = [
  { id: 'named-1', first: 'Mary', last: "O'Reilly", guardian: ['Sean', "O'Reilly"] },
  { id: 'named-2', first: 'Ana-Sofía', last: 'García-López', guardian: ['José', 'Núñez'] },
  { id: 'named-3', first: 'Øyvind', last: 'Ødegård', guardian: ['Zoë', 'Ødegård'] },
  { id: 'named-4', first: 'Mary Kate', last: 'Smith-Jones', guardian: ['Mariah', 'Smith'] },
];

function addNamedPatients(): void {
  const { sqlite } = app.context;
  const patient = sqlite.prepare(`INSERT INTO patients (id, chart_number, first_name, last_name, status, updated_at) VALUES (?, ?, ?, ?, 'Active', 'x')`);
  const contact = sqlite.prepare(`INSERT INTO contacts (id, first_name, last_name, updated_at) VALUES (?, ?, ?, 'x')`);
  const link = sqlite.prepare(`INSERT INTO patient_contacts (patient_id, contact_id, sort, relationship, authority) VALUES (?, ?, 1, 'Mother', 'Joint')`);
  sqlite.transaction(() => {
    for (const [i, n] of NAMED.entries()) {
      patient.run(n.id, `NAMED-${i}`, n.first, n.last);
      contact.run(`${n.id}-g`, n.guardian[0], n.guardian[1]);
      link.run(n.id, `${n.id}-g`);
    }
    reindexPatients(
      sqlite,
      NAMED.map((n) => n.id),
    );
  })();
}

type Sample = { first_name: string; last_name: string; date_of_birth: string | null; chart_number: string; email: string | null; mobile_phone: string | null };

function queries(): Record<string, string[]> {
  const samples = app.context.sqlite
    .prepare(
      `SELECT p.first_name, p.last_name, p.date_of_birth, p.chart_number, c.email, c.mobile_phone
         FROM patients p LEFT JOIN patient_contacts pc ON pc.patient_id = p.id AND pc.sort = 1
         LEFT JOIN contacts c ON c.id = pc.contact_id
        WHERE p.rowid % 150 = 0`,
    )
    .all() as Sample[];
  return {
    'name prefix (3 letters)': samples.map((s) => s.last_name.slice(0, 3)),
    'first + last prefix': samples.map((s) => `${s.first_name.slice(0, 2)} ${s.last_name.slice(0, 4)}`),
    'whole first and last name': samples.map((s) => `${s.first_name} ${s.last_name}`),
    'date of birth': samples.filter((s) => s.date_of_birth).map((s) => formatUsDate(s.date_of_birth!)),
    'month and day': samples.filter((s) => s.date_of_birth).map((s) => formatUsDate(s.date_of_birth!).slice(0, 5)),
    'chart number': samples.map((s) => s.chart_number),
    'phone fragment (last 4)': samples.filter((s) => s.mobile_phone).map((s) => s.mobile_phone!.replace(/\D/g, '').slice(-4)),
    'guardian email prefix': samples.filter((s) => s.email).map((s) => s.email!.slice(0, 6)),
    'nobody by that name': ['Zzyzx Qwerty', 'qqqq'],
  };
}

const KINDS = [
  'name prefix (3 letters)',
  'first + last prefix',
  'whole first and last name',
  'date of birth',
  'month and day',
  'chart number',
  'phone fragment (last 4)',
  'guardian email prefix',
  'nobody by that name',
];

describe('search.patients finds what a plain scan of the search terms finds', () => {
  it.each(KINDS)('%s', async (kind) => {
    const texts = queries()[kind]!;
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) {
      const expected = reference(text);
      const { hits, more } = await searchPatients(app.context, text);
      const found = hits.map((h) => h.patientId);
      expect(new Set(found).size, text).toBe(found.length);
      if (expected.size <= DEFAULT_SEARCH_LIMIT) {
        expect(new Set(found), text).toEqual(expected);
        expect(more, text).toBe(false);
      } else {
        expect(found.length, text).toBe(DEFAULT_SEARCH_LIMIT);
        expect(
          found.every((id) => expected.has(id)),
          text,
        ).toBe(true);
        expect(more, text).toBe(true);
      }
      // As the clerk reads them: by last name, first name, date of birth.
      const order = hits.map((h) => [h.lastName, h.firstName, h.dateOfBirth ?? '']);
      expect(order, text).toEqual([...order].sort((a, b) => a[0]!.localeCompare(b[0]!) || a[1]!.localeCompare(b[1]!) || a[2]!.localeCompare(b[2]!)));
    }
  });
});

describe("two words, each the beginning of any of the patient's names or their guardian's", () => {
  // [typed, the patient it must find]: either order, apostrophes, hyphens, accents typed or not,
  // a word of the guardian's name with one of the child's, a word that begins another.
  const CASES: [string, string][] = [
    ["Ma O'Re", 'named-1'],
    ["O'Re Ma", 'named-1'],
    ['oreil mary', 'named-1'],
    ['se ma', 'named-1'],
    ['Ana-Sof Garc', 'named-2'],
    ['garcía-lópez ana', 'named-2'],
    ['lopez sofia', 'named-2'],
    ['Jos Núñ', 'named-2'],
    ['nunez ana', 'named-2'],
    ['Øy Øde', 'named-3'],
    ['zoe øyv', 'named-3'],
    ['Ma Ka Smith-Jo', 'named-4'],
    ['jones mariah', 'named-4'],
    ['mar mary', 'named-4'],
  ];
  it.each(CASES)('%s', async (text, patientId) => {
    const expected = reference(text);
    expect(expected.has(patientId), text).toBe(true);
    const { hits, more } = await searchPatients(app.context, text, 500);
    expect(more, text).toBe(false);
    expect(new Set(hits.map((h) => h.patientId)), text).toEqual(expected);
  });

  it('starts from pair terms that hold both beginnings, which a typed word never reaches', async () => {
    const pairs = app.context.sqlite.prepare('SELECT term FROM search_terms WHERE patient_id = ? AND term >= ? AND term < ?').pluck();
    expect(pairs.all('named-1', PAIR_MARK, '\u0002')).toContain(`${PAIR_MARK}ma re`);
    expect(pairs.all('named-2', PAIR_MARK, '\u0002')).toContain(`${PAIR_MARK}jo nu`);
    // What a clerk types never reaches one: the mark is dropped from words, and kept only in an email, which a pair term never holds.
    expect((await searchPatients(app.context, `${PAIR_MARK}ma re@`)).hits).toEqual([]);
  });
});
