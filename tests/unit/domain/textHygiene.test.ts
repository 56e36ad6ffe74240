import { describe, expect, it } from 'vitest';
import { cleanOptionalText, cleanText } from '../../../shared/domain/textHygiene';

describe('cleanText', () => {
  it.each([
    ['Ana', 'Ana', 0],
    ['A\u0000na', 'Ana', 1],
    ['Ana\u0007', 'Ana', 1],
    ['\u202eanA', 'anA', 1],
    ['Jos\u00e9 Pe\u00f1a', 'Jos\u00e9 Pe\u00f1a', 0],
    ['Mar\u2067ia\u2069', 'Maria', 2],
    ['\u{1F468}\u200d\u{1F469}', '\u{1F468}\u200d\u{1F469}', 0],
  ])('%j becomes %j', (raw, text, removed) => {
    expect(cleanText(raw)).toEqual({ text, removed });
  });

  it('keeps null as null', () => {
    expect(cleanOptionalText(null)).toEqual({ text: null, removed: 0 });
  });
});
