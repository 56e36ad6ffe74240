import { describe, expect, it } from 'vitest';
import { missingFields } from '../../electron/main/importer/fields';
import {
  FIELD_CHOICE_HINTS,
  FIELD_LABELS,
  FIELDS_OF,
  IMPORT_FIELD_ALIASES,
  IMPORT_FIELDS,
  IMPORT_KINDS,
  importFieldNamed,
  KIND_LABELS,
  missingFieldLabel,
} from '../../shared/import/fields';
import { fieldChoiceWords } from '../../renderer/src/importer/importWords';

// The app ships one language (English): each field needs a label in it.
describe('the import vocabulary', () => {
  it.each(IMPORT_FIELDS)('%s has a label, and a field of every kind is in the vocabulary', (field) => {
    expect(FIELD_LABELS[field]?.trim()).toBeTruthy();
    expect(IMPORT_KINDS.some((kind) => FIELDS_OF[kind].includes(field))).toBe(true);
  });

  it('labels every field and nothing else', () => {
    expect(Object.keys(FIELD_LABELS).sort()).toEqual([...IMPORT_FIELDS].sort());
    for (const field of Object.keys(FIELD_CHOICE_HINTS)) expect(IMPORT_FIELDS).toContain(field);
  });

  it.each(IMPORT_KINDS)('the mapping choices of a %s file read differently from each other', (kind) => {
    const words = FIELDS_OF[kind].map(fieldChoiceWords);
    expect(new Set(words).size).toBe(words.length);
    expect(KIND_LABELS[kind].title.toLowerCase()).toBe(KIND_LABELS[kind].inSentence);
  });

  it.each(Object.entries(IMPORT_FIELD_ALIASES))('the alias %s names the field %s, a field of a kind', (alias, field) => {
    expect(importFieldNamed(alias)).toBe(field);
    expect(IMPORT_FIELDS).toContain(field);
  });

  it('a name that is no field is none', () => {
    expect(importFieldNamed('favouriteColour')).toBeNull();
    expect(importFieldNamed('toString')).toBeNull();
  });

  it.each(IMPORT_KINDS)('every field a %s file needs is one of its own, named in words', (kind) => {
    for (const missing of missingFields(kind, new Set())) {
      for (const field of missing.split('|')) expect(FIELDS_OF[kind]).toContain(field);
      expect(missingFieldLabel(missing)).not.toMatch(/[a-z][A-Z]|\|/);
    }
  });
});
