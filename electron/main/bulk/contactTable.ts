import type BetterSqlite3 from 'better-sqlite3';
import { checkMailbox } from '../../../shared/domain/email';
import { yieldToEventLoop } from '../lib/pacing';
import { intAt } from './passRows';
import { CONTACT_COLUMNS, contactDetailsOf, packedColumns, type ContactDetails } from './rowidReaders';

// The contacts as the Bulk PIN pass reads them (snapshot.ts).

/** What a contact's email field is to the campaign: none, one usable mailbox, or text that is not one. */
export const MAILBOX_NONE = 0;
export const MAILBOX_USABLE = 1;
export const MAILBOX_UNUSABLE = 2;

/** The contacts as the pass reads them: once, in rowid order, each judged only if a verdict needs it. */
export interface ContactTable {
  /** By contact rowid: MAILBOX_NONE (also for a rowid not read), MAILBOX_USABLE or MAILBOX_UNUSABLE. */
  classOf(crow: number): number;
  /** The field as it stands, for a contact whose email is unusable (the exclusion quotes it). */
  unusableText(crow: number): string | null;
  /** The contact's details, a new object (read with `withDetails` only; null otherwise or when not read). */
  details(crow: number): ContactDetails | null;
  /** The same in one object reused by the next call (for rules that keep nothing of it). */
  peek(crow: number): ContactDetails | null;
  /** Whether the scan read this contact. */
  has(crow: number): boolean;
}

/** Contact rowids per read between yields. */
const CONTACT_CHUNK = 20_000;

/**
 * Every contact up to `maxContact`, one ordered scan in rowid ranges (a yield between them): with
 * `withDetails` (the worklist) each row packed with what the lists show (packedColumns), else its
 * email only. The rows are kept as read; a contact's email is judged by THE email rule
 * (checkMailbox) the first time a verdict asks, once, and its details are unpacked the first time
 * they are asked for: the pass judges only the Primary Contacts of the patients that get that far.
 */
export async function contactTable(sqlite: BetterSqlite3.Database, maxContact: number, withDetails: boolean): Promise<ContactTable> {
  const rows = new Array<string | undefined>(maxContact + 1);
  const classes = new Uint8Array(maxContact + 1); // 0: not judged yet, else 1 + the class
  const unusable = new Map<number, string>();
  const packed = packedColumns(CONTACT_COLUMNS);
  // Email only: "rowid,email" (the rowid has no comma: the first one ends it).
  const read = withDetails
    ? sqlite.prepare(`SELECT ${packed.select} FROM contacts WHERE rowid > ? AND rowid <= ?`).pluck(true)
    : sqlite.prepare(`SELECT rowid || ',' || email FROM contacts WHERE email IS NOT NULL AND rowid > ? AND rowid <= ?`).pluck(true);
  const single = sqlite.prepare(`SELECT ${CONTACT_COLUMNS.join(', ')} FROM contacts WHERE rowid = ?`).raw(true);
  for (let after = 0; after < maxContact; after += CONTACT_CHUNK) {
    for (const r of read.all(after, Math.min(maxContact, after + CONTACT_CHUNK)) as string[]) {
      rows[withDetails ? packed.rowidOf(r) : intAt(r, 0, r.indexOf(','))] = r;
    }
    await yieldToEventLoop();
  }
  const values = new Array<string | null>(CONTACT_COLUMNS.length);
  const unpack = (crow: number): readonly (string | null)[] | null => {
    if (!withDetails || crow < 0 || crow > maxContact) return null;
    const r = rows[crow];
    if (r === undefined) return null;
    if (packed.parse(r, values)) return values;
    return (single.get(crow) as (string | null)[] | undefined) ?? null;
  };
  const scratch: ContactDetails = { id: '', firstName: '', lastName: '', email: null, mobilePhone: null, preferredReminder: null };
  const peek = (crow: number): ContactDetails | null => {
    const v = unpack(crow);
    if (v === null) return null;
    scratch.id = v[0]!;
    scratch.firstName = v[1]!;
    scratch.lastName = v[2]!;
    scratch.email = v[3] ?? null;
    scratch.mobilePhone = v[4] ?? null;
    scratch.preferredReminder = (v[5] ?? null) as ContactDetails['preferredReminder'];
    return scratch;
  };
  const details = (crow: number): ContactDetails | null => {
    const v = unpack(crow);
    return v === null ? null : contactDetailsOf(v);
  };
  const emailOf = (crow: number): string | null => {
    if (withDetails) return peek(crow)?.email ?? null;
    const r = rows[crow];
    return r === undefined ? null : r.slice(r.indexOf(',') + 1);
  };
  const classOf = (crow: number): number => {
    if (crow < 0 || crow > maxContact) return MAILBOX_NONE;
    let c = classes[crow]!;
    if (c === 0) {
      const email = emailOf(crow);
      const check = checkMailbox(email);
      c = 1 + (check.ok ? MAILBOX_USABLE : check.problem === 'missing' ? MAILBOX_NONE : MAILBOX_UNUSABLE);
      if (c === 1 + MAILBOX_UNUSABLE) unusable.set(crow, email!);
      classes[crow] = c;
    }
    return c - 1;
  };
  return {
    classOf,
    unusableText: (crow) => (classOf(crow) === MAILBOX_UNUSABLE ? (unusable.get(crow) ?? null) : null),
    details,
    peek,
    has: (crow) => crow >= 0 && crow <= maxContact && rows[crow] !== undefined,
  };
}
