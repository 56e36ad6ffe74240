import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accessOf, contract, isCallName, type CallName, type Result } from '../../shared/api';
import type { AuthState, ClerkAccount } from '../../shared/clerks/api';
import { createApp, type App } from '../../electron/main/app';
import { ADMIN_CALL_SAMPLES } from '../support/adminCalls';
import { makeTempDir } from '../support/tempDir';
import { invokeOk } from '../support/testDesk';

/** The workstation's clock, moved by the tests (inactivity, waiting periods) instead of sleeping. */
const clock = { now: new Date('2026-11-22T15:00:00Z') };
const advance = (ms: number) => (clock.now = new Date(clock.now.getTime() + ms));

const ADMIN = { username: 'morgan', displayName: 'Morgan Ellis', password: 'maple-grove-admin-1' };
const CLERK = { username: 'dana', displayName: 'Dana Reyes', password: 'front-desk-pass-1' };
const ADMIN_SIGN_IN = { username: ADMIN.username, password: ADMIN.password };

let temp: ReturnType<typeof makeTempDir>;
let app: App;

const open = () => createApp({ databaseFile: temp.file('practice.sqlite'), now: () => clock.now, workstation: 'desk-1' });
const audit = (action: string) =>
  app.context.sqlite.prepare('SELECT clerk_id AS clerkId, details FROM audit_log WHERE action = ? ORDER BY id').all(action) as {
    clerkId: string | null;
    details: string;
  }[];

const ok = <T>(name: string, input: unknown): Promise<T> => invokeOk<T>(app, name, input);
const refusal = async (name: string, input: unknown) => {
  const result: Result<unknown> = await app.invoke(name, input);
  if (result.ok) throw new Error(`${name} was not refused`);
  return result.error;
};

async function setUpAdministratorAndClerk(): Promise<ClerkAccount> {
  await ok('auth.setupAdmin', { ...ADMIN, confirmPassword: ADMIN.password });
  return ok<ClerkAccount>('clerks.create', { ...CLERK, role: 'clerk', confirmPassword: CLERK.password });
}

beforeEach(async () => {
  temp = makeTempDir();
  clock.now = new Date('2026-11-22T15:00:00Z');
  app = await open();
});
afterEach(async () => {
  await app.close();
  temp.remove();
});

describe('the first start of a real install', () => {
  it('asks for the administrator, lets nothing else run, and creates them once', async () => {
    expect(await ok<AuthState>('auth.state', {})).toMatchObject({ setupNeeded: true, clerk: null, locked: false, demoAccounts: null });
    expect(await refusal('checkin.today', {})).toMatchObject({ code: 'not_signed_in' });
    expect(await refusal('auth.setupAdmin', { ...ADMIN, confirmPassword: 'something-else-1' })).toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('The two passwords are not the same.'),
    });
    expect(await refusal('auth.setupAdmin', { ...ADMIN, password: 'short', confirmPassword: 'short' })).toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('At least 10 characters'),
    });

    const state = await ok<AuthState>('auth.setupAdmin', { ...ADMIN, confirmPassword: ADMIN.password });
    expect(state).toMatchObject({ setupNeeded: false, locked: false, clerk: { username: 'morgan', displayName: 'Morgan Ellis', role: 'admin' } });
    expect((await ok<{ date: string }>('checkin.today', {})).date).toBe('2026-11-22');
    expect(
      await refusal('auth.setupAdmin', { username: 'second', displayName: 'Second', password: 'another-password', confirmPassword: 'another-password' }),
    ).toMatchObject({
      code: 'conflict',
    });

    const stored = app.context.sqlite.prepare('SELECT password_hash FROM clerks').pluck().all() as string[];
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatch(/^scrypt\$65536\$8\$2\$[\w-]+\$[\w-]+$/);
    const everything = JSON.stringify(app.context.sqlite.prepare('SELECT * FROM audit_log').all());
    expect(everything).not.toContain(ADMIN.password);
    expect(audit('clerk_created')).toHaveLength(1);
  });

  it('is not offered by the demo practice, which opens signed in and shows its demo accounts', async () => {
    await app.close();
    app = await createApp({ databaseFile: temp.file('demo.sqlite'), now: () => clock.now, workstation: 'desk-1', demo: { families: 20 } });
    const state = await ok<AuthState>('auth.state', {});
    expect(state).toMatchObject({ setupNeeded: false, clerk: { id: 'clerk-demo', role: 'clerk' } });
    expect(state.demoAccounts?.map((a) => [a.username, a.role])).toEqual([
      ['demo', 'clerk'],
      ['admin', 'admin'],
    ]);
    expect(await refusal('auth.setupAdmin', { ...ADMIN, confirmPassword: ADMIN.password })).toMatchObject({ code: 'forbidden' });
    const admin = state.demoAccounts!.find((a) => a.username === 'admin')!;
    expect(await ok<AuthState>('auth.signIn', { username: 'admin', password: admin.password })).toMatchObject({ clerk: { id: 'clerk-demo-admin' } });
  });
});

describe('signing in and out', () => {
  it('signs a clerk in with the right password only, and out again; every step audited without the password', async () => {
    const dana = await setUpAdministratorAndClerk();
    expect(await ok<AuthState>('auth.signOut', {})).toMatchObject({ clerk: null, locked: false });
    expect(await refusal('search.patients', { text: 'ana' })).toMatchObject({ code: 'not_signed_in' });

    const wrong = await refusal('auth.signIn', { username: 'dana', password: 'Front-desk-pass-1' });
    expect(wrong).toMatchObject({
      code: 'not_signed_in',
      message: 'That username and password do not match. Check the username and Caps Lock, then try again.',
    });
    expect(await refusal('auth.signIn', { username: 'nobody', password: CLERK.password })).toMatchObject({ message: wrong.message });
    const state = await ok<AuthState>('auth.signIn', { username: ' Dana ', password: CLERK.password });
    expect(state.clerk).toMatchObject({ id: dana.id, displayName: 'Dana Reyes', role: 'clerk' });

    expect(audit('sign_out')).toHaveLength(1);
    expect(audit('sign_in_failed').map((r) => JSON.parse(r.details).username)).toEqual(['dana', 'nobody']);
    expect(audit('sign_in').at(-1)).toMatchObject({ clerkId: dana.id });
    const everything = JSON.stringify(app.context.sqlite.prepare('SELECT * FROM audit_log').all());
    for (const secret of [CLERK.password, 'Front-desk-pass-1', ADMIN.password]) expect(everything).not.toContain(secret);
  });

  it('refuses a deactivated clerk, and a reset password replaces the old one', async () => {
    const dana = await setUpAdministratorAndClerk();
    await ok('clerks.update', { clerkId: dana.id, newPassword: 'brand-new-pass-2', confirmPassword: 'brand-new-pass-2' });
    await ok('auth.signOut', {});
    expect(await refusal('auth.signIn', { username: 'dana', password: CLERK.password })).toMatchObject({ code: 'not_signed_in' });
    await ok('auth.signIn', { username: 'dana', password: 'brand-new-pass-2' });
    await ok('auth.signIn', ADMIN_SIGN_IN);
    await ok('clerks.update', { clerkId: dana.id, active: false });
    await ok('auth.signOut', {});
    expect(await refusal('auth.signIn', { username: 'dana', password: 'brand-new-pass-2' })).toMatchObject({ code: 'not_signed_in' });
    const changes = audit('clerk_changed').map((r) => JSON.parse(r.details));
    expect(changes.map((c) => c.changed)).toEqual([['password'], ['active']]);
    expect(JSON.stringify(changes)).not.toContain('brand-new-pass-2');
  });

  it('keeps at least one active administrator', async () => {
    const dana = await setUpAdministratorAndClerk();
    const { clerk } = await ok<AuthState>('auth.state', {});
    for (const change of [{ role: 'clerk' }, { active: false }]) {
      expect(await refusal('clerks.update', { clerkId: clerk!.id, ...change })).toMatchObject({
        code: 'conflict',
        message: expect.stringContaining('Morgan Ellis is the only active administrator'),
      });
    }
    await ok('clerks.update', { clerkId: dana.id, role: 'admin' });
    expect(await ok<ClerkAccount>('clerks.update', { clerkId: clerk!.id, role: 'clerk' })).toMatchObject({ role: 'clerk', active: true });
    expect(
      await refusal('clerks.create', { username: 'DANA', displayName: 'Other Dana', role: 'clerk', password: CLERK.password, confirmPassword: CLERK.password }),
    ).toMatchObject({
      code: 'forbidden',
    });
  });
});

describe('failed sign-ins slow down', () => {
  it('for a username: nothing for three, then a wait that survives a restart', async () => {
    await setUpAdministratorAndClerk();
    await ok('auth.signOut', {});
    for (let i = 1; i <= 3; i++) {
      expect(await refusal('auth.signIn', { username: 'dana', password: `wrong-${i}` })).toMatchObject({ details: { retryAfterSeconds: 0 } });
    }
    expect(await refusal('auth.signIn', { username: 'dana', password: 'wrong-4' })).toMatchObject({
      message: expect.stringContaining('wait 5 seconds before the next one'),
    });
    // Inside the waiting period even the right password is refused, without being checked.
    expect(await refusal('auth.signIn', { username: 'dana', password: CLERK.password })).toMatchObject({
      code: 'try_later',
      message: 'Too many failed sign-ins on this workstation or for this username. Wait 5 seconds, then try again.',
    });

    await app.close();
    app = await open();
    advance(4_000);
    expect(await refusal('auth.signIn', { username: 'dana', password: CLERK.password })).toMatchObject({
      code: 'try_later',
      message: expect.stringContaining('Wait 1 second,'),
    });
    advance(1_000);
    expect(await refusal('auth.signIn', { username: 'dana', password: 'wrong-5' })).toMatchObject({ message: expect.stringContaining('wait 10 seconds') });
    advance(10_000);
    expect((await ok<AuthState>('auth.signIn', { username: 'dana', password: CLERK.password })).clerk?.username).toBe('dana');
    // A success clears the count: the next typo costs nothing.
    await ok('auth.signOut', {});
    expect(await refusal('auth.signIn', { username: 'dana', password: 'wrong-6' })).toMatchObject({ details: { retryAfterSeconds: 0 } });
    const failed = audit('sign_in_failed').map((r) => JSON.parse(r.details));
    expect(failed.map((d) => d.failures ?? `waiting ${d.refusedWaitingSeconds}`)).toEqual([1, 2, 3, 4, 'waiting 5', 'waiting 1', 5, 1]);
    expect(JSON.stringify(failed)).not.toMatch(/wrong-|front-desk/);
  });

  it('for a workstation trying many usernames', async () => {
    await setUpAdministratorAndClerk();
    await ok('auth.signOut', {});
    for (const username of ['amy', 'bob', 'cy', 'dee']) await refusal('auth.signIn', { username, password: 'guess-123456' });
    expect(await refusal('auth.signIn', ADMIN_SIGN_IN)).toMatchObject({ code: 'try_later' });
  });
});

describe('administrator-only calls', () => {
  it('are refused to a clerk through app.invoke, each refusal audited without its input', async () => {
    const dana = await setUpAdministratorAndClerk();
    await ok('auth.signIn', { username: 'dana', password: CLERK.password });
    const adminCalls = (Object.keys(contract) as CallName[]).filter((name) => accessOf(name) === 'admin');
    expect(adminCalls).toEqual(expect.arrayContaining(Object.keys(ADMIN_CALL_SAMPLES)));

    for (const name of adminCalls) {
      const input = ADMIN_CALL_SAMPLES[name] ?? {};
      expect(isCallName(name) && contract[name].input.safeParse(input).success, `add a valid input for ${name} to tests/support/adminCalls.ts`).toBe(true);
      expect(await refusal(name, input), name).toEqual({
        code: 'forbidden',
        message: 'This is for an administrator only: ask an administrator to sign in on this workstation.',
      });
    }
    const denied = audit('access_denied');
    expect(denied.map((r) => JSON.parse(r.details).call)).toEqual(adminCalls);
    expect(denied.every((r) => r.clerkId === dana.id)).toBe(true);
    expect(JSON.stringify(denied)).not.toMatch(/Taken Over|not-a-real-token|intruder|someone@example/);
    expect(app.context.sqlite.prepare(`SELECT count(*) FROM clerks`).pluck().get()).toBe(2);
    expect(await ok<{ practiceName: string }>('settings.get', {})).toMatchObject({ practiceName: 'Your practice' });
  });

  it('are refused and audited when nobody is signed in or the station is locked', async () => {
    await setUpAdministratorAndClerk();
    await ok('auth.lock', {});
    expect(await refusal('clerks.list', {})).toMatchObject({ code: 'locked' });
    await ok('auth.signIn', ADMIN_SIGN_IN);
    await ok('auth.signOut', {});
    expect(await refusal('settings.update', { changes: { lockAfterMinutes: 60 } })).toMatchObject({ code: 'not_signed_in' });
    expect(audit('access_denied').map((r) => JSON.parse(r.details))).toEqual([
      { call: 'clerks.list', reason: 'locked' },
      { call: 'settings.update', reason: 'not_signed_in' },
    ]);
  });
});

describe('the workstation lock', () => {
  it('locks after the inactivity period, measured in main; activity and the ping keep it open, polling does not', async () => {
    await setUpAdministratorAndClerk();
    await ok('auth.signIn', { username: 'dana', password: CLERK.password });
    advance(4 * 60_000);
    await ok('checkin.today', {});
    advance(4 * 60_000);
    await ok('auth.activity', {});
    advance(4 * 60_000);
    await ok('outbox.list', { status: 'pending' }); // a screen refreshing itself is not someone at the desk
    advance(60_000);
    expect(await refusal('checkin.today', {})).toEqual({
      code: 'locked',
      message: 'This workstation is locked. Sign in again to carry on where you left off, or sign in as another clerk.',
    });
    expect(await ok<AuthState>('auth.state', {})).toMatchObject({ locked: true, clerk: { username: 'dana' } });
    expect(audit('lock').map((r) => JSON.parse(r.details))).toEqual([{ reason: 'inactivity' }]);

    await ok('auth.signIn', { username: 'dana', password: CLERK.password });
    expect(audit('unlock')).toHaveLength(1);
    await ok('checkin.today', {});
  });

  it('follows the lockAfterMinutes setting', async () => {
    await setUpAdministratorAndClerk();
    await ok('settings.update', { changes: { lockAfterMinutes: 1 } });
    advance(59_000);
    await ok('checkin.today', {});
    advance(60_000);
    expect(await refusal('checkin.today', {})).toMatchObject({ code: 'locked' });
  });

  it('locks at once on request, and another clerk can sign in in place of the first', async () => {
    const dana = await setUpAdministratorAndClerk();
    await ok('auth.signIn', { username: 'dana', password: CLERK.password });
    expect(await ok<AuthState>('auth.lock', {})).toMatchObject({ locked: true, clerk: { id: dana.id } });
    expect(await refusal('family.load', { familyId: 'f-1' })).toMatchObject({ code: 'locked' });
    const morgan = await ok<AuthState>('auth.signIn', ADMIN_SIGN_IN);
    expect(morgan).toMatchObject({ locked: false, clerk: { username: 'morgan' } });
    expect(JSON.parse(audit('sign_in').at(-1)!.details)).toEqual({ replacedClerk: dana.id });
    expect(audit('lock').map((r) => [r.clerkId, JSON.parse(r.details).reason])).toEqual([[dana.id, 'clerk']]);
  });
});
