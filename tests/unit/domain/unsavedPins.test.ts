import { describe, expect, it } from 'vitest';
import { unsavedPinsWarning } from '../../../shared/domain/unsavedPins';

describe("the status bar's words for PINs the mirror refused", () => {
  it('says nothing when every issued PIN is in the records', () => {
    expect(unsavedPinsWarning(null)).toBeNull();
    expect(unsavedPinsWarning({ families: 0, since: '2026-12-05T10:00:00.000Z', error: 'SQLITE_FULL' })).toBeNull();
  });

  it('counts the families and says the cause in words, extended codes included', () => {
    expect(unsavedPinsWarning({ families: 1, since: '2026-12-05T10:00:00.000Z', error: 'SQLITE_FULL' })).toBe(
      "1 family's PINs are not in the practice's records yet (the disk is full). They are kept on this computer and this desk keeps trying; tell your administrator if this stays.",
    );
    expect(unsavedPinsWarning({ families: 3, since: '2026-12-05T10:00:00.000Z', error: 'SQLITE_IOERR_FSYNC' })).toMatch(
      /^3 families' PINs are not in the practice's records yet \(the disk reported an error\)\./,
    );
  });

  it('names a code it has no words for, rather than guessing', () => {
    expect(unsavedPinsWarning({ families: 2, since: '2026-12-05T10:00:00.000Z', error: 'SQLITE_CONSTRAINT_FOREIGNKEY' })).toContain(
      '(the database answered SQLITE_CONSTRAINT_FOREIGNKEY)',
    );
  });
});
