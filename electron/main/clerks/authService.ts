import { randomUUID } from 'node:crypto';
import type { AuthClerk, AuthState } from '../../../shared/clerks/api';
import { describeWait, signInDelaySeconds } from '../../../shared/clerks/signInDelay';
import { appendAudit } from '../audit/audit';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { exclusiveWrite } from '../lib/exclusive';
import { demoAccountsShown } from './demoAccounts';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from './passwords';
import { clearFailures, recordFailure, secondsToWait, throttleSubjects } from './signInThrottle';
import { clearStation, isLocked, lockStation, startActivity } from './station';

/** One sign-in, setup or sign-out at a time per workstation: the failure count is read and written in order. */
function oneAtATime<T>(ctx: AppContext, work: () => Promise<T>): Promise<T> {
  const next = ctx.authQueue.tail.then(work, work);
  ctx.authQueue.tail = next.catch(() => undefined);
  return next;
}

async function signedInClerk(ctx: AppContext): Promise<AuthClerk | null> {
  if (!ctx.session.clerkId) return null;
  const row = await ctx.db
    .selectFrom('clerks')
    .select(['id', 'username', 'display_name', 'role'])
    .where('id', '=', ctx.session.clerkId)
    .where('active', '=', 1)
    .executeTakeFirst();
  return row ? { id: row.id, username: row.username, displayName: row.display_name, role: row.role } : null;
}

async function setupNeeded(ctx: AppContext): Promise<boolean> {
  if (ctx.demo) return false;
  const row = await ctx.db.selectFrom('clerks').select('id').where('password_hash', 'is not', null).limit(1).executeTakeFirst();
  return !row;
}

export async function authState(ctx: AppContext): Promise<AuthState> {
  const clerk = await signedInClerk(ctx);
  return {
    setupNeeded: await setupNeeded(ctx),
    clerk,
    locked: clerk ? await isLocked(ctx) : false,
    lockAfterMinutes: (await ctx.settings()).lockAfterMinutes,
    demoAccounts: ctx.demo ? await demoAccountsShown(ctx) : null,
  };
}

/** The first start of a real install: creates the administrator and signs them in. */
export function setupAdministrator(ctx: AppContext, input: { username: string; displayName: string; password: string }): Promise<AuthState> {
  return oneAtATime(ctx, async () => {
    if (ctx.demo) throw new AppError('forbidden', 'The demo practice has its accounts already: sign in with one shown on this screen.');
    if (!(await setupNeeded(ctx))) throw new AppError('conflict', 'An administrator already exists on this install: sign in instead.');
    const taken = await ctx.db
      .selectFrom('clerks')
      .select('id')
      .where((eb) => eb(eb.fn('lower', ['username']), '=', input.username.toLowerCase()))
      .executeTakeFirst();
    if (taken) throw new AppError('conflict', `The username “${input.username}” is taken. Choose another.`);
    const hash = await hashPassword(input.password);
    const id = `clerk-${randomUUID()}`;
    const at = ctx.now();
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('clerks')
        .values({ id, username: input.username, display_name: input.displayName, role: 'admin', password_hash: hash, active: 1, created_at: at.toISOString() })
        .execute();
      await appendAudit(trx, [
        {
          action: 'clerk_created',
          clerkId: id,
          workstation: ctx.workstation,
          at,
          details: { clerk: id, username: input.username, role: 'admin', firstAdministrator: true },
        },
        { action: 'sign_in', clerkId: id, workstation: ctx.workstation, at },
      ]);
    });
    ctx.session.clerkId = id;
    startActivity(ctx);
    return authState(ctx);
  });
}

const WRONG = 'That username and password do not match. Check the username and Caps Lock, then try again.';

/**
 * Signs a clerk in with their password: at an empty station, to unlock their own session, or in
 * place of the clerk who locked it (whose saved work stays theirs). Repeated failures slow down.
 */
export function signIn(ctx: AppContext, input: { username: string; password: string }): Promise<AuthState> {
  return oneAtATime(ctx, async () => {
    const username = input.username.trim();
    const subjects = throttleSubjects(username, ctx.workstation);
    const wait = secondsToWait(ctx.sqlite, subjects, ctx.now());
    if (wait > 0) {
      // Refused unchecked (the password is not even hashed), and recorded: someone keeps trying.
      await appendAudit(ctx.db, {
        action: 'sign_in_failed',
        clerkId: null,
        workstation: ctx.workstation,
        at: ctx.now(),
        details: { username: username.slice(0, 40), refusedWaitingSeconds: wait },
      });
      throw new AppError('try_later', `Too many failed sign-ins on this workstation or for this username. Wait ${describeWait(wait)}, then try again.`, {
        retryAfterSeconds: wait,
      });
    }
    const row = await ctx.db
      .selectFrom('clerks')
      .select(['id', 'role', 'active', 'password_hash'])
      .where((eb) => eb(eb.fn('lower', ['username']), '=', username.toLowerCase()))
      .executeTakeFirst();
    const usable = row && row.active === 1 && row.password_hash !== null ? row : null;
    // An unknown username costs the same hashing as a known one: the answer's timing tells nothing.
    const matches = await verifyPassword(input.password, usable?.password_hash ?? (await dummyHash()));
    if (!usable || !matches) {
      await exclusiveWrite(ctx.db, () => recordFailure(ctx.sqlite, subjects, ctx.now()));
      const { failures } = await ctx.db
        .selectFrom('sign_in_failures')
        .select((eb) => eb.fn.max('failures').as('failures'))
        .where('subject', 'in', subjects)
        .executeTakeFirstOrThrow();
      await appendAudit(ctx.db, {
        action: 'sign_in_failed',
        clerkId: row?.id ?? null,
        workstation: ctx.workstation,
        at: ctx.now(),
        details: { username: username.slice(0, 40), failures },
      });
      const delay = signInDelaySeconds(failures);
      throw new AppError(
        'not_signed_in',
        delay > 0 ? `${WRONG.replace(', then try again.', '.')} Too many failed tries: wait ${describeWait(delay)} before the next one.` : WRONG,
        {
          retryAfterSeconds: delay,
        },
      );
    }
    await exclusiveWrite(ctx.db, () => clearFailures(ctx.sqlite, subjects));
    if (needsRehash(usable.password_hash!)) {
      await ctx.db
        .updateTable('clerks')
        .set({ password_hash: await hashPassword(input.password) })
        .where('id', '=', usable.id)
        .execute();
    }
    const previous = ctx.session.clerkId;
    const wasLocked = previous !== null && (await isLocked(ctx));
    const at = ctx.now();
    if (previous === usable.id && wasLocked) {
      await appendAudit(ctx.db, { action: 'unlock', clerkId: usable.id, workstation: ctx.workstation, at });
    } else {
      await appendAudit(ctx.db, {
        action: 'sign_in',
        clerkId: usable.id,
        workstation: ctx.workstation,
        at,
        ...(previous && previous !== usable.id ? { details: { replacedClerk: previous } } : {}),
      });
    }
    ctx.session.clerkId = usable.id;
    startActivity(ctx);
    return authState(ctx);
  });
}

export function signOut(ctx: AppContext): Promise<AuthState> {
  return oneAtATime(ctx, async () => {
    const clerkId = ctx.session.clerkId;
    if (clerkId) await appendAudit(ctx.db, { action: 'sign_out', clerkId, workstation: ctx.workstation, at: ctx.now() });
    ctx.session.clerkId = null;
    clearStation(ctx);
    return authState(ctx);
  });
}

export async function lockNow(ctx: AppContext): Promise<AuthState> {
  await lockStation(ctx, 'clerk');
  return authState(ctx);
}
