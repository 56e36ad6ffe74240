import { describe, expect, it } from 'vitest';
import { csvCell, isFormulaLike, toCsv } from '../../electron/main/lib/csv';
import { csvRows } from '../support/csvRows';

/**
 * The export's formula guard (issue 11 item 11): what a spreadsheet would run as a formula is
 * written with a leading apostrophe, whichever Unicode form of = + - @ it starts with.
 */
describe('CSV export formula guard', () => {
  it.each([
    ['ASCII =', '=HYPERLINK("http://evil.example","Click")'],
    ['ASCII +', '+1+cmd|calc'],
    ['ASCII -', '-2+3'],
    ['ASCII @', '@SUM(A1:A9)'],
    ['tab first', '\t=1+1'],
    ['CR first', '\r=1+1'],
    ['LF first', '\n=1+1'],
    ['full-width ＝ (U+FF1D)', '\uFF1DSUM(1,2)'],
    ['full-width ＋ (U+FF0B)', '\uFF0B1'],
    ['full-width － (U+FF0D)', '\uFF0D1'],
    ['full-width ＠ (U+FF20)', '\uFF20SUM(1)'],
    ['minus sign − (U+2212)', '\u22121+1'],
    ['small ﹢ (U+FE62)', '\uFE621'],
    ['small ﹣ (U+FE63)', '\uFE631'],
    ['small ﹦ (U+FE66)', '\uFE66SUM(1)'],
    ['small ﹫ (U+FE6B)', '\uFE6BSUM(1)'],
    ['superscript ⁼ (U+207C)', '\u207C1'],
    ['subscript ₊ (U+208A)', '\u208A1'],
    ['en dash – (U+2013)', '\u20131'],
    ['spaces before =', '   =1+1'],
    ['ideographic space before ＝', '\u3000\uFF1D1'],
    ['no-break space before @', '\u00A0@SUM(1)'],
  ])('guards %s', (_label, value) => {
    expect(isFormulaLike(value)).toBe(true);
    const cell = csvCell(value);
    // A spreadsheet reading the file sees the apostrophe first: text, never a formula.
    expect(csvRows(`${cell}\r\n`)[0]![0]!.startsWith("'")).toBe(true);
    expect(csvRows(`${cell}\r\n`)[0]![0]).toBe(`'${value}`);
  });

  it.each([
    ['a name', 'Maria Lopez'],
    ['an email', 'maria@example.com'],
    ['a hyphenated name', 'Anne-Marie'],
    ['a date', '11/22/2026'],
    ['a phone', '(617) 555-0142'],
    ['a number', '42'],
    ['equals later on', 'a=b'],
    ['accented first letter', 'Émile'],
    ['full-width letters', '\uFF21\uFF4E\uFF41'],
    ['only spaces', '   '],
    ['empty', ''],
  ])('leaves %s as it is', (_label, value) => {
    expect(isFormulaLike(value)).toBe(false);
    expect(csvRows(`${csvCell(value)}\r\n`)[0]?.[0] ?? '').toBe(value);
  });

  it('guards every cell of a row, header included, in the file written', () => {
    const file = toCsv(['\uFF1DHeader'], [['\uFF20x'], ['ok']]);
    expect(csvRows(file)).toEqual([["'\uFF1DHeader"], ["'\uFF20x"], ['ok']]);
  });
});
