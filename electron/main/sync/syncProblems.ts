import type { SyncProblemList } from '../../../shared/api';
import type { AppContext } from '../context';

const SHOWN = 200;

/** Records the pull set aside (applyPage.ts), newest first, for an administrator (Settings > Practice system). */
export async function listSyncProblems(ctx: AppContext): Promise<SyncProblemList> {
  const rows = await ctx.db
    .selectFrom('sync_problems')
    .select(['kind', 'record_id', 'problem', 'seen_at'])
    .orderBy('seen_at', 'desc')
    .orderBy('id', 'desc')
    .limit(SHOWN)
    .execute();
  const { total } = await ctx.db
    .selectFrom('sync_problems')
    .select((eb) => eb.fn.countAll<number>().as('total'))
    .executeTakeFirstOrThrow();
  return {
    problems: rows.map((r) => ({ kind: r.kind, recordId: r.record_id, problem: r.problem, seenAt: r.seen_at })),
    total: Number(total),
  };
}
