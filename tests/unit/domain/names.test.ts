import { describe, it, expect } from 'vitest';
import { UNOFFICIAL_NAME_EXAMPLES, fullName, isUnofficialName, nameWords, normalizeForSearch } from '../../../shared/domain/names';

describe('isUnofficialName: placeholders are caught', () => {
  it.each([
    // firstName, lastName
    ['Baby Boy', 'Lopez'],
    ['Baby Girl', 'Lopez'],
    ['BABY GIRL', 'Lopez'],
    ['baby   girl', 'Lopez'],
    ['  Baby Girl  ', 'Lopez'],
    ['Baby-Girl', 'Lopez'],
    ['BB', 'Lopez'],
    ['BG', 'Lopez'],
    ['Bb', 'Lopez'],
    ['bg', 'Lopez'],
    ['BBA', 'Lopez'], // baby boy A
    ['BG B', 'Lopez'],
    ['Baby', 'Lopez'],
    ['Infant', 'Lopez'],
    ['Newborn', 'Lopez'],
    ['NB', 'Lopez'],
    ['Twin A', 'Lopez'],
    ['twin b', 'Lopez'],
    ['Twin', 'Lopez'],
    ['Triplet C', 'Lopez'],
    ['Boy', 'Lopez'],
    ['Girl', 'Lopez'],
    ['Baby Girl Lopez', 'Lopez'], // surname typed into the first name
    ['Baby Boy Lopez Garcia', 'Lopez Garcia'],
    ['Baby Lopez', 'Lopez'],
    ['Baby Girl Garcia', 'Lopez'], // the parent's surname, not the child's
    ['Baby Girl Lopez', 'Lopez-Garcia'],
    ['B.G.', 'Lopez'],
    ['B. B.', 'Lopez'],
    ['BG Lopez', 'Lopez'],
    ['BabyGirl', 'Lopez'], // typed without the space
    ['BabyBoy', 'Lopez'],
    ['Baby Boy A', 'Lopez'],
    ['Baby Girl Twin B', 'Lopez'],
    ['Baby Girl 2', 'Lopez'],
    ['Infant Girl', 'Lopez'],
    ['Newborn Male', 'Lopez'],
    ['', 'Lopez'], // blank first name
    ['   ', 'Lopez'],
    ['Baby Girl', ''],
  ])('%j %j', (first, last) => {
    expect(isUnofficialName(first, last)).toBe(true);
  });

  it.each(UNOFFICIAL_NAME_EXAMPLES)('every documented example: %j', (example) => {
    expect(isUnofficialName(example, 'Lopez')).toBe(true);
    expect(isUnofficialName(example.toUpperCase())).toBe(true);
    expect(isUnofficialName(example.toLowerCase())).toBe(true);
  });
});

describe('isUnofficialName: real names are not flagged', () => {
  it.each([
    ['Babette', 'Lopez'],
    ['Boyd', 'Lopez'],
    ['Boyce', 'Lopez'],
    ['Twinkle', 'Lopez'],
    ['Bebe', 'Lopez'],
    ['Gail', 'Lopez'],
    ['Ana', 'Lopez'],
    ['Girlie', 'Lopez'],
    ['Abby', 'Lopez'],
    ['Bobby', 'Lopez'],
    ['Bo', 'Lopez'],
    ['Bea', 'Lopez'],
    ['Bianca', 'Lopez'],
    ['Boaz', 'Lopez'],
    ['Mary Kate', 'Lopez'],
    ['José', 'García'],
    ['Zoë', 'Lopez'],
    ['Chloé', 'Lopez'],
    ['Björn', 'Lopez'],
    ['Thảo', 'Nguyễn'],
    ['Ana', 'Baby'], // a placeholder-looking surname alone is not a reason to block
    ['Lopez', 'Lopez'],
  ])('%j %j', (first, last) => {
    expect(isUnofficialName(first, last)).toBe(false);
  });
});

describe('nameWords', () => {
  it.each([
    ['José', ['jose']],
    ['Zoë', ['zoe']],
    ['Thảo Nguyễn', ['thao', 'nguyen']],
    ['BABY   GIRL', ['baby', 'girl']],
    ['  Mary-Kate  ', ['mary', 'kate']],
    ["O'Neil", ['o', 'neil']],
    ['Twin A2', ['twin', 'a2']],
    ['B.G.', ['b', 'g']],
    ['', []],
    ['   ', []],
    ['--', []],
  ])('%j → %j', (value, expected) => {
    expect(nameWords(value)).toEqual(expected);
  });
});

describe('normalizeForSearch', () => {
  it.each([
    ['José María', 'josemaria'],
    ["O'Neil", 'oneil'],
    ['Mary-Kate', 'marykate'],
    ['  LOPEZ  garcia ', 'lopezgarcia'],
    ['Nguyễn', 'nguyen'],
    ['(555) 123-4567', '5551234567'],
    ['', ''],
  ])('%j → %j', (value, expected) => {
    expect(normalizeForSearch(value)).toBe(expected);
  });

  it.each([
    ['José', 'JOSE'],
    ['Mary-Kate', 'mary kate'],
    ["O'Neil", 'oneil'],
  ])('%j and %j have the same search key', (a, b) => {
    expect(normalizeForSearch(a)).toBe(normalizeForSearch(b));
  });
});

describe('fullName', () => {
  it.each([
    [{ firstName: 'Mia', lastName: 'Lopez' }, 'Mia Lopez'],
    [{ firstName: ' Mia ', lastName: ' Lopez ' }, 'Mia Lopez'],
    [{ firstName: 'Mary  Kate', lastName: 'Lopez' }, 'Mary Kate Lopez'],
    [{ firstName: '', lastName: 'Lopez' }, 'Lopez'],
  ])('%j → %j', (person, expected) => {
    expect(fullName(person)).toBe(expected);
  });
});
