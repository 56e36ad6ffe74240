import type BetterSqlite3 from 'better-sqlite3';
import type { ClerkSummary, SessionInfo } from '../../../shared/api';
import { appendAudit } from '../audit/audit';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { startActivity } from './station';

type ClerkRow = Pick<ClerkSummary, 'id' | 'role'> & { display_name: string };
const clerkStatements = new WeakMap<AppContext['sqlite'], BetterSqlite3.Statement<[string], ClerkRow>>();

/**
 * The signed-in clerk, read again on every call (a clerk turned off elsewhere is out at once).
 * Every call asks twice (authorization, then attribution), so this is one prepared statement
 * rather than a query built each time.
 */
export async function currentClerk(ctx: AppContext): Promise<ClerkSummary | null> {
  if (!ctx.session.clerkId) return null;
  let statement = clerkStatements.get(ctx.sqlite);
  if (!statement) {
    // Prepared once per connection and run on every call (see above): Kysely would build and prepare it each time.
    statement = ctx.sqlite.prepare<[string], ClerkRow>('SELECT id, display_name, role FROM clerks WHERE id = ? AND active = 1');
    clerkStatements.set(ctx.sqlite, statement);
  }
  const clerk = statement.get(ctx.session.clerkId);
  return clerk ? { id: clerk.id, displayName: clerk.display_name, role: clerk.role } : null;
}

/** Signs a clerk in on this workstation without a password (the demo practice does this for its demo clerk at start). */
export async function signInAs(ctx: AppContext, clerkId: string): Promise<void> {
  const clerk = await ctx.db.selectFrom('clerks').select('id').where('id', '=', clerkId).where('active', '=', 1).executeTakeFirst();
  if (!clerk) throw new AppError('not_found', 'That clerk account does not exist or is disabled.');
  ctx.session.clerkId = clerk.id;
  startActivity(ctx);
  await appendAudit(ctx.db, { action: 'sign_in', clerkId: clerk.id, workstation: ctx.workstation, at: ctx.now() });
}

/** The signed-in clerk, for handlers that write: every write is attributed. */
export async function requireClerk(ctx: AppContext): Promise<ClerkSummary> {
  const clerk = await currentClerk(ctx);
  if (!clerk) throw new AppError('not_signed_in', 'Sign in first: every change is recorded under a clerk’s name.');
  return clerk;
}

export async function sessionInfo(ctx: AppContext): Promise<SessionInfo> {
  const settings = await ctx.settings();
  return {
    clerk: await currentClerk(ctx),
    workstation: ctx.workstation,
    practiceName: settings.practiceName,
    demo: ctx.demo,
    today: await ctx.today(),
  };
}
