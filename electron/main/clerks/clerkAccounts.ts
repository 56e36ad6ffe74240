import { randomUUID } from 'node:crypto';
import type { ClerkAccount, ClerkRole } from '../../../shared/clerks/api';
import { appendAudit } from '../audit/audit';
import type { AppContext } from '../context';
import type { Db } from '../db/open';
import { AppError, notFound } from '../errors';
import { hashPassword } from './passwords';
import { requireClerk } from './sessionService';

type Reader = Pick<Db, 'selectFrom'>;

const columns = ['id', 'username', 'display_name', 'role', 'active', 'password_hash', 'created_at'] as const;

function toAccount(row: {
  id: string;
  username: string;
  display_name: string;
  role: ClerkRole;
  active: number;
  password_hash: string | null;
  created_at: string;
}): ClerkAccount {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    active: row.active === 1,
    hasPassword: row.password_hash !== null,
    createdAt: row.created_at,
  };
}

export async function listClerks(ctx: AppContext): Promise<ClerkAccount[]> {
  const rows = await ctx.db.selectFrom('clerks').select(columns).orderBy('active', 'desc').orderBy('display_name').execute();
  return rows.map(toAccount);
}

async function usernameTaken(db: Reader, username: string, exceptId?: string): Promise<boolean> {
  let query = db
    .selectFrom('clerks')
    .select('id')
    .where((eb) => eb(eb.fn('lower', ['username']), '=', username.toLowerCase()));
  if (exceptId) query = query.where('id', '!=', exceptId);
  return Boolean(await query.executeTakeFirst());
}

export async function createClerk(ctx: AppContext, input: { username: string; displayName: string; role: ClerkRole; password: string }): Promise<ClerkAccount> {
  const admin = await requireClerk(ctx);
  if (await usernameTaken(ctx.db, input.username)) {
    throw new AppError('conflict', `There is already a clerk with the username “${input.username}”. Choose another.`);
  }
  const hash = await hashPassword(input.password);
  const id = `clerk-${randomUUID()}`;
  const at = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    if (await usernameTaken(trx, input.username)) {
      throw new AppError('conflict', `There is already a clerk with the username “${input.username}”. Choose another.`);
    }
    await trx
      .insertInto('clerks')
      .values({ id, username: input.username, display_name: input.displayName, role: input.role, password_hash: hash, active: 1, created_at: at.toISOString() })
      .execute();
    await appendAudit(trx, {
      action: 'clerk_created',
      clerkId: admin.id,
      workstation: ctx.workstation,
      at,
      details: { clerk: id, username: input.username, displayName: input.displayName, role: input.role },
    });
    return toAccount(await trx.selectFrom('clerks').select(columns).where('id', '=', id).executeTakeFirstOrThrow());
  });
}

/**
 * Changes a clerk's role, name or active flag, or sets a new password. The practice always keeps
 * at least one active administrator, or nobody could manage accounts or settings.
 */
export async function updateClerk(
  ctx: AppContext,
  input: { clerkId: string; role?: ClerkRole; active?: boolean; displayName?: string; newPassword?: string },
): Promise<ClerkAccount> {
  const admin = await requireClerk(ctx);
  const hash = input.newPassword === undefined ? undefined : await hashPassword(input.newPassword);
  const at = ctx.now();
  return ctx.db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('clerks').select(columns).where('id', '=', input.clerkId).executeTakeFirst();
    if (!before) throw notFound('That clerk account');
    const role = input.role ?? before.role;
    const active = input.active === undefined ? before.active : input.active ? 1 : 0;
    if (before.role === 'admin' && before.active === 1 && (role !== 'admin' || active !== 1)) {
      const others = await trx
        .selectFrom('clerks')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('role', '=', 'admin')
        .where('active', '=', 1)
        .where('id', '!=', before.id)
        .executeTakeFirstOrThrow();
      if (Number(others.n) === 0) {
        throw new AppError(
          'conflict',
          `${before.display_name} is the only active administrator. Make another clerk an administrator first, so someone can still manage accounts and settings.`,
        );
      }
    }
    const changed: string[] = [];
    if (role !== before.role) changed.push('role');
    if (active !== before.active) changed.push('active');
    if (input.displayName !== undefined && input.displayName !== before.display_name) changed.push('displayName');
    if (hash !== undefined) changed.push('password');
    if (changed.length === 0) return toAccount(before);
    await trx
      .updateTable('clerks')
      .set({
        role,
        active,
        display_name: input.displayName ?? before.display_name,
        ...(hash === undefined ? {} : { password_hash: hash }),
      })
      .where('id', '=', before.id)
      .execute();
    await appendAudit(trx, {
      action: 'clerk_changed',
      clerkId: admin.id,
      workstation: ctx.workstation,
      at,
      // What changed, never the password itself.
      details: {
        clerk: before.id,
        username: before.username,
        changed,
        ...(changed.includes('role') ? { role: { from: before.role, to: role } } : {}),
        ...(changed.includes('active') ? { active: active === 1 } : {}),
        ...(changed.includes('displayName') ? { displayName: { from: before.display_name, to: input.displayName } } : {}),
      },
    });
    return toAccount(await trx.selectFrom('clerks').select(columns).where('id', '=', before.id).executeTakeFirstOrThrow());
  });
}
