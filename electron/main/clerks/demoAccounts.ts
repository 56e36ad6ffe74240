import { DEMO_ACCOUNTS } from '../demo/demoPractice';
import type { AppContext } from '../context';
import { hashPassword } from './passwords';

/** Gives the demo clerk and the demo administrator their known passwords (once). */
export async function ensureDemoPasswords(ctx: AppContext): Promise<void> {
  for (const account of DEMO_ACCOUNTS) {
    const row = await ctx.db.selectFrom('clerks').select('password_hash').where('id', '=', account.clerkId).executeTakeFirst();
    if (!row || row.password_hash !== null) continue;
    const hash = await hashPassword(account.password);
    await ctx.db.updateTable('clerks').set({ password_hash: hash }).where('id', '=', account.clerkId).where('password_hash', 'is', null).execute();
  }
}

/** What the sign-in screen shows in demo mode: the accounts that exist, with their known passwords. */
export async function demoAccountsShown(ctx: AppContext): Promise<{ username: string; password: string; displayName: string; role: 'admin' | 'clerk' }[]> {
  const rows = await ctx.db
    .selectFrom('clerks')
    .select(['id', 'display_name', 'role'])
    .where(
      'id',
      'in',
      DEMO_ACCOUNTS.map((a) => a.clerkId),
    )
    .where('active', '=', 1)
    .execute();
  return DEMO_ACCOUNTS.flatMap((account) => {
    const row = rows.find((r) => r.id === account.clerkId);
    return row ? [{ username: account.username, password: account.password, displayName: row.display_name, role: row.role }] : [];
  });
}
