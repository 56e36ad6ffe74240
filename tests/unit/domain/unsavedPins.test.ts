import { describe, expect, it } from 'vitest';
import { journalSetAsideWarning, unsavedPinsWarning } from '../../../shared/domain/unsavedPins';

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

describe("the status bar's words for a desk journal set aside at start", () => {
  it('says nothing when the journal was sound', () => {
    expect(journalSetAsideWarning(null)).toBeNull();
  });

  it('names the file kept for IT (not its folder), how much was saved from it, and whom to tell', () => {
    const words = journalSetAsideWarning({
      movedAsideTo: 'C:\\Users\\desk\\Family Portal PINs\\practice.sqlite-desk-journal.damaged-2026-12-05T10-00-00-000Z',
      recovered: 2,
    });
    expect(words).toBe(
      "This desk's journal of PINs just issued was damaged and was set aside when the app started (2 issued batches were read from it and saved; the file is kept for IT as practice.sqlite-desk-journal.damaged-2026-12-05T10-00-00-000Z). PINs issued during a sync or an import just before may be missing from the records: tell your administrator.",
    );
    expect(journalSetAsideWarning({ movedAsideTo: '/home/desk/.config/fpp/practice.sqlite-desk-journal.damaged-x', recovered: 0 })).toContain(
      '(nothing could be read from it; the file is kept for IT as practice.sqlite-desk-journal.damaged-x)',
    );
  });
});
