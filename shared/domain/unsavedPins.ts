/** StatusInfo.unsavedPins: how many families, since when, and the database's error code. */
export interface UnsavedPins {
  families: number;
  since: string;
  error: string;
}

/** StatusInfo.journalSetAside: where the damaged journal was moved, and how many batches were read from it. */
export interface JournalSetAside {
  movedAsideTo: string;
  recovered: number;
}

/** SQLite's answers a clerk may meet here, in words; anything else is named by its code. */
const CAUSES: Record<string, string> = {
  SQLITE_FULL: 'the disk is full',
  SQLITE_IOERR: 'the disk reported an error',
  SQLITE_READONLY: 'the records file cannot be written',
  SQLITE_CORRUPT: 'the records file is damaged',
  SQLITE_CANTOPEN: 'the records file cannot be opened',
};

function cause(error: string): string {
  const known = Object.entries(CAUSES).find(([code]) => error === code || error.startsWith(`${code}_`));
  return known ? known[1] : `the database answered ${error}`;
}

/**
 * The status bar's words for PINs the mirror refused on their way from the desk's journal
 * (StatusInfo.unsavedPins), or null. The PINs are kept on this computer and retried; what the
 * clerk must know is that the family's records do not show them yet. Pure.
 */
export function unsavedPinsWarning(unsaved: UnsavedPins | null): string | null {
  if (!unsaved || unsaved.families <= 0) return null;
  const whose = unsaved.families === 1 ? "1 family's PINs are" : `${unsaved.families.toLocaleString('en-US')} families' PINs are`;
  return `${whose} not in the practice's records yet (${cause(unsaved.error)}). They are kept on this computer and this desk keeps trying; tell your administrator if this stays.`;
}

/**
 * The status bar's words for a desk journal set aside at start (StatusInfo.journalSetAside), or
 * null. PINs issued during a sync or an import just before the app stopped may have been in it
 * and not in the records: the practice must look, so the clerk is told whom to ask.
 */
export function journalSetAsideWarning(setAside: JournalSetAside | null): string | null {
  if (!setAside) return null;
  const name = setAside.movedAsideTo.split(/[\\/]/).pop();
  const carried =
    setAside.recovered === 0
      ? 'nothing could be read from it'
      : `${setAside.recovered.toLocaleString('en-US')} issued ${setAside.recovered === 1 ? 'batch was' : 'batches were'} read from it and saved`;
  return `This desk's journal of PINs just issued was damaged and was set aside when the app started (${carried}; the file is kept for IT as ${name}). PINs issued during a sync or an import just before may be missing from the records: tell your administrator.`;
}
