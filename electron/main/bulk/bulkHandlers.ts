/**
 * Bulk PIN readiness (SPEC 3.5) behind the contract's bulk.* calls. Reads come from the cached
 * snapshot of the mirror (see snapshot.ts); writes need a signed-in clerk.
 */
import { EXCLUSION_REASONS, type ReadinessSummary } from '../../../shared/bulk/api';
import type { AppContext } from '../context';
import type { Handlers } from '../dispatch';
import { answerChecklist, checklistReady, readChecklist } from './checklist';
import { exportBulkFile } from './export';
import { fixContact } from './fixContact';
import { bulkSnapshot } from './snapshot';
import { worklistChildCount } from '../../../shared/domain/worklistGroups';

export type BulkHandlerName =
  | 'bulk.readiness'
  | 'bulk.setChecklist'
  | 'bulk.eligible'
  | 'bulk.exclusions'
  | 'bulk.worklist'
  | 'bulk.fixContact'
  | 'bulk.export';

const pageOf = <T>(rows: readonly T[], offset: number, limit: number): T[] => rows.slice(offset, offset + limit);

export async function bulkReadiness(ctx: AppContext): Promise<ReadinessSummary> {
  const [checklist, snapshot] = await Promise.all([readChecklist(ctx.db), bulkSnapshot(ctx)]);
  return {
    checklist,
    checklistReady: checklistReady(checklist),
    eligibleGuardians: snapshot.guardianCount,
    eligibleChildren: snapshot.eligibleChildren,
    exclusions: EXCLUSION_REASONS.map((reason) => ({ reason, count: snapshot.exclusionCounts[reason] })),
    openQualityRows: snapshot.worklist.length,
    openQualityChildren: snapshot.worklistChildren,
    computedAt: snapshot.computedAt,
    elapsedMs: snapshot.elapsedMs,
  };
}

export function bulkHandlers(ctx: AppContext, options: { exportDir: string }): Pick<Handlers, BulkHandlerName> {
  return {
    'bulk.readiness': () => bulkReadiness(ctx),
    'bulk.setChecklist': async (input) => {
      await answerChecklist(ctx, input);
      return bulkReadiness(ctx);
    },
    'bulk.eligible': async ({ limit, offset }) => {
      const snapshot = await bulkSnapshot(ctx);
      return { guardians: await snapshot.guardians(offset, limit), total: snapshot.guardianCount };
    },
    'bulk.exclusions': async ({ reason, limit, offset }) => {
      const exclusions = await (await bulkSnapshot(ctx)).exclusions();
      const rows = reason ? exclusions.filter((e) => e.reason === reason) : exclusions;
      return { rows: pageOf(rows, offset, limit), total: rows.length };
    },
    'bulk.worklist': async ({ problem, limit, offset }) => {
      const { worklist, worklistChildren } = await bulkSnapshot(ctx);
      if (!problem) return { rows: pageOf(worklist, offset, limit), total: worklist.length, children: worklistChildren };
      const rows = worklist.filter((w) => w.problems.some((p) => p.code === problem));
      return { rows: pageOf(rows, offset, limit), total: rows.length, children: worklistChildCount(rows) };
    },
    'bulk.fixContact': (input) => fixContact(ctx, input),
    'bulk.export': ({ kind }) => exportBulkFile(ctx, options.exportDir, kind),
  };
}
