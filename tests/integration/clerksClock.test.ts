import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '../../shared/api';
import type { AuthState } from '../../shared/clerks/api';
import { createApp, type App } from '../../electron/main/app';
import { makeTempDir } from '../support/tempDir';
import { invokeOk } from '../support/testDesk';

/**
 * The machine's clock is set wrong, then right (issue 11): the inactivity lock and the waits after
 * failed sign-ins must still be what the settings say. `now` is the wall clock, `mono` the
 * monotonic one: real time passing moves both, setting the clock moves `now` only.
 */
const MINUTE = 60_000;
const YEAR = 365 * 24 * 60 * MINUTE;
const clock = { now: new Date('2026-11-22T15:00:00Z'), mono: 1_000_000 };
const pass = (ms: number) => {
  clock.now = new Date(clock.now.getTime() + ms);
  clock.mono += ms;
};
const setMachineClock = (byMs: number) => (clock.now = new Date(clock.now.getTime() + byMs));

const ADMIN = { username: 'morgan', displayName: 'Morgan Ellis', password: 'maple-grove-admin-1' };
const CLERK = { username: 'dana', displayName: 'Dana Reyes', password: 'front-desk-pass-1' };

let temp: ReturnType<typeof makeTempDir>;
let app: App;
const open = () => createApp({ databaseFile: temp.file('practice.sqlite'), now: () => clock.now, monotonicMs: () => clock.mono, workstation: 'desk-1' });

const ok = <T>(name: string, input: unknown): Promise<T> => invokeOk<T>(app, name, input);
async function refusal(name: string, input: unknown) {
  const result: Result<unknown> = await app.invoke(name, input);
  if (result.ok) throw new Error(`${name} was not refused`);
  return result.error;
}

beforeEach(async () => {
  temp = makeTempDir();
  clock.now = new Date('2026-11-22T15:00:00Z');
  app = await open();
  await ok('auth.setupAdmin', { ...ADMIN, confirmPassword: ADMIN.password });
  await ok('clerks.create', { ...CLERK, role: 'clerk', confirmPassword: CLERK.password });
  await ok('auth.signIn', { username: CLERK.username, password: CLERK.password });
});
afterEach(async () => {
  await app.close();
  temp.remove();
});

describe('the inactivity lock when the clock is set', () => {
  it('still locks after 5 idle minutes when the clock is put back 2 hours', async () => {
    pass(MINUTE);
    await ok('checkin.today', {});
    setMachineClock(-2 * 60 * MINUTE);
    pass(4 * MINUTE);
    await ok('auth.activity', {}); // 4 minutes idle: still open
    pass(5 * MINUTE);
    expect(await refusal('checkin.today', {})).toMatchObject({ code: 'locked' });
    expect(await ok<AuthState>('auth.state', {})).toMatchObject({ locked: true, clerk: { username: 'dana' } });
  });

  it('does not lock a clerk who is working when the clock jumps 2 hours forward, and locks after 5 idle minutes from then', async () => {
    pass(MINUTE);
    await ok('checkin.today', {});
    setMachineClock(2 * 60 * MINUTE);
    pass(MINUTE);
    expect((await ok<{ date: string }>('checkin.today', {})).date).toBe('2026-11-22');
    pass(4 * MINUTE + 59_000);
    await ok('checkin.today', {});
    pass(5 * MINUTE);
    expect(await refusal('checkin.today', {})).toMatchObject({ code: 'locked' });
  });
});

describe('the wait after failed sign-ins when the clock was wrong', () => {
  it('never exceeds 5 minutes after a year-fast clock is corrected, restarts included, for clerks and the administrator', async () => {
    await ok('auth.signOut', {});
    setMachineClock(YEAR);
    for (let i = 1; i <= 5; i++) {
      expect(await refusal('auth.signIn', { username: CLERK.username, password: `wrong-${i}` })).toMatchObject({ code: 'not_signed_in' });
      pass(MINUTE);
    }
    setMachineClock(-YEAR);

    const waitMessage = 'Too many failed sign-ins on this workstation or for this username. Wait 5 minutes, then try again.';
    expect(await refusal('auth.signIn', { username: CLERK.username, password: CLERK.password })).toMatchObject({ code: 'try_later', message: waitMessage });
    // The workstation waits too, so the administrator is told the same, not 525,601 minutes.
    expect(await refusal('auth.signIn', { username: ADMIN.username, password: ADMIN.password })).toMatchObject({ code: 'try_later', message: waitMessage });

    await app.close();
    app = await open();
    pass(4 * MINUTE);
    expect(await refusal('auth.signIn', { username: ADMIN.username, password: ADMIN.password })).toMatchObject({
      code: 'try_later',
      message: expect.stringContaining('Wait 1 minute,'),
    });
    await app.close();
    app = await open();
    pass(MINUTE);
    expect((await ok<AuthState>('auth.signIn', { username: ADMIN.username, password: ADMIN.password })).clerk?.username).toBe('morgan');
    expect((await ok<AuthState>('auth.signIn', { username: CLERK.username, password: CLERK.password })).clerk?.username).toBe('dana');

    const waits = app.context.sqlite
      .prepare(
        `SELECT json_extract(details, '$.refusedWaitingSeconds') FROM audit_log WHERE action = 'sign_in_failed' AND json_extract(details, '$.refusedWaitingSeconds') IS NOT NULL`,
      )
      .pluck()
      .all() as number[];
    expect(waits).toEqual([300, 300, 60]);
  });
});
