import { describe, expect, it } from 'vitest';
import { PAIR_MARK, pairPrefix, pairTerm, patientSearchTerms, searchTokens } from '../../../electron/main/search/terms';

describe('searchTokens', () => {
  it.each([
    ["Ma O'Re", ['ma', 're', 'o']],
    ['García-López Ana', ['garcia', 'lopez', 'ana']],
    // A word that begins another asks nothing more of a patient: dropped.
    ['ma mar maria', ['maria']],
    ['Smit Sm', ['smit']],
    ['ana ana', ['ana']],
    ['3/14/2019', ['03142019']],
    ['Maria@Example.com ', ['maria@example.com']],
  ])('%s -> %j', (text, tokens) => {
    expect(searchTokens(text)).toEqual(tokens);
  });
});

describe('pair terms', () => {
  it.each([
    ['smith', 'sm'],
    ['øyvind', 'øy'],
    ['o', null],
    ['c9334019', null],
    ['03142019', null],
    ['.dot@example.com', null],
  ])('%s begins with the pair letters %s', (word, prefix) => {
    expect(pairPrefix(word)).toBe(prefix);
  });

  it('is the same term for either order of two beginnings, in code point order past U+FFFF too', () => {
    expect(pairTerm('sm', 'ko')).toBe(`${PAIR_MARK}ko sm`);
    expect(pairTerm('ko', 'sm')).toBe(`${PAIR_MARK}ko sm`);
    // U+E000 sorts before U+1D49C by code point (SQLite's order), after it in UTF-16.
    expect(pairTerm('𝒜l', '\uE000p')).toBe(`${PAIR_MARK}\uE000p 𝒜l`);
  });

  it("pairs every two of a patient's terms that begin with two letters, the child's with the guardian's", () => {
    const terms = patientSearchTerms({ firstName: 'Mary', lastName: "O'Reilly", chartNumber: 'C100', dateOfBirth: '2019-03-14' }, [
      { firstName: 'Sean', lastName: 'Smith', email: null, mobilePhone: '555-010-2000', homePhone: null },
    ]);
    const pairs = terms.filter((t) => t.startsWith(PAIR_MARK)).sort();
    // mary, reilly, oreilly, sean, smith: beginnings ma, re, or, se, sm ("o" and the chart, dates and phone have none).
    expect(pairs).toEqual(['ma or', 'ma re', 'ma se', 'ma sm', 'or re', 'or se', 'or sm', 're se', 're sm', 'se sm'].map((p) => `${PAIR_MARK}${p}`));
  });

  it('pairs one beginning only for two terms of which neither begins the other', () => {
    const pairs = (firstName: string, email: string) =>
      patientSearchTerms({ firstName, lastName: 'Li', chartNumber: 'C1', dateOfBirth: null }, [
        { firstName: 'Ann', lastName: 'Li', email, mobilePhone: null, homePhone: null },
      ]).filter((t) => t.startsWith(PAIR_MARK));
    // "mary" begins "mary.li@mail.com": a search the two answer, the address answers alone.
    expect(pairs('Mary', 'mary.li@mail.com')).not.toContain(`${PAIR_MARK}ma ma`);
    expect(pairs('Maria', 'mary.li@mail.com')).toContain(`${PAIR_MARK}ma ma`);
  });
});
