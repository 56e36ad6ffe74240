import { EventEmitter } from 'node:events';
import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Selectable, type Transaction } from 'kysely';
import { redactPins } from '../../../shared/domain/pin';
import { appendAudit } from '../audit/audit';
import type { AppContext } from '../context';
import type { OutboxKind } from '../../../shared/outbox/kinds';
import type { Database, OutboxTable } from '../db/schema';
import { BUSY_LIMIT_MS, busyVerdict, DEFAULT_BACKOFF, retryDelay, type BackoffPolicy } from '../lib/backoff';
import { DeliveryError } from '../lib/deliveryError';
import { JSON_IDS, perConnection } from '../lib/perConnection';
import { WakeLoop } from '../lib/wakeLoop';
import { isOutboxKind, readOutboxPayload, type OutboxPayload } from './payloads';

export type OutboxRow = Selectable<OutboxTable>;

/** A row of one kind, as its deliverer sees it. */
export type OutboxRowOf<K extends OutboxKind> = OutboxRow & { kind: K };

/**
 * What a delivery changes on this desk once the other side has the row (the practice system's
 * answer): written in the same transaction as the row's "delivered" mark, so both or neither are
 * recorded, and batched with other rows' outcomes (one commit for several deliveries).
 */
export type OutcomeWrite = (trx: Transaction<Database>) => Promise<void>;

/**
 * Delivers one row with its payload read and checked (secret fields opened); resolves when the
 * other side has it, throws DeliveryError otherwise. What the answer changes here is handed to
 * `record` (at most once), not written directly: see OutcomeWrite.
 */
export type Deliverer<K extends OutboxKind> = (row: OutboxRowOf<K>, payload: OutboxPayload<K>, record: (write: OutcomeWrite) => void) => Promise<void>;

/** The deliverers of the kinds an area delivers; app.ts puts every area's together. */
export type Deliverers = { [K in OutboxKind]?: Deliverer<K> };

/** One deliverer for each of these kinds (an area's share). */
export type DeliverersOf<K extends OutboxKind> = { [P in K]: Deliverer<P> };

export interface OutboxWorkerOptions {
  /** How many deliveries may be in flight at once. */
  concurrency?: number;
  backoff?: BackoffPolicy;
  /** Longest sleep between looks at the outbox when nothing is due. */
  pollMs?: number;
  /** How long "busy or failing" answers may last before a row is parked (default BUSY_LIMIT_MS). */
  busyLimitMs?: number;
  random?: () => number;
  /** True while a job writes in a worker thread (see commitBatch); none: never. */
  jobsWriting?: () => boolean;
}

export interface OutboxWorkerEvents {
  delivered: [row: OutboxRow];
  retrying: [row: OutboxRow, error: DeliveryError];
  parked: [row: OutboxRow, error: DeliveryError];
  idle: [];
}

/** Kinds that go to the practice system; they wait while it is not configured. */
export const SYNC_KINDS: readonly OutboxKind[] = ['portal.enrollment', 'patient.name_correction', 'contact.update', 'portal.setup_link'];

/**
 * How long a finished delivery's outcome may wait for others to share its commit (group commit:
 * one disk sync for the deliveries finishing in this window instead of one each). The row stays
 * out of the due query meanwhile, but no longer takes one of the `concurrency` request slots.
 */
const COMMIT_WINDOW_MS = 10;
/** Outcomes that commit at once without waiting for the window to end. */
const COMMIT_BATCH = 64;

/** How long a row whose outcome could not be recorded waits before it is tried again. */
const OUTCOME_RETRY_MS = 5 * 60_000;

/** Secret fields of a payload (see crypto/payloadSeal.ts): dropped once the row is delivered. */
const SECRET_FIELDS = ['pin', 'token'];

const SYNC_KIND_SET: ReadonlySet<string> = new Set(SYNC_KINDS);
const SYNC_KINDS_JSON = JSON.stringify(SYNC_KINDS);

/**
 * The rows to start now, oldest due first (index outbox_due_order): pending and due, their
 * dependency (if any) delivered, the practice system's kinds only while it is configured, none of
 * `busy` (in flight, or held after an outcome that could not be recorded).
 */
const dueRows = perConnection(
  (sqlite) =>
    sqlite.prepare(`
      SELECT o.* FROM outbox o LEFT JOIN outbox dep ON dep.id = o.depends_on
       WHERE o.status = 'pending' AND o.next_attempt_at <= @now
         AND (o.depends_on IS NULL OR dep.status = 'delivered')
         AND (@syncConfigured = 1 OR o.kind NOT IN (${JSON_IDS.replace('?', '@syncKinds')}))
         AND o.id NOT IN (${JSON_IDS.replace('?', '@busy')})
       ORDER BY o.next_attempt_at, o.created_at
       LIMIT @room`) as BetterSqlite3.Statement<[DueParams], OutboxRow>,
);

const markDelivered = perConnection((sqlite) =>
  sqlite.prepare<[{ id: string; at: string; attempts: number; payload: string }]>(
    `UPDATE outbox SET status = 'delivered', delivered_at = @at, attempts = @attempts, last_error = NULL, busy_since = NULL, payload = @payload WHERE id = @id`,
  ),
);

interface DueParams {
  now: string;
  syncConfigured: 0 | 1;
  syncKinds: string;
  busy: string;
  room: number;
}

/** A finished delivery's outcome, waiting for the next batched commit. */
interface Outcome {
  write: OutcomeWrite;
  /** Must reach the disk with its own commit (see commitBatch). */
  durable: boolean;
  done: () => void;
  failed: (error: unknown) => void;
}

/**
 * Drains the outbox: due rows whose dependency (if any) is delivered, at most `concurrency` at a
 * time. Success marks the row delivered and scrubs its plain PIN; a retryable failure backs off
 * with jitter (or as long as Retry-After said); a permanent one parks the row for a person.
 * Deliveries are at least once: the receiver deduplicates by the row id.
 *
 * Order: a row waits for the row it depends on to be delivered (and its outcome committed), and
 * two rows about the same thing (same kind and ref: one contact's updates, one patient's name
 * corrections) are never in flight together, the older first. A row is never in flight twice.
 * Outcomes are committed in batches (group commit): the outcomes that finish while one commit
 * runs go in the next, each with the row's mark; a crash before the commit leaves the row
 * pending, delivered again under the same idempotency key (the row id).
 */
export class OutboxWorker extends EventEmitter<OutboxWorkerEvents> {
  /** Rows taken from the outbox and not yet recorded (their request, then their outcome's commit). */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Of those, the rows whose request is still out: at most `concurrency`. */
  private sending = 0;
  /** drain() waiting for a request slot to free or a row to finish. */
  private waiters: (() => void)[] = [];
  /** Ends the wait of the commit in preparation (a full batch commits at once). */
  private commitNow: (() => void) | null = null;
  /** kind + ref of the rows in flight. */
  private readonly subjects = new Set<string>();
  private outcomes: Outcome[] = [];
  private committing: Promise<void> | null = null;
  /** Rows whose outcome could not be recorded (disk full): not tried again before this time. */
  private readonly held = new Map<string, number>();
  private readonly loop = new WakeLoop(
    () => this.tick(),
    (error) => {
      console.error('outbox worker failed:', error instanceof Error ? error.name : 'unknown');
      return this.pollMs;
    },
  );
  private readonly concurrency: number;
  private readonly backoff: BackoffPolicy;
  private readonly pollMs: number;
  private readonly busyLimitMs: number;
  private readonly random: () => number;
  private readonly jobsWriting: () => boolean;

  constructor(
    private readonly ctx: AppContext,
    private readonly deliverers: Deliverers,
    private readonly syncConfigured: () => boolean,
    options: OutboxWorkerOptions = {},
  ) {
    super();
    this.concurrency = options.concurrency ?? 8;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.pollMs = options.pollMs ?? 15_000;
    this.busyLimitMs = options.busyLimitMs ?? BUSY_LIMIT_MS;
    this.random = options.random ?? Math.random;
    this.jobsWriting = options.jobsWriting ?? (() => false);
  }

  start(): void {
    this.loop.start();
  }

  /** Stops taking new rows and waits for the ones in flight (their outcome is recorded). */
  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** New rows, connectivity back, settings changed: look now. */
  wake(): void {
    this.loop.wake();
  }

  /** For tests and the bench: deliver everything due now, then resolve. */
  async drain(): Promise<void> {
    for (;;) {
      const started = await this.startDue();
      if (started === 0 && this.inFlight.size === 0) return;
      // Every row still in flight notifies when its request ends and when it is recorded.
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** A request slot freed or a row was recorded: drain() and the loop look again. */
  private changed(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
    this.wake();
  }

  /** Starts what is due; resolves with how long to sleep before looking again (null: a finishing delivery wakes it). */
  private async tick(): Promise<number | null> {
    await this.startDue();
    if (!this.loop.active) return null;
    if (this.inFlight.size > 0) return null; // each finished delivery wakes the worker again
    const next = await this.nextDueAt();
    if (next === null) {
      this.emit('idle');
      return this.pollMs;
    }
    return Math.min(this.pollMs, Math.max(0, next - this.ctx.now().getTime()));
  }

  private async startDue(): Promise<number> {
    // Rows waiting for their outcome's commit do not hold a request slot, but are bounded too.
    const room = Math.min(this.concurrency - this.sending, 4 * this.concurrency - this.inFlight.size);
    if (room <= 0) return 0;
    const now = this.ctx.now();
    const nowMs = now.getTime();
    for (const [id, until] of this.held) if (until <= nowMs) this.held.delete(id);
    const busy = [...this.inFlight.keys(), ...this.held.keys()];
    // One statement prepared once (this look runs after every request, about once per row delivered),
    // run on the connection held. The empty look at the outbox through Kysely first waits, as every
    // outbox read through the driver does, for a desk write's WAL sync still running (db/deskDriver.ts):
    // a PIN committed but not yet on disk must not leave the app.
    const rows = await this.ctx.db.connection().execute(async (connection) => {
      await connection.selectFrom('outbox').select('id').limit(0).execute();
      return dueRows(this.ctx.sqlite).all({
        now: now.toISOString(),
        syncConfigured: this.syncConfigured() ? 1 : 0,
        syncKinds: SYNC_KINDS_JSON,
        busy: JSON.stringify(busy),
        room,
      });
    });
    let started = 0;
    for (const row of rows) {
      const subject = row.ref === null ? null : `${row.kind} ${row.ref}`;
      if (this.inFlight.has(row.id)) continue; // taken by a look that ran alongside this one
      if (subject !== null && this.subjects.has(subject)) continue; // the older one first, then this
      if (subject !== null) this.subjects.add(subject);
      started += 1;
      this.sending += 1;
      let sent = false;
      const requestEnded = () => {
        if (sent) return;
        sent = true;
        this.sending -= 1;
        this.changed();
      };
      const job = this.deliver(row, requestEnded)
        .catch((error: unknown) => {
          // Recording the outcome failed (disk full, read-only): the row stays as it was and is
          // delivered again later under the same idempotency key. Only the code: never data.
          // Held back a while so a full disk does not turn into a burst of repeated emails.
          this.held.set(row.id, this.ctx.now().getTime() + OUTCOME_RETRY_MS);
          const code = (error as { code?: unknown } | null)?.code;
          console.error(`[outbox] could not record a delivery's outcome (${typeof code === 'string' ? code : 'error'}); it will be retried.`);
        })
        .finally(() => {
          requestEnded();
          this.inFlight.delete(row.id);
          if (subject !== null) this.subjects.delete(subject);
          this.changed();
        });
      this.inFlight.set(row.id, job);
    }
    return started;
  }

  private async nextDueAt(): Promise<number | null> {
    let query = this.ctx.db
      .selectFrom('outbox as o')
      .leftJoin('outbox as dep', 'dep.id', 'o.depends_on')
      .select((eb) => eb.fn.min('o.next_attempt_at').as('next'))
      .where('o.status', '=', 'pending')
      .where((eb) => eb.or([eb('o.depends_on', 'is', null), eb('dep.status', '=', 'delivered')]));
    if (!this.syncConfigured()) query = query.where('o.kind', 'not in', SYNC_KINDS);
    const { next } = (await query.executeTakeFirst()) ?? { next: null };
    return next ? Date.parse(next) : null;
  }

  /** Delivers one row and records its outcome; `requestEnded` is called once the other side answered (or failed). */
  private async deliver(row: OutboxRow, requestEnded: () => void): Promise<void> {
    let failure: DeliveryError | null = null;
    // What the practice system's answer changes here, if the deliverer hands one over.
    const answer: { write: OutcomeWrite | null } = { write: null };
    try {
      if (!isOutboxKind(row.kind)) throw new DeliveryError(`This version cannot deliver "${row.kind}" items.`, true);
      await deliverOne(this.ctx, this.deliverers, row as OutboxRowOf<typeof row.kind>, (write) => {
        answer.write = write;
      });
    } catch (error) {
      failure = error instanceof DeliveryError ? error : new DeliveryError('Delivery failed unexpectedly; it is retried automatically.', false);
      if (!(error instanceof DeliveryError)) console.error(`outbox ${row.kind} ${row.id} failed:`, error instanceof Error ? error.name : 'unknown');
    }
    requestEnded();
    const now = this.ctx.now();
    if (!failure) {
      // An email sent twice reaches a family twice; the practice system answers a repeated delivery id as before.
      await this.commit(!SYNC_KIND_SET.has(row.kind), async (trx) => {
        if (answer.write) await answer.write(trx);
        // Inside the batch's transaction (it holds the connection): one statement prepared once, as for dueRows.
        markDelivered(this.ctx.sqlite).run({ id: row.id, at: now.toISOString(), attempts: row.attempts + 1, payload: scrubbed(row.payload) });
      });
      this.emit('delivered', row);
      return;
    }
    const attempts = row.attempts + 1;
    // "Busy or failing" answers are retried, but not forever: once they have lasted BUSY_LIMIT_MS the row is parked too.
    const busy = failure.reason === 'busy' ? busyVerdict(row.busy_since, now, this.busyLimitMs) : null;
    if (failure.permanent || busy?.park) {
      const message = redactPins(busy?.park ? busyTooLong(failure, this.busyLimitMs) : failure.message);
      await this.commit(false, async (trx) => {
        await trx.updateTable('outbox').set({ status: 'needs_attention', attempts, last_error: message, busy_since: null }).where('id', '=', row.id).execute();
        await appendAudit(trx, {
          action: 'delivery_parked',
          clerkId: null,
          workstation: this.ctx.workstation,
          at: now,
          details: { outboxId: row.id, kind: row.kind, reason: message, ...(busy ? { busySince: busy.since } : {}) },
        });
      });
      this.emit('parked', row, failure);
      return;
    }
    const message = redactPins(failure.message);
    const delay = retryDelay(failure.retryAfterMs, attempts, this.backoff, this.random);
    await this.commit(false, async (trx) => {
      await trx
        .updateTable('outbox')
        // An offline attempt or another kind of failure leaves busy_since as it was.
        .set({ attempts, last_error: message, next_attempt_at: new Date(now.getTime() + delay).toISOString(), ...(busy ? { busy_since: busy.since } : {}) })
        .where('id', '=', row.id)
        .execute();
    });
    this.emit('retrying', row, failure);
  }

  /** Records an outcome in the next batched commit; resolves once it is committed. */
  private commit(durable: boolean, write: OutcomeWrite): Promise<void> {
    return new Promise<void>((done, failed) => {
      this.outcomes.push({ write, durable, done, failed });
      if (this.outcomes.length >= COMMIT_BATCH) this.commitNow?.();
      this.scheduleCommit();
    });
  }

  private scheduleCommit(): void {
    if (this.committing !== null) return; // the running commit takes the outcomes queued meanwhile
    this.committing = this.commitOutcomes().finally(() => {
      this.committing = null;
      if (this.outcomes.length > 0) this.scheduleCommit();
    });
  }

  /**
   * One transaction for the batch. A batch of outcomes that can be replayed is committed without
   * a disk sync of its own (synchronous = NORMAL for that commit, FULL again after it, under the
   * connection lock so no other transaction of the app commits meanwhile): a power cut may then
   * lose it, which is a crash before the commit (the row is delivered again under the same
   * idempotency key, and the practice system answers as before), and the next commit that syncs
   * makes it durable with everything before it. A sent email's "delivered" mark is synced, as is
   * every other write of the app: an email sent again reaches the family twice.
   *
   * Not while a job writes in a worker: BEGIN then waits with the connection lent to the desk's
   * other calls (db/deskDriver.ts), and a desk write among them (issuing PINs) would commit with
   * synchronous = NORMAL too, unsynced when the clerk is told. (The setting cannot change inside a
   * transaction, so it cannot wait until BEGIN holds the lock.) The batch then syncs at commit; the
   * job's frames were synced off the main thread just before (deskDriver), so that sync is short.
   */
  private async commitBatch(batch: Outcome[]): Promise<void> {
    const writeAll = async (trx: Transaction<Database>) => {
      for (const outcome of batch) await outcome.write(trx);
    };
    if (batch.some((outcome) => outcome.durable) || this.jobsWriting()) {
      await this.ctx.db.transaction().execute(writeAll);
      return;
    }
    await this.ctx.db.connection().execute(async (connection) => {
      await sql`PRAGMA synchronous = NORMAL`.execute(connection);
      try {
        await connection.transaction().execute(writeAll);
      } finally {
        await sql`PRAGMA synchronous = FULL`.execute(connection);
      }
    });
  }

  private async commitOutcomes(): Promise<void> {
    // Let the deliveries finishing within the window join the batch (a full batch goes at once).
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, COMMIT_WINDOW_MS);
      this.commitNow = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.commitNow = null;
    while (this.outcomes.length > 0) {
      const batch = this.outcomes;
      this.outcomes = [];
      try {
        await this.commitBatch(batch);
        for (const outcome of batch) outcome.done();
      } catch {
        // One outcome could not be written (or the disk is full): each in its own transaction, so
        // one failure does not hold back the others' records.
        for (const outcome of batch) {
          try {
            await this.ctx.db.transaction().execute(outcome.write);
            outcome.done();
          } catch (error) {
            outcome.failed(error);
          }
        }
      }
    }
  }
}

/** Reads the row's payload for its kind (a damaged one is a permanent DeliveryError), then hands both to the kind's deliverer. */
async function deliverOne<K extends OutboxKind>(
  ctx: AppContext,
  deliverers: Deliverers,
  row: OutboxRowOf<K>,
  record: (write: OutcomeWrite) => void,
): Promise<void> {
  const deliverer = deliverers[row.kind] as Deliverer<K> | undefined;
  if (!deliverer) throw new DeliveryError(`This version cannot deliver "${row.kind}" items.`, true);
  await deliverer(row, readOutboxPayload(ctx, row.kind, row.payload), record);
}
/** What the clerk reads on a row parked after BUSY_LIMIT_MS of "busy or failing" answers. */
function busyTooLong(failure: DeliveryError, limitMs: number): string {
  const hours = Math.round(limitMs / 3600_000);
  const answer = failure.status === undefined ? '' : ` (HTTP ${failure.status})`;
  return (
    `The practice system has answered "busy or failing"${answer} to this item for ${hours === 1 ? 'an hour' : `${hours} hours`}, so it is no longer retried on its own. ` +
    'Check that the practice system works again (ask its vendor or your IT), then press Retry.'
  );
}

/** Rule 5: once delivered, a row keeps no PIN or link token, not even sealed. */
export function scrubbed(payload: string): string {
  try {
    const data = JSON.parse(payload) as Record<string, unknown>;
    if (!SECRET_FIELDS.some((field) => field in data)) return payload;
    for (const field of SECRET_FIELDS) delete data[field];
    return JSON.stringify(data);
  } catch {
    return payload;
  }
}
