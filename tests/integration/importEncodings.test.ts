import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportPreview, ImportResult } from '../../shared/bulk/api';
import type { App } from '../../electron/main/app';
import { lines } from '../support/csvFixtures';
import { watchLongestTurn } from '../support/eventLoopTurns';
import { makeTempDir } from '../support/tempDir';
import { MORGAN_ADMIN, NEW_YORK_TIME, openTestDesk } from '../support/testDesk';

/**
 * Issue 11 items 7 and 8: an import file is read as bytes (UTF-8 with or without its mark,
 * UTF-16 LE/BE, Windows-1252 or Latin-1 once the administrator confirms, anything else refused
 * naming a line), and control and bidi-override characters are removed from names and contact
 * fields and counted. Everything goes through the contract, as the import screen sends it.
 */

const NOW = new Date('2026-11-22T15:00:00Z');
let temp: ReturnType<typeof makeTempDir>;
let app: App;

beforeEach(async () => {
  temp = makeTempDir();
  app = await openTestDesk(temp.file('practice.sqlite'), { now: () => NOW, workstation: 'desk-1', settings: NEW_YORK_TIME, clerks: [MORGAN_ADMIN] });
});
afterEach(async () => {
  await app.close();
  temp.remove();
});

type FileInput = { name: string; bytes?: string; content?: string; encoding?: 'windows-1252' };

async function invoke<T>(name: 'import.preview' | 'import.apply', files: FileInput[]): Promise<T> {
  const result = await app.invoke(name, { files });
  if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
  return result.value as T;
}
const preview = (files: FileInput[]) => invoke<ImportPreview>('import.preview', files);
const apply = (files: FileInput[]) => invoke<ImportResult>('import.apply', files);
const names = () => app.context.sqlite.prepare('SELECT first_name, last_name FROM patients ORDER BY chart_number').raw(true).all();
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Windows-1252 bytes of a string: Latin-1 letters as they are, the typographic quotes and dashes at 0x91–0x97. */
const CP1252: Record<string, number> = {
  '\u2018': 0x91,
  '\u2019': 0x92,
  '\u201c': 0x93,
  '\u201d': 0x94,
  '\u2022': 0x95,
  '\u2013': 0x96,
  '\u2014': 0x97,
  '\u20ac': 0x80,
};
function windows1252(text: string): Buffer {
  return Buffer.from(
    [...text].map((ch) => {
      if (CP1252[ch] !== undefined) return CP1252[ch]!;
      const code = ch.charCodeAt(0);
      if (code > 0xff || (code >= 0x80 && code <= 0x9f)) throw new Error(`not in Windows-1252: ${ch}`);
      return code;
    }),
  );
}
function utf16be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return le;
}

const PATIENTS = lines(
  /* 1 */ 'Chart #,Family #,First Name,Last Name,DOB,Status',
  /* 2 */ 'C1,F1,Ana,Lopez,03/14/2015,Active',
  /* 3 */ 'C2,F1,José,Peña,06/02/2018,Active',
  /* 4 */ 'C3,F1,Zoë,Muñoz,2020-09-30,Active',
);
const STORED = [
  ['Ana', 'Lopez'],
  ['José', 'Peña'],
  ['Zoë', 'Muñoz'],
];

describe('files that are not UTF-8: read as Windows-1252 once the administrator confirms', () => {
  it('a Latin-1 file: names shown for confirmation, nothing imported before it, stored right after it', async () => {
    const bytes = base64(Buffer.from(PATIENTS, 'latin1'));
    const first = await preview([{ name: 'patients.csv', bytes }]);
    expect(first.files[0]!.encoding).toEqual({
      encoding: 'windows-1252',
      bom: false,
      notUtf8Line: 3,
      confirmed: false,
      samples: [
        { line: 3, text: 'José Peña' },
        { line: 4, text: 'Zoë Muñoz' },
      ],
    });
    expect(first.problems).toEqual([
      {
        file: 'patients.csv',
        line: 3,
        column: null,
        message:
          'patients.csv is not saved as UTF-8 (line 3 is the first line that is not). Read as Windows-1252, its names look like the examples shown: ' +
          'confirm that they read right, or save the file as CSV UTF-8 and choose it again.',
      },
    ]);
    // The rest of the file was checked as it would be imported.
    expect(first.counts.patients).toBe(3);
    const refused = await apply([{ name: 'patients.csv', bytes }]);
    expect(refused.applied).toBe(false);
    expect(names()).toEqual([]);

    const confirmed = await apply([{ name: 'patients.csv', bytes, encoding: 'windows-1252' }]);
    expect(confirmed).toMatchObject({ applied: true, problems: [] });
    expect(confirmed.files[0]!.encoding).toMatchObject({ encoding: 'windows-1252', confirmed: true });
    expect(names()).toEqual(STORED);
    // The audit entry records how the file was read.
    const audit = JSON.parse(app.context.sqlite.prepare(`SELECT details FROM audit_log WHERE action = 'import_applied'`).pluck().get() as string);
    expect(audit.files).toEqual([{ name: 'patients.csv', kind: 'patients', rows: 3, encoding: 'windows-1252' }]);
  });

  it('a Windows-1252 file with smart quotes, an apostrophe and ñ', async () => {
    const content = lines(
      /* 1 */ 'Chart #,First Name,Last Name,DOB,Status,Family Name',
      /* 2 */ 'C1,\u201cNico\u201d,O\u2019Brien,03/14/2015,Active,',
      /* 3 */ 'C2,Iñaki,Muñoz\u2013Peña,06/02/2018,Active,Muñoz \u2022 Peña',
    );
    const bytes = base64(windows1252(content));
    const p = await preview([{ name: 'patients.csv', bytes }]);
    expect(p.files[0]!.encoding.samples).toEqual([
      { line: 2, text: '\u201cNico\u201d O\u2019Brien' },
      { line: 3, text: 'Iñaki Muñoz\u2013Peña' },
    ]);
    expect(p.problems.map((x) => x.line)).toEqual([2]);
    expect(await apply([{ name: 'patients.csv', bytes, encoding: 'windows-1252' }])).toMatchObject({ applied: true });
    expect(names()).toEqual([
      ['\u201cNico\u201d', 'O\u2019Brien'],
      ['Iñaki', 'Muñoz\u2013Peña'],
    ]);
  });

  it('a confirmation is not needed, nor used, for a file that is UTF-8', async () => {
    const bytes = base64(Buffer.from(PATIENTS, 'utf8'));
    const result = await apply([{ name: 'patients.csv', bytes, encoding: 'windows-1252' }]);
    expect(result.files[0]!.encoding).toEqual({ encoding: 'utf-8', bom: false, notUtf8Line: null, confirmed: false, samples: [] });
    expect(names()).toEqual(STORED);
  });
});

describe('UTF-8 and UTF-16 files, read from their bytes', () => {
  it.each([
    ['UTF-8 with its byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(PATIENTS, 'utf8')]), 'utf-8'],
    ['UTF-16 LE (Excel "Unicode Text")', Buffer.from(`\uFEFF${PATIENTS}`, 'utf16le'), 'utf-16le'],
    ['UTF-16 BE', utf16be(`\uFEFF${PATIENTS}`), 'utf-16be'],
  ] as const)('%s: names stored as written, headers recognised', async (_label, raw, encoding) => {
    const bytes = base64(raw);
    const p = await preview([{ name: 'patients.csv', bytes }]);
    expect(p.problems).toEqual([]);
    expect(p.files[0]).toMatchObject({ kind: 'patients', rows: 3, missingFields: [], encoding: { encoding, bom: true, notUtf8Line: null } });
    expect(p.files[0]!.columns[0]).toEqual({ header: 'Chart #', field: 'chartNumber' });
    expect(await apply([{ name: 'patients.csv', bytes }])).toMatchObject({ applied: true });
    expect(names()).toEqual(STORED);
  });
});

describe('files refused with "save the file as CSV UTF-8", naming the line', () => {
  it.each([
    [
      'bytes no text file holds (after a non-UTF-8 line)',
      Buffer.concat([
        Buffer.from('Chart #,First Name,Last Name,DOB,Status\r\nC1,Jos', 'latin1'),
        Buffer.from([0xe9]),
        Buffer.from(',Lopez,03/14/2015,Active\r\nC2,A', 'latin1'),
        Buffer.from([0x81, 0x00]),
        Buffer.from(',B,,Active\r\n'),
      ]),
      2,
      'patients.csv is not a CSV text file this app can read: line 2 is not UTF-8, and line 3 holds a byte no text file has (is it a spreadsheet or another kind of file?). Save the file as CSV UTF-8 (in Excel: File > Save As > “CSV UTF-8”) and choose it again.',
    ],
    [
      'a spreadsheet (binary) chosen by mistake',
      Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00, 0xa1, 0xd2, 0x0a, 0x9d, 0xff]),
      1,
      'patients.csv is not a CSV text file this app can read: line 1 is not UTF-8, and line 1 holds a byte no text file has (is it a spreadsheet or another kind of file?). Save the file as CSV UTF-8 (in Excel: File > Save As > “CSV UTF-8”) and choose it again.',
    ],
    [
      'a UTF-8 byte-order mark over bytes that are not UTF-8',
      Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from('Chart #,First Name,Last Name,DOB,Status\r\nC1,Ana,Lopez,,Active\r\nC2,Jos\xe9,Pe\xf1a,,Active\r\n', 'latin1'),
      ]),
      3,
      'patients.csv says it is UTF-8 but line 3 is not. Save the file as CSV UTF-8 (in Excel: File > Save As > “CSV UTF-8”) and choose it again.',
    ],
    [
      'UTF-16 without its byte-order mark',
      Buffer.from(PATIENTS, 'utf16le'),
      1,
      'patients.csv looks like a UTF-16 file without its byte-order mark (its first line is full of NUL characters). Save the file as CSV UTF-8 (in Excel: File > Save As > “CSV UTF-8”) and choose it again.',
    ],
    [
      'UTF-16 with a broken character',
      Buffer.concat([
        Buffer.from(`\uFEFFChart #,First Name,Last Name,DOB,Status\r\nC1,Ana,Lopez,,Active\r\nC2,`, 'utf16le'),
        Buffer.from([0x00, 0xd8, 0x41, 0x00]),
        Buffer.from(',B,,Active\r\n', 'utf16le'),
      ]),
      3,
      'patients.csv is a UTF-16 file with a broken character on line 3. Save the file as CSV UTF-8 (in Excel: File > Save As > “CSV UTF-8”) and choose it again.',
    ],
  ] as const)('%s', async (_label, raw, line, message) => {
    const bytes = base64(raw);
    const p = await preview([{ name: 'patients.csv', bytes }]);
    expect(p.problems).toEqual([{ file: 'patients.csv', line, column: null, message }]);
    expect(p.files[0]).toMatchObject({ kind: null, rows: 0, columns: [], encoding: { encoding: null } });
    // A confirmation does not make an unreadable file readable.
    expect(await apply([{ name: 'patients.csv', bytes, encoding: 'windows-1252' }])).toMatchObject({ applied: false });
    expect(names()).toEqual([]);
  });
});

describe('hidden characters removed at import, and counted', () => {
  it('control and bidi-override characters leave names and contact fields; the preview says how many, from how many fields', async () => {
    const patients = lines(
      'Chart #,Family #,First Name,Last Name,DOB,Status',
      'C1,F1,A\u0000na,Lo\u0007pez,03/14/2015,Active', // 2 characters, 2 fields
      'C2,F1,\u202eoiraM,Lopez,06/02/2018,Active', // 1
    );
    const contacts = lines(
      'Chart #,Contact ID,First Name,Last Name,Relationship,Sort,Authority,Email,Cell',
      'C1,K1,Ma\u200fria\u2066,Lopez,Mo\u0000ther,1,Joint,maria.lopez@example.com,617-555-0142', // 2 + 1 characters, 2 fields
      'C2,K1,Ma\u200fria\u2066,Lopez,Mother,1,Joint,maria.lopez@example.com,617-555-0142', // 2 characters, 1 field
    );
    const files = [
      { name: 'patients.csv', content: patients },
      { name: 'contacts.csv', content: contacts },
    ];
    const p = await preview(files);
    expect(p.problems).toEqual([]);
    expect(p.hiddenCharacters).toEqual({ removed: 8, fields: 6 });
    const result = await apply(files);
    expect(result).toMatchObject({ applied: true, hiddenCharacters: { removed: 8, fields: 6 } });
    const audit = JSON.parse(app.context.sqlite.prepare(`SELECT details FROM audit_log WHERE action = 'import_applied'`).pluck().get() as string);
    expect(audit.hiddenCharacters).toEqual({ removed: 8, fields: 6 });
    expect(names()).toEqual([
      ['Ana', 'Lopez'],
      ['oiraM', 'Lopez'],
    ]);
    const contact = app.context.sqlite.prepare(`SELECT first_name, last_name FROM contacts WHERE id = 'K1'`).get();
    expect(contact).toEqual({ first_name: 'Maria', last_name: 'Lopez' });
    expect(app.context.sqlite.prepare(`SELECT DISTINCT relationship FROM patient_contacts`).pluck().all()).toEqual(['Mother']);
  });

  it('a name that is nothing but hidden characters is blank, and says so', async () => {
    const p = await preview([{ name: 'patients.csv', content: lines('Chart #,First Name,Last Name,DOB,Status', 'C1,\u202e\u0000,Lopez,03/14/2015,Active') }]);
    expect(p.problems).toEqual([{ file: 'patients.csv', line: 2, column: 'First Name', message: 'First name is blank' }]);
  });

  it('an email field is kept as written (the worklist names what is wrong with it)', async () => {
    const patients = lines('Chart #,First Name,Last Name,DOB,Status', 'C1,Ana,Lopez,03/14/2015,Active');
    const contacts = lines('Chart #,Contact ID,First Name,Last Name,Sort,Email', 'C1,K1,Maria,Lopez,1,"maria@example.com\r\nBcc: spy@evil.example"');
    const result = await apply([
      { name: 'patients.csv', content: patients },
      { name: 'contacts.csv', content: contacts },
    ]);
    expect(result).toMatchObject({ applied: true, hiddenCharacters: { removed: 0, fields: 0 } });
    expect(app.context.sqlite.prepare(`SELECT email FROM contacts WHERE id = 'K1'`).pluck().get()).toBe('maria@example.com\r\nBcc: spy@evil.example');
  });
});

describe('a very wide file', () => {
  it('a 500,000-column file is refused by its header without stalling the main process', async () => {
    const header = ['Chart #', 'First Name', 'Last Name', 'DOB', 'Status', ...Array.from({ length: 499_995 }, (_, i) => `Extra ${i}`)].join(',');
    const row = ['C1', 'Ana', 'Lopez', '03/14/2015', 'Active', ...Array.from({ length: 499_995 }, () => 'x')].join(',');
    const content = `${header}\r\n${row}\r\n`;
    // A file of five columns whose data line has 500,000 cells is read a part at a time too.
    const narrow = `Chart #,First Name,Last Name,DOB,Status\r\n${row}\r\n`;
    await preview([{ name: 'warm-up.csv', content: lines('Chart #,First Name,Last Name,DOB,Status', 'C9,A,B,,Active') }]);

    for (const [file, expected] of [
      [
        content,
        'wide.csv has 500,000 columns; a practice export has a few dozen (this import reads up to 1,000). Check that this is the export of patients, family contacts or appointments.',
      ],
      [narrow, 'This line has 500000 values but the header has 5 columns (a value with a delimiter in it needs quotes)'],
    ] as const) {
      const longestTurn = watchLongestTurn();
      const p = await preview([{ name: 'wide.csv', content: file }]);
      const longest = await longestTurn();
      expect(p.problems.map((x) => x.message)).toEqual([expected]);
      // Issue 11 measured 4.9 s; the bound is generous for a shared, busy test machine.
      expect(longest).toBeLessThan(250);
    }
  });
});
