/** StatusInfo.unsavedPins: how many families, since when, and the database's error code. */
export interface UnsavedPins {
  families: number;
  since: string;
  error: string;
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
