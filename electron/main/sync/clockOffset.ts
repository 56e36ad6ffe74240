import type { AppContext } from '../context';

/** sync_state: the practice system's clock minus this computer's, in ms, from the last sync's Date header. */
export const CLOCK_OFFSET_KEY = 'clock_offset_ms';

/**
 * The practice system's clock minus this computer's (ms), from the HTTP Date header of its answers
 * (pull and deliveries), kept in sync_state so it outlives a restart. Issuing reads it to refuse
 * PINs already expired by the practice system's clock; the status bar warns past 5 minutes.
 * The header has one-second resolution: a change under two seconds is not written.
 */
const NOISE_MS = 2_000;

/** Writes the offset (the delivery runtime owns one, for the pull and the deliveries alike). */
export class ClockOffsetRecorder {
  private lastWritten: number | undefined;

  constructor(private readonly ctx: AppContext) {}

  record(serverDate: Date): void {
    const offset = serverDate.getTime() - this.ctx.now().getTime();
    if (!Number.isFinite(offset)) return;
    if (this.lastWritten !== undefined && Math.abs(this.lastWritten - offset) < NOISE_MS) return;
    this.lastWritten = offset;
    const value = String(Math.round(offset));
    void this.ctx.db
      .insertInto('sync_state')
      .values({ key: CLOCK_OFFSET_KEY, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute()
      .catch(() => {
        this.lastWritten = undefined;
      });
  }
}

/** This computer's clock minus the practice system's (ms), or null before any answer. */
export async function readClockSkew(ctx: AppContext): Promise<number | null> {
  const row = await ctx.db.selectFrom('sync_state').select('value').where('key', '=', CLOCK_OFFSET_KEY).executeTakeFirst();
  const offset = row ? Number(row.value) : Number.NaN;
  return Number.isFinite(offset) ? -offset : null;
}
