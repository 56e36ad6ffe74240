import { accessOf, type ApiError, type CallName } from '../../../shared/api';
import { appendAudit } from '../audit/audit';
import type { AppContext } from '../context';
import type { Authorize } from '../dispatch';
import { currentClerk } from './sessionService';
import { isLocked, recordActivity } from './station';

/**
 * Calls the renderer repeats on a timer while a screen is open: they do not count as someone
 * working at the desk, or an open Outbox screen would keep the station unlocked forever.
 */
const POLLED_CALLS: ReadonlySet<CallName> = new Set<CallName>(['outbox.list', 'mail.dropList', 'campaign.status']);

const NOT_SIGNED_IN: ApiError = { code: 'not_signed_in', message: 'Sign in first: every change is recorded under a clerk’s name.' };
const LOCKED: ApiError = {
  code: 'locked',
  message: 'This workstation is locked. Sign in again to carry on where you left off, or sign in as another clerk.',
};
const ADMIN_ONLY: ApiError = {
  code: 'forbidden',
  message: 'This is for an administrator only: ask an administrator to sign in on this workstation.',
};

/**
 * The access rule for every call, from the contract: `open` always runs; `clerk` needs a signed-in
 * clerk at an unlocked station; `admin` also needs the administrator role. Every refusal of an
 * administrator call is audited (who, which call; never the input).
 */
export function authorizeCalls(ctx: AppContext): Authorize {
  return async (name) => {
    const access = accessOf(name);
    if (access === 'open') return null;
    const clerk = await currentClerk(ctx);
    let refusal: ApiError | null = null;
    if (!clerk) refusal = NOT_SIGNED_IN;
    else if (await isLocked(ctx)) refusal = LOCKED;
    else if (access === 'admin' && clerk.role !== 'admin') refusal = ADMIN_ONLY;
    if (refusal) {
      if (access === 'admin') {
        await appendAudit(ctx.db, {
          action: 'access_denied',
          clerkId: clerk?.id ?? null,
          workstation: ctx.workstation,
          at: ctx.now(),
          details: { call: name, reason: refusal.code },
        });
      }
      return refusal;
    }
    if (!POLLED_CALLS.has(name)) recordActivity(ctx);
    return null;
  };
}
