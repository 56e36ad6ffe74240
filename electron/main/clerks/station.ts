import type { AppContext } from '../context';
import { appendAudit } from '../audit/audit';

/**
 * The workstation's lock, kept in main so a forgotten renderer cannot keep a session open: the
 * last clerk activity main saw, and whether the station is locked. In memory: a restart signs
 * everyone out anyway.
 *
 * Idle time is measured on the monotonic clock (ctx.monotonicMs), never the wall clock: setting
 * the machine's clock back 2 hours does not stretch the lock to 125 minutes, and setting it forward
 * does not lock a clerk who is working. Time asleep is covered by the Electron shell, which locks
 * when the computer sleeps or the OS locks its screen.
 */
/** The state lives in ctx.station (made with the context by createApp). */
const stateOf = (ctx: AppContext) => ctx.station;

/** A clerk just signed in or unlocked: the inactivity period starts again. */
export function startActivity(ctx: AppContext): void {
  const state = stateOf(ctx);
  state.locked = false;
  state.lastActivityMs = ctx.monotonicMs();
}

/** A clerk call or the renderer's activity ping: someone is working here. */
export function recordActivity(ctx: AppContext): void {
  stateOf(ctx).lastActivityMs = Math.max(stateOf(ctx).lastActivityMs, ctx.monotonicMs());
}

/** Locks the station now (shortcut, button); audited once per lock. */
export async function lockStation(ctx: AppContext, reason: 'clerk' | 'inactivity'): Promise<void> {
  const state = stateOf(ctx);
  if (state.locked || !ctx.session.clerkId) return;
  state.locked = true;
  await appendAudit(ctx.db, { action: 'lock', clerkId: ctx.session.clerkId, workstation: ctx.workstation, at: ctx.now(), details: { reason } });
}

/** Whether the station is locked, locking it first if the inactivity period has passed. */
export async function isLocked(ctx: AppContext): Promise<boolean> {
  const state = stateOf(ctx);
  if (state.locked) return true;
  if (!ctx.session.clerkId) return false;
  const { lockAfterMinutes } = await ctx.settings();
  if (ctx.monotonicMs() - state.lastActivityMs >= lockAfterMinutes * 60_000) {
    await lockStation(ctx, 'inactivity');
    return true;
  }
  return false;
}

/** Nobody signed in: no lock to keep. */
export function clearStation(ctx: AppContext): void {
  const state = stateOf(ctx);
  state.locked = false;
}
