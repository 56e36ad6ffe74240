import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../electron/main/app';
import { CLOCK_OFFSET_KEY, ClockOffsetRecorder } from '../../electron/main/sync/clockOffset';
import { makeTempDir } from '../support/tempDir';
import { waitFor } from '../support/waitFor';

/**
 * The practice system's clock as the desk keeps it (sync_state), from the Date header of each
 * answer: a small drift is written at most once a minute (each write is a desk write, which during
 * a job waits for its lock and syncs its frames); a change that alters a verdict, at once.
 */
const clock = { now: Date.parse('2026-12-03T15:00:00Z'), mono: 1_000 };
let temp: ReturnType<typeof makeTempDir>;
let app: App;

beforeEach(async () => {
  temp = makeTempDir('fpp-clock-offset-');
  app = await createApp({ databaseFile: temp.file('practice.sqlite'), now: () => new Date(clock.now), monotonicMs: () => clock.mono, workstation: 'desk-1' });
});
afterEach(async () => {
  await app.close();
  temp.remove();
});

const stored = () => app.context.sqlite.prepare('SELECT value FROM sync_state WHERE key = ?').pluck().get(CLOCK_OFFSET_KEY) as string | undefined;
const settled = (value: string) => waitFor(() => stored() === value, { what: `the offset ${value} written` });

describe('the practice system’s clock, kept', () => {
  it('a server clock drifting 3 s per answer is written once a minute; a jump of 10 minutes at once', async () => {
    const recorder = new ClockOffsetRecorder(app.context);
    recorder.record(new Date(clock.now + 3_000));
    await settled('3000');
    // Answers within the same minute, each 3 s further off: nothing written (the value waits).
    for (let i = 2; i <= 5; i++) recorder.record(new Date(clock.now + 3_000 * i));
    // The app's connection serves its calls in turn: any write queued by the answers above lands before this read.
    await app.context.db.selectFrom('sync_state').selectAll().execute();
    expect(stored()).toBe('3000');
    clock.mono += 60_000;
    recorder.record(new Date(clock.now + 18_000));
    await settled('18000');
    recorder.record(new Date(clock.now + 21_000));
    recorder.record(new Date(clock.now + 10 * 60_000));
    await settled(String(10 * 60_000));
  });
});
