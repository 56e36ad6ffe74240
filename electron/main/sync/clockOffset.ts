import { sql } from 'kysely';
import { CLOCK_SKEW_WARN_MS } from '../../../shared/domain/clockSkew';
import { appendAudit } from '../audit/audit';
import type { AppContext } from '../context';

/** sync_state: the practice system's clock minus this computer's, in ms, from the last sync's Date header. */
export const CLOCK_OFFSET_KEY = 'clock_offset_ms';
/** sync_state: this computer's time (ISO) when CLOCK_OFFSET_KEY was written; a clock set back since makes the offset stale. */
export const CLOCK_OFFSET_AT_KEY = 'clock_offset_at';

/**
 * The practice system's clock minus this computer's (ms), from the HTTP Date header of its answers
 * (pull and deliveries), kept in sync_state so it outlives a restart. Issuing reads it to refuse
 * PINs already expired by the practice system's clock; the status bar warns past 5 minutes.
 * The header has one-second resolution: a change under two seconds is not written.
 */
const NOISE_MS = 2_000;

/**
 * sync_state: the last time the practice system's clock agreed with this computer's (within
 * CLOCK_SKEW_WARN_MS), as JSON { at: this computer's time, auditId: the newest audit entry then }.
 * Audit entries written after it are the evidence that this computer's clock has gone back
 * (clockBehindRecords); those before it were written by a clock that may have been wrong, and was
 * right since.
 */
export const CLOCK_CONFIRMED_KEY = 'clock_confirmed';
/**
 * A change of the offset under CLOCK_SKEW_WARN_MS is written at most this often. Before, every
 * change over NOISE_MS was: a clock drifting against the server's (a test's frozen clock against a
 * real server, a workstation losing seconds) would make a desk write every 2 s of a sync.
 */
const REWRITE_EVERY_MS = 60_000;
/** A confirmation is written at most this often (every answer of a sync would confirm it again). */
const CONFIRM_EVERY_MS = 60_000;
/** A clock this far before work already recorded is said to have gone back: NTP's small corrections are not. */
export const CLOCK_BACK_TOLERANCE_MS = 10 * 60_000;

/** Writes the offset (app.ts makes one, for the pull, the deliveries and the FHIR source alike). */
export class ClockOffsetRecorder {
  private lastWritten: number | undefined;
  /** monotonicMs() of that write. */
  private lastWrittenAt = 0;
  /** monotonicMs() of the last confirmation written. */
  private lastConfirmed: number | undefined;

  constructor(private readonly ctx: AppContext) {}

  /** The server's clock agrees (within CLOCK_SKEW_WARN_MS): noted now and then (confirmClock). */
  private confirm(offset: number): void {
    if (Math.abs(offset) >= CLOCK_SKEW_WARN_MS) return;
    const now = this.ctx.monotonicMs();
    if (this.lastConfirmed !== undefined && now - this.lastConfirmed < CONFIRM_EVERY_MS) return;
    this.lastConfirmed = now;
    void confirmClock(this.ctx).catch(() => {
      this.lastConfirmed = undefined;
    });
  }

  record(serverDate: Date): void {
    const offset = serverDate.getTime() - this.ctx.now().getTime();
    if (!Number.isFinite(offset)) return;
    this.confirm(offset);
    if (this.lastWritten !== undefined) {
      const change = Math.abs(this.lastWritten - offset);
      if (change < NOISE_MS) return;
      // A drift that changes no verdict (the status bar's warning, issuing's refusal) waits its minute: each
      // write is a desk write, which during a job waits for its lock and syncs its frames.
      if (change < CLOCK_SKEW_WARN_MS && this.ctx.monotonicMs() - this.lastWrittenAt < REWRITE_EVERY_MS) return;
    }
    this.lastWritten = offset;
    this.lastWrittenAt = this.ctx.monotonicMs();
    const value = String(Math.round(offset));
    void this.ctx.db
      .insertInto('sync_state')
      .values([
        { key: CLOCK_OFFSET_KEY, value },
        { key: CLOCK_OFFSET_AT_KEY, value: this.ctx.now().toISOString() },
      ])
      .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
      .execute()
      .catch(() => {
        this.lastWritten = undefined;
      });
  }
}

/**
 * The practice system's clock agrees with this one: noted with the newest audit entry (at most
 * once a CONFIRM_EVERY_MS). A clock that was ahead and has been set right is then no longer held
 * to the times it wrote before.
 */
function confirmClock(ctx: AppContext): Promise<unknown> {
  const at = ctx.now().toISOString();
  return sql`INSERT INTO sync_state (key, value)
      SELECT ${CLOCK_CONFIRMED_KEY}, json_object('at', ${at}, 'auditId', coalesce(max(id), 0)) FROM audit_log WHERE true
      ON CONFLICT (key) DO UPDATE SET value = excluded.value`.execute(ctx.db);
}

/**
 * An administrator confirms the clock (clock.confirm) where no practice system can: audited with
 * what the records said, then noted as a confirmation past that entry, so the entries written
 * while the clock ran ahead no longer count. Nothing to confirm: nothing written.
 */
export async function confirmClockByAdministrator(ctx: AppContext, clerkId: string): Promise<null> {
  const behind = await clockBehindRecords(ctx);
  if (!behind) return null;
  await appendAudit(ctx.db, {
    action: 'clock_confirmed',
    clerkId,
    workstation: ctx.workstation,
    at: ctx.now(),
    details: { recordedAt: behind.recordedAt, behindMs: Math.round(behind.behindMs) },
  });
  await confirmClock(ctx);
  return null;
}

/** How far this computer's clock is behind work this desk already recorded. */
export interface ClockBehind {
  /** The latest time among the audit entries since the clock was last confirmed (ISO). */
  recordedAt: string;
  behindMs: number;
}

/**
 * Null, or how far this computer's clock is before the latest audit entry written since the
 * practice system last confirmed it (all entries, if it never did), when that is more than
 * CLOCK_BACK_TOLERANCE_MS. A clock that went back (a dead clock battery, a hand-set date) would
 * issue PINs dated in the past, offline too, where the practice system's clock cannot say so.
 */
export async function clockBehindRecords(ctx: AppContext): Promise<ClockBehind | null> {
  const confirmed = await ctx.db.selectFrom('sync_state').select('value').where('key', '=', CLOCK_CONFIRMED_KEY).executeTakeFirst();
  let since = 0;
  try {
    const parsed = confirmed ? (JSON.parse(confirmed.value) as { auditId?: unknown }) : null;
    if (typeof parsed?.auditId === 'number' && Number.isSafeInteger(parsed.auditId)) since = parsed.auditId;
  } catch {
    // An unreadable confirmation counts as none: every entry is evidence.
  }
  // The newest id first: with no entry since the confirmation, max(at) over the time index would look
  // at every entry for one past it (41 ms at 1,000,000 entries); with some, it stops at the first.
  const latest = await sql<{ at: string | null }>`SELECT CASE WHEN (SELECT max(id) FROM audit_log) > ${since}
      THEN (SELECT max(at) FROM audit_log WHERE id > ${since}) END AS at`.execute(ctx.db);
  const recordedAt = latest.rows[0]?.at ?? null;
  const recorded = recordedAt === null ? Number.NaN : Date.parse(recordedAt);
  if (!Number.isFinite(recorded)) return null;
  const behindMs = recorded - ctx.now().getTime();
  return behindMs > CLOCK_BACK_TOLERANCE_MS ? { recordedAt: recordedAt!, behindMs } : null;
}

/** The last answer's offset, read once: this computer's clock minus the server's (ms), and when it was measured. */
export interface ClockOffsetRecord {
  /** This computer's clock minus the practice system's (ms), or null before any answer. */
  skewMs: number | null;
  /** This computer's time when it was measured (ISO), or null (none yet, or written by an older version). */
  measuredAt: string | null;
}

export async function readClockOffset(ctx: AppContext): Promise<ClockOffsetRecord> {
  const rows = await ctx.db.selectFrom('sync_state').select(['key', 'value']).where('key', 'in', [CLOCK_OFFSET_KEY, CLOCK_OFFSET_AT_KEY]).execute();
  const stored = (key: string) => rows.find((r) => r.key === key)?.value;
  const offset = Number(stored(CLOCK_OFFSET_KEY) ?? Number.NaN);
  return { skewMs: Number.isFinite(offset) ? -offset : null, measuredAt: stored(CLOCK_OFFSET_AT_KEY) ?? null };
}

/** This computer's clock minus the practice system's (ms), or null before any answer. */
export async function readClockSkew(ctx: AppContext): Promise<number | null> {
  return (await readClockOffset(ctx)).skewMs;
}

/** This computer's clock ahead of the practice system's by more than this refuses issuing (issueService.ts). */
export const CLOCK_AHEAD_TOLERANCE_MS = 10 * 60_000;

/** How far this computer's clock is ahead of the practice system's, as its last answer said. */
export interface ClockAhead {
  aheadMs: number;
  /** This computer's time when that answer came (ISO). */
  measuredAt: string;
}

/**
 * Null, or how far this computer's clock is ahead of the practice system's (or the EHR's), by the
 * last answer's Date header, when that is more than CLOCK_AHEAD_TOLERANCE_MS and nothing says the
 * clock was set back since: this computer's clock now reads earlier than it did at that answer (a
 * clock set right by hand after a warning), so the offset no longer describes it. A clock that ran
 * ahead would issue PINs dated in the future and valid that much longer than the practice's days.
 * An offset written before the time was kept with it (an older version) is not used.
 */
export function clockAheadOfServer(offset: ClockOffsetRecord, now: Date): ClockAhead | null {
  const { skewMs, measuredAt } = offset;
  const measured = measuredAt === null ? Number.NaN : Date.parse(measuredAt);
  if (skewMs === null || !Number.isFinite(measured) || skewMs <= CLOCK_AHEAD_TOLERANCE_MS) return null;
  if (now.getTime() < measured - CLOCK_BACK_TOLERANCE_MS) return null;
  return { aheadMs: skewMs, measuredAt: measuredAt! };
}
