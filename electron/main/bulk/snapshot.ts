/**
 * The Bulk PIN picture of the whole mirror (SPEC 3.5): who the campaign would email, who is left
 * out and why, and the data-quality worklist. One SQL pass over patients, with their Sort-1
 * link(s) read beside them from primary_links, in rowid-range chunks with a yield to the event loop
 * between chunks, every patient judged by the pure rules of shared/domain (bulkVerdict,
 * contactProblems). The result is cached until the mirror changes (see the end of this file).
 *
 * Speed (200,000 patients: about 200 ms of CPU on 2 cores, stretches of about 8 ms between
 * yields). What costs is SQLite reading the rows and turning its values into JavaScript values,
 * so the pass reads only what a verdict needs, each patient as ONE short string (`pluck`): its
 * rowid and status code as one number, then the date of birth, last, so it needs no length or
 * escaping; and each chunk's links as one string of integers, walked in step with the patients (a
 * join looked primary_links up once per patient: about a fifth of the pass). Whether an email is
 * one usable mailbox is THE email rule's (checkMailbox), judged once per contact before the pass
 * (passRows.ts mailboxClasses). The verdict is bulkVerdict's two halves, each worked out once per
 * distinct input (a date of birth and status; link bits and usable or not), not once per patient.
 * It keeps integers (patient and contact rowids) and the few excluded rows; names, chart numbers
 * and contact details are read back by rowid for the rows someone looks at (a page, the
 * exclusions, the worklist, an export).
 *
 * Rows the short form does not settle (several Sort-1 links, an unknown status, a contact newer
 * than the pass) are read again column by column and judged the general way. The detail reads pack
 * several free-text columns into one string: those come with their SQLite lengths and must end
 * exactly on a separator (or the end of the row); a row that does not line up (a stray U+001F, a
 * character outside the BMP) is read again column by column.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { performance } from 'node:perf_hooks';
import type { EligibleGuardian, ExclusionReason, ExclusionRow, WorklistRow } from '../../../shared/bulk/api';
import { bulkPatientVerdict, bulkPrimaryOf, bulkPrimaryVerdict, bulkVerdict, type BulkVerdict } from '../../../shared/domain/bulkEligibility';
import type { ContactLink } from '../../../shared/domain/contacts';
import type { IsoDate } from '../../../shared/domain/dates';
import { PATIENT_STATUSES } from '../../../shared/domain/patient';
import { worklistChildCount } from '../../../shared/domain/worklistGroups';
import type { AppContext } from '../context';
import { lazyExclusions } from './exclusionList';
import { lazyGuardians } from './guardianList';
import { Pacer, yieldToEventLoop } from '../lib/pacing';
import { PassTally } from './passTally';
import { patientVerdictsFor } from './patientVerdicts';
import { readPrimaryContacts } from './primaryContacts';
import {
  dateKeyAt,
  intAt,
  LINK_BY_BITS,
  MAILBOX_NONE,
  MAILBOX_NOT_READ,
  MAILBOX_UNUSABLE,
  MAILBOX_USABLE,
  mailboxClasses,
  type MailboxClasses,
  PASS_LINKS_SQL,
  PASS_PATIENTS_SQL,
  readPassLinks,
  REREAD_SQL,
  rereadRow,
  type Row,
} from './passRows';
import { readers } from './rowidReaders';
import { buildWorklist } from './worklistRows';

/** One patient's worklist row and one guardian's, worked out directly (bulk tests and the bench read them here). */
export { sharedEmailFlags, worklistEntryFor, worklistRowForGuardian } from './worklistRows';

/** Any usable address, for the memoised verdict of a link with one (the verdict does not depend on which). */
const USABLE_STAND_IN = 'guardian@example.com';

export interface BulkSnapshot {
  /** Eligible Primary Contacts: one campaign email each. */
  guardianCount: number;
  eligibleChildren: number;
  /**
   * Guardians in campaign order (last name, first name, contact id), children eldest first; the
   * slice asked for (all of them without bounds). Details are read on the first request.
   */
  guardians(offset?: number, limit?: number): Promise<EligibleGuardian[]>;
  /** Excluded patients by last name, first name, id. Details are read on the first request. */
  exclusions(): Promise<ExclusionRow[]>;
  exclusionCounts: Record<ExclusionReason, number>;
  /**
   * One row per Primary Contact with something to fix (their children listed), and one per
   * patient without a Primary Contact; ordered by each row's first child's last name, first name.
   * Empty when computed without the worklist.
   */
  worklist: WorklistRow[];
  /** The children on the worklist's rows. */
  worklistChildren: number;
  patients: number;
  today: IsoDate;
  minorAgeLimit: number;
  computedAt: string;
  elapsedMs: number;
}

export interface ScanOptions {
  /** Patients (rowids) per chunk to start with; adapts so one chunk takes about `targetChunkMs`. */
  chunkSize?: number;
  targetChunkMs?: number;
  /** false: eligibility only, no data-quality worklist (the bench times the two apart). */
  worklist?: boolean;
  /** After each chunk: patients read so far (by rowid) and in all. */
  progress?: (rowsDone: number, rowsTotal: number) => void;
  /** Asked after each chunk: true stops the pass (it throws BulkPassStopped). */
  stopping?: () => boolean;
}

/** The pass was stopped (a cancel, the app closing): nothing of it is kept. */
export class BulkPassStopped extends Error {
  constructor() {
    super('The Bulk PIN readiness pass was stopped.');
    this.name = 'BulkPassStopped';
  }
}

/**
 * Reads the mirror and judges every patient. Never blocks the event loop for much longer than
 * `targetChunkMs` at a time.
 */
export async function computeSnapshot(
  sqlite: BetterSqlite3.Database,
  params: { today: IsoDate; minorAgeLimit: number; now: Date },
  options: ScanOptions = {},
): Promise<BulkSnapshot> {
  const started = performance.now();
  const { today, minorAgeLimit } = params;
  const targetMs = options.targetChunkMs ?? 8;
  const withWorklist = options.worklist ?? true;
  // A first chunk small enough for a cold JIT; the next ones sized from how long it took.
  let chunk = options.chunkSize ?? 4_000;
  const minChunk = Math.min(1_000, chunk);
  const passPatients = sqlite.prepare(PASS_PATIENTS_SQL).pluck(true);
  const passLinks = sqlite.prepare(PASS_LINKS_SQL).pluck(true);
  const reread = sqlite.prepare(REREAD_SQL).raw(true);
  const contactIdOf = sqlite.prepare('SELECT id FROM contacts WHERE rowid = ?').pluck(true);
  const maxRowid = (sqlite.prepare('SELECT max(rowid) FROM patients').pluck().get() as number | null) ?? 0;
  const read = readers(sqlite);

  const maxContact = (sqlite.prepare('SELECT max(rowid) FROM contacts').pluck().get() as number | null) ?? 0;
  const tally = new PassTally(maxContact, withWorklist);
  // With the worklist, the Primary Contacts are read once for both (primaryContacts.ts); without
  // it, only every email (cheaper than the contacts' whole rows).
  const primaries = withWorklist ? await readPrimaryContacts(read, maxContact, new Pacer(targetMs)) : null;
  const mailboxes: MailboxClasses = primaries ?? (await mailboxClasses(sqlite, maxContact, options.chunkSize));
  if (options.stopping?.()) throw new BulkPassStopped();

  const judge = (rows: Row[]) => {
    const first = rows[0]!;
    let link: ContactLink | null = null;
    let row = first;
    if (first.crow !== null && first.bits !== null) {
      if (rows.length === 1) {
        link = LINK_BY_BITS[first.bits]!;
      } else {
        // Several Sort-1 contacts (a data error): the tie is broken by contact id, as in the wizard.
        const links = rows
          .filter((r) => r.crow !== null && r.bits !== null)
          .map((r) => ({ ...LINK_BY_BITS[r.bits!]!, contactId: String(contactIdOf.get(r.crow) ?? ''), row: r }));
        const chosen = bulkPrimaryOf(links);
        if (chosen) {
          link = chosen;
          row = chosen.row;
        }
      }
    }
    const verdict = bulkVerdict({ status: first.status, dateOfBirth: first.dob }, link ? { link, email: row.email } : null, minorAgeLimit, today);
    tally.record(verdict, first.prow, link ? row.crow : null, link ? row.bits! : 0, first.status === 'Active', row);
  };

  // The verdict of the one-link rows is bulkVerdict's two halves, each worked out once: the
  // patient's per (date of birth written dddd-dd-dd, status), the Primary Contact's per (link
  // bits, email class).
  const NO_LINK = 16;
  const patientVerdicts = patientVerdictsFor(today, minorAgeLimit);
  // The Primary Contact's half, per (link bits, mailbox class) for no email or a usable one (any
  // usable address gives the same verdict); an unusable field is judged with its own text.
  const primaryVerdicts = new Array<BulkVerdict | undefined>((NO_LINK + 1) * 2);
  const primaryVerdictOf = (linkKey: number, mailbox: number, crow: number | null): BulkVerdict => {
    if (mailbox === MAILBOX_UNUSABLE) return bulkPrimaryVerdict({ link: LINK_BY_BITS[linkKey]!, email: mailboxes.unusableText(crow!) });
    const slot = linkKey * 2 + mailbox;
    let verdict = primaryVerdicts[slot];
    if (verdict === undefined) {
      verdict = bulkPrimaryVerdict(linkKey === NO_LINK ? null : { link: LINK_BY_BITS[linkKey]!, email: mailbox === MAILBOX_USABLE ? USABLE_STAND_IN : null });
      primaryVerdicts[slot] = verdict;
    }
    return verdict;
  };

  // Rowid ranges: the table is read in storage order, each chunk by one index range, and the
  // range's Sort-1 links beside it in the same order, both as of one moment (one read transaction,
  // as the single joined statement was).
  const readChunk = sqlite.transaction((from: number, to: number): [string[], string | null] => [
    passPatients.all(from, to) as string[],
    passLinks.get(from, to) as string | null,
  ]);
  const linkPatients: number[] = [];
  const linkCodes: number[] = [];
  let after = 0;
  while (after < maxRowid) {
    const chunkStarted = performance.now();
    const upTo = Math.min(maxRowid, after + chunk);
    const [texts, linkText] = readChunk(after, upTo);
    const links = readPassLinks(linkText, linkPatients, linkCodes);
    let j = 0;
    for (let i = 0; i < texts.length; i++) {
      const r = texts[i]!;
      const comma = r.indexOf(',');
      const code = intAt(r, 0, comma);
      const prow = Math.floor(code / 100);
      const status = Math.floor(code / 10) % 10;
      // This patient's links: those of rowids before it (a link whose patient is gone) are passed over.
      while (j < links && linkPatients[j]! < prow) j++;
      const firstLink = j;
      while (j < links && linkPatients[j] === prow) j++;
      const linkCount = status === 0 ? j - firstLink : 0;
      const crow = linkCount > 0 ? Math.floor(linkCodes[firstLink]! / 16) : null;
      // A contact written (or linked) since the mailbox classes were read is judged from its row too.
      if (linkCount > 1 || status > 5 || (crow !== null && (crow > maxContact || mailboxes.classOf(crow) === MAILBOX_NOT_READ))) {
        // The general way, from the row read again column by column; several Sort-1 links go together.
        const group: Row[] = [];
        if (linkCount === 0) group.push(rereadRow(prow, null, reread));
        for (let k = firstLink; k < firstLink + linkCount; k++) group.push(rereadRow(prow, Math.floor(linkCodes[k]! / 16), reread));
        judge(group);
        continue;
      }
      const bits = crow !== null ? linkCodes[firstLink]! - crow * 16 : null;
      const hasLink = crow !== null && bits !== null;
      const linkKey = hasLink ? bits : NO_LINK;
      const mailbox = hasLink ? mailboxes.classOf(crow) : MAILBOX_NONE;
      const dateKey = dateKeyAt(r, comma + 1);
      let dob: string | null = null;
      let verdict: BulkVerdict;
      if (dateKey >= 0) {
        verdict = patientVerdicts.of(dateKey, r, comma + 1, status) ?? primaryVerdictOf(linkKey, mailbox, crow);
      } else {
        dob = code % 10 === 1 ? null : r.slice(comma + 1);
        verdict = bulkPatientVerdict({ status: PATIENT_STATUSES[status]!, dateOfBirth: dob }, minorAgeLimit, today) ?? primaryVerdictOf(linkKey, mailbox, crow);
      }
      let excludedRow: Row | null = null;
      if (!verdict.eligible) {
        if (dateKey >= 0) dob = r.slice(comma + 1);
        // The exclusion's detail is worked out again with the contact's name (exclusionList): it
        // needs the email only when the email is the reason, so a usable one is not kept.
        const email = mailbox === MAILBOX_UNUSABLE ? mailboxes.unusableText(crow!) : null;
        excludedRow = { prow, bits, crow, status: PATIENT_STATUSES[status]!, dob, email };
      }
      tally.record(verdict, prow, hasLink ? crow : null, hasLink ? bits : 0, status === 0, excludedRow);
    }
    after = upTo;
    const spent = performance.now() - chunkStarted;
    // Keep every stretch near the target whatever the machine: resize the next chunk (at most
    // doubling it, so one fast chunk cannot make the next one far too long).
    chunk = Math.max(minChunk, Math.min(chunk * 2, 30_000, Math.round((chunk * targetMs) / Math.max(spent, 0.5))));
    options.progress?.(after, maxRowid);
    await yieldToEventLoop();
    if (options.stopping?.()) throw new BulkPassStopped();
  }

  await yieldToEventLoop();
  if (options.stopping?.()) throw new BulkPassStopped();
  const worklist = primaries
    ? await buildWorklist(read, primaries, tally.activePatients, tally.activeContacts, tally.activeBits, tally.activeContactSet.values())
    : [];

  // The lazy parts are built by top-level functions: a closure made here would keep this whole
  // scope (the pass's working arrays) alive as long as the snapshot is cached.
  return {
    guardianCount: tally.guardianSet.size,
    eligibleChildren: tally.eligiblePatients.length,
    guardians: lazyGuardians(read, tally.eligiblePatients, tally.eligibleGuardians, tally.guardianSet.size),
    exclusions: lazyExclusions(read, tally.excluded, minorAgeLimit, today),
    exclusionCounts: tally.counts,
    worklist,
    worklistChildren: worklistChildCount(worklist),
    patients: tally.patients,
    today,
    minorAgeLimit,
    computedAt: params.now.toISOString(),
    elapsedMs: Math.round((performance.now() - started) * 10) / 10,
  };
}

// ---- cache ---------------------------------------------------------------------------------

interface CacheEntry {
  key: string;
  snapshot: Promise<BulkSnapshot>;
}
const cache = new WeakMap<BetterSqlite3.Database, CacheEntry>();

/**
 * What the mirror looks like, cheaply: `data_version` moves when another connection commits,
 * `total_changes()` when this one writes anything. Over-eager (an audit row also moves it), never
 * stale.
 */
export function mirrorStamp(sqlite: BetterSqlite3.Database): string {
  const version = sqlite.pragma('data_version', { simple: true }) as number;
  const changes = (sqlite.prepare('SELECT total_changes()').pluck().get() as number) ?? 0;
  return `${version}:${changes}`;
}

/** The snapshot for today's date and Minor Age Limit, from the cache while the mirror is unchanged. */
export async function bulkSnapshot(ctx: AppContext, options: Omit<ScanOptions, 'worklist'> = {}): Promise<BulkSnapshot> {
  const settings = await ctx.settings();
  const today = await ctx.today();
  const key = `${mirrorStamp(ctx.sqlite)}|${today}|${settings.minorAgeLimit}`;
  const cached = cache.get(ctx.sqlite);
  if (cached && cached.key === key) return cached.snapshot;
  const snapshot = computeSnapshot(ctx.sqlite, { today, minorAgeLimit: settings.minorAgeLimit, now: ctx.now() }, options);
  const entry = { key, snapshot };
  cache.set(ctx.sqlite, entry);
  snapshot.catch(() => {
    if (cache.get(ctx.sqlite) === entry) cache.delete(ctx.sqlite);
  });
  return snapshot;
}

/** Drops the cached snapshot (after an import, or anything else the stamp might not see). */
export function invalidateBulkSnapshot(sqlite: BetterSqlite3.Database): void {
  cache.delete(sqlite);
}

/**
 * For writes that cannot change the picture (a checklist answer, an export's audit row): when
 * exactly `changes` rows were written since `before`, the cached snapshot stays valid under the
 * new stamp. Any other write in between (a sync, a fix) still invalidates it.
 */
export function keepSnapshotAfterOwnWrite(sqlite: BetterSqlite3.Database, before: string, changes: number): void {
  const cached = cache.get(sqlite);
  if (!cached?.key.startsWith(`${before}|`)) return;
  const [version, total] = before.split(':').map(Number);
  const now = mirrorStamp(sqlite);
  if (now !== `${version}:${total! + changes}`) return;
  cache.set(sqlite, { key: now + cached.key.slice(before.length), snapshot: cached.snapshot });
}
