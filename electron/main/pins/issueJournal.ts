import type BetterSqlite3 from 'better-sqlite3';
import type { Insertable } from 'kysely';
import { appendAudit, type AuditEntry } from '../audit/audit';
import { DESK_JOURNAL, deskJournalFile, type DamagedJournal } from '../db/deskJournal';
import type { DeskTurn } from '../db/deskTurn';
import type { Db } from '../db/open';
import type { OutboxTable, PinsTable } from '../db/schema';
import { syncWal } from '../db/walCheckpoints';
import { exclusive } from '../lib/exclusive';

/**
 * PINs issued while a job writes (issue 14): journaled, answered, then moved into the mirror.
 *
 * A batch's rows (its pins, enrollments, Welcome emails and audit entries) are committed to the
 * desk's journal (db/deskJournal.ts), which waits for no job, and the clerk gets the packet at
 * once. The same rows are then written to the mirror by an ordinary desk write, which waits for
 * the job's transaction without blocking main (db/deskDriver.ts), and the journal forgets the
 * batch. Until then the batch is *pending*, and what must see it does:
 *
 * - issuing: a repeat of the batch returns its packet (built from the journal: pins/packet.ts); a
 *   new batch for a family, a child or a guardian that a pending batch names waits for that batch
 *   to reach the mirror and plans again from there (settled), and is refused if one is still
 *   pending when it commits (the second tab's case); its PINs are unlike the pending ones.
 * - family.load waits for the family's pending batch (a few ms to one job transaction).
 * - the packet's reprint and its print record wait for, or read, the pending batch.
 * - a pull's removal of a patient or a contact waits until no batch is pending (db/deskTurn.ts
 *   deskWriteTurn `removes`; on the app's connection, sync/pullWriter.ts): the PINs then keep the
 *   child and the guardian, as PINs always do.
 *
 * Everything else (the check-in list, the Bulk screens, the outbox, the audit log) sees the batch
 * once it is in the mirror. The audit entries join the hash chain there, in the order they arrive.
 * A crash loses nothing: createApp moves what the journal holds before the first call (replay).
 */

export interface JournaledIssue {
  batchId: string;
  familyId: string;
  /** The family, its children and its contacts: what a later issue must not plan from without this batch. */
  refs: string[];
  pins: Insertable<PinsTable>[];
  enrollments: Insertable<OutboxTable>[];
  welcomeEmails: Insertable<OutboxTable>[];
  audit: AuditEntry[];
}

type StoredIssue = Omit<JournaledIssue, 'audit'> & { audit: (Omit<AuditEntry, 'at'> & { at: string })[] };

/** The longest family.load or a new issue waits for a pending batch before it goes on without it. */
const SETTLE_MS = 10_000;
/** Between tries of a move that failed (a full disk, a locked file), doubling up to the last. */
const RETRY_MS = [100, 200, 500, 1_000, 2_000, 5_000];

/** `work`, or `ms` passing, whichever comes first (the timer cleared either way). */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function errorName(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown error';
}

/** Whether a batch names any of `refs`. */
function namingAny(refs: Iterable<string>): (issue: JournaledIssue) => boolean {
  const wanted = new Set(refs);
  return (issue) => issue.refs.some((ref) => wanted.has(ref));
}

/** The most recent moves' times kept (a few hours of a busy desk). */
const TIMES_KEPT = 10_000;

/** A pending batch whose last try to reach the mirror failed: since when (this computer's clock, for people) and the error's code. */
export interface RefusedMove {
  batchId: string;
  familyId: string;
  /** When the batch was issued (its PINs' issued_at). */
  issuedAt: string;
  /** The first failed try of the current run of failures. */
  since: string;
  error: string;
}

export class IssueJournal {
  private readonly pending = new Map<string, { issue: JournaledIssue; moved: Promise<void> }>();
  /** Pending batches the mirror refused on their last try (they are retried on a backoff). */
  private readonly refused = new Map<string, RefusedMove>();
  private closing = false;
  private readonly backoffs = new Set<() => void>();
  /** The journal failed its check when this run started and was set aside (db/deskJournal.ts): the status bar says so until the app closes. */
  setAsideAtStart: DamagedJournal | null = null;
  /** ms from each batch's journal commit until it was in the mirror (the bench's desk table). */
  private moveTimes: number[] = [];

  constructor(
    private readonly db: Db,
    private readonly sqlite: BetterSqlite3.Database,
    private readonly deps: { turn?: DeskTurn; outboxChanged: () => void },
  ) {}

  /** Whether an issue should go through the journal now: a job writes the mirror in a worker. */
  wanted(): boolean {
    const turn = this.deps.turn;
    return !!turn && !this.sqlite.memory && (turn.jobsWriting() || turn.workerWriting());
  }

  /** The pending batch `batchId`, if it has not reached the mirror yet. */
  batch(batchId: string): JournaledIssue | undefined {
    return this.pending.get(batchId)?.issue;
  }

  /** Batches not yet in the mirror. */
  count(): number {
    return this.pending.size;
  }

  /** Fingerprints of the pending batches' PINs (a new PIN must be unlike them too). */
  fingerprints(): string[] {
    return [...this.pending.values()].flatMap(({ issue }) => issue.pins.map((p) => p.pin_fingerprint));
  }

  /** A pending batch that names any of `refs` (a family, a child, a guardian), if one does. */
  touching(refs: Iterable<string>): JournaledIssue | undefined {
    const naming = namingAny(refs);
    return [...this.pending.values()].find(({ issue }) => naming(issue))?.issue;
  }

  /**
   * Resolves once no pending batch names any of `refs` (or after SETTLE_MS: the caller checks
   * again). A batch the mirror refused on its last try is not waited for: its next try may be
   * seconds away, and the clerk would only see a frozen screen (refusedTouching says why instead).
   */
  settled(refs: Iterable<string>): Promise<void> {
    const naming = namingAny(refs);
    return this.movedWhere((issue) => naming(issue) && !this.refused.has(issue.batchId));
  }

  /** A pending batch naming any of `refs` whose last try to reach the mirror failed, if one does. */
  refusedTouching(refs: Iterable<string>): RefusedMove | undefined {
    const naming = namingAny(refs);
    return [...this.refused.values()].find((move) => naming(this.pending.get(move.batchId)!.issue));
  }

  /** The batch `batchId` if it is pending and the mirror refused its last try. */
  refusedMove(batchId: string): RefusedMove | undefined {
    return this.refused.get(batchId);
  }

  /** The batches the mirror refused on their last try, oldest first (the status bar's warning). */
  refusedMoves(): RefusedMove[] {
    return [...this.refused.values()].sort((a, b) => a.since.localeCompare(b.since));
  }

  /** Resolves once every pending batch is in the mirror (or after SETTLE_MS). */
  allMoved(timeoutMs = SETTLE_MS): Promise<void> {
    return this.movedWhere(() => true, timeoutMs);
  }

  /** Waits for the moves of the pending batches `which` selects, batches journaled meanwhile included, at most `timeoutMs`. */
  private async movedWhere(which: (issue: JournaledIssue) => boolean, timeoutMs = SETTLE_MS): Promise<void> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      const moving = [...this.pending.values()].filter(({ issue }) => which(issue)).map((p) => p.moved);
      const left = until - performance.now();
      if (moving.length === 0 || left <= 0) return;
      await within(Promise.all(moving), left);
    }
  }

  /**
   * Before an issue reads the family it journals: says so to the workers (no removal of a patient
   * or a contact begins from now on) and waits for any removal already under way, so the family it
   * reads is what the batch will point at. Returns the release, for an issue that did not journal.
   */
  async reserve(): Promise<() => void> {
    const turn = this.deps.turn;
    if (!turn) return () => undefined;
    turn.issuesPending(1);
    if (turn.workerRemoving()) await turn.removalsDone(SETTLE_MS);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      turn.issuesPending(-1);
    };
  }

  /**
   * Commits the batch to the journal (synchronously: call under the app connection's lock, with
   * no transaction open, after the checks), then starts its move into the mirror. `release` (from
   * reserve) is called once the batch is in the mirror. Not yet on disk: durable() next.
   */
  record(issue: JournaledIssue, release: () => void): void {
    const stored: StoredIssue = { ...issue, audit: issue.audit.map((entry) => ({ ...entry, at: entry.at.toISOString() })) };
    this.sqlite
      .prepare(`INSERT INTO ${DESK_JOURNAL}.issues (batch_id, family_id, refs, body, journaled_at) VALUES (?, ?, ?, ?, ?)`)
      .run(issue.batchId, issue.familyId, JSON.stringify(issue.refs), JSON.stringify(stored), new Date().toISOString());
    this.startMove(issue, release);
  }

  /**
   * At start, before the first call: moves what a crash left in the journal (a batch already in the
   * mirror is only forgotten). The clerk was told these PINs were issued, so they go in as they are.
   */
  async replay(): Promise<number> {
    const rows = this.sqlite.prepare(`SELECT body FROM ${DESK_JOURNAL}.issues ORDER BY rowid`).pluck().all() as string[];
    for (const body of rows) {
      const stored = JSON.parse(body) as StoredIssue;
      const issue: JournaledIssue = { ...stored, audit: stored.audit.map((entry) => ({ ...entry, at: new Date(entry.at) })) };
      this.startMove(issue, await this.reserve());
    }
    // A batch that cannot move yet (a mirror refusing writes) keeps trying while the app serves its
    // calls; it is pending meanwhile, as any batch on its way.
    await this.allMoved();
    return rows.length;
  }

  /**
   * The journal's commits so far are on disk: its WAL synced in libuv's pool (the journal commits
   * at synchronous NORMAL: db/deskJournal.ts). Called after record(), before the clerk is told.
   */
  async durable(): Promise<void> {
    // Said to the job workers: they start no WAL sync or checkpoint meanwhile (db/deskTurn.ts DESK_SYNCING).
    const turn = this.deps.turn;
    turn?.deskSyncing(1);
    try {
      await syncWal(deskJournalFile(this.sqlite.name));
    } finally {
      turn?.deskSyncing(-1);
    }
  }

  /** The moves' times (journal commit to mirror, ms) since the last take(), and a fresh start. */
  takeMoveTimes(): number[] {
    const taken = this.moveTimes;
    this.moveTimes = [];
    return taken;
  }

  /**
   * Lets each move under way finish its try (the jobs have stopped: nothing holds the mirror), and
   * retries none: a batch that cannot move stays in the journal for the next start.
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const wake of [...this.backoffs]) wake();
    await Promise.all([...this.pending.values()].map((p) => p.moved));
  }

  /** A move's wait before its next try; close() cuts it short. */
  private backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.backoffs.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.backoffs.add(done);
    });
  }

  private startMove(issue: JournaledIssue, release: () => void): void {
    const journaledAt = performance.now();
    const moved = (async () => {
      try {
        for (let attempt = 0; ; attempt++) {
          try {
            await this.moveOnce(issue);
            break;
          } catch (error) {
            // Never the rows themselves: the payloads hold sealed PINs.
            console.error(`desk journal: an issued batch could not reach the mirror yet (kept in the journal): ${errorName(error)}`);
            const before = this.refused.get(issue.batchId);
            this.refused.set(issue.batchId, {
              batchId: issue.batchId,
              familyId: issue.familyId,
              issuedAt: String(issue.pins[0]?.issued_at ?? ''),
              since: before?.since ?? new Date().toISOString(),
              error: errorName(error),
            });
            if (this.closing) return;
            await this.backoff(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]!);
            if (this.closing) return;
          }
        }
        this.pending.delete(issue.batchId);
        this.refused.delete(issue.batchId);
        this.moveTimes.push(performance.now() - journaledAt);
        if (this.moveTimes.length > TIMES_KEPT) this.moveTimes.splice(0, TIMES_KEPT / 2);
        this.deps.outboxChanged();
      } finally {
        release();
      }
    })();
    this.pending.set(issue.batchId, { issue, moved });
  }

  /** One desk write into the mirror (idempotent by batch id), then the journal forgets the batch. */
  private async moveOnce(issue: JournaledIssue): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (await trx.selectFrom('pins').select('id').where('batch_id', '=', issue.batchId).executeTakeFirst()) return;
      await trx.insertInto('pins').values(issue.pins).execute();
      // Enrollments before the emails that depend on them (foreign key).
      await trx.insertInto('outbox').values(issue.enrollments).execute();
      if (issue.welcomeEmails.length > 0) await trx.insertInto('outbox').values(issue.welcomeEmails).execute();
      await appendAudit(trx, issue.audit);
    });
    // The batch is durable in the mirror now: forgetting it needs no sync (the journal commits at
    // NORMAL; a crash before the next sync only makes the next start find the batch in both files).
    await exclusive(this.db, () => this.sqlite.prepare(`DELETE FROM ${DESK_JOURNAL}.issues WHERE batch_id = ?`).run(issue.batchId));
  }
}
