import type { clerkCalls } from '../../../shared/clerks/api';
import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import { authState, lockNow, setupAdministrator, signIn, signOut } from './authService';
import { createClerk, listClerks, updateClerk } from './clerkAccounts';
import { sessionInfo } from './sessionService';

/** The handlers of shared/clerks/api.ts; `auth.activity` has nothing to do: the dispatcher's authorization records it. */
export function clerkHandlers(ctx: AppContext): Pick<Handlers, keyof typeof clerkCalls | 'session.current'> {
  return {
    'session.current': () => sessionInfo(ctx),
    'auth.state': () => authState(ctx),
    'auth.setupAdmin': ({ username, displayName, password }) => setupAdministrator(ctx, { username, displayName, password }),
    'auth.signIn': (input) => signIn(ctx, input),
    'auth.signOut': () => signOut(ctx),
    'auth.lock': () => lockNow(ctx),
    'auth.activity': async () => null,
    'clerks.list': () => listClerks(ctx),
    'clerks.create': ({ username, displayName, role, password }) => createClerk(ctx, { username, displayName, role, password }),
    'clerks.update': ({ clerkId, role, active, displayName, newPassword }) => updateClerk(ctx, { clerkId, role, active, displayName, newPassword }),
  };
}
