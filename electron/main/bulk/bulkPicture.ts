import type { EligibleGuardian, ExclusionReason, ExclusionRow, QualityProblem, WorklistPage } from '../../../shared/bulk/api';
import type { PictureSummary } from '../../../shared/bulk/picture';
import { worklistChildCount } from '../../../shared/domain/worklistGroups';
import { type ExportKind, type ExportWatch, writeExportFile } from './exportRecords';
import type { BulkSnapshot } from './snapshot';

export type { PictureSummary } from '../../../shared/bulk/picture';

/**
 * The Bulk PIN picture as the screen's calls read it: the counts, and pages of its lists. Held
 * where it was worked out: in the Bulk PIN job's worker (pictureWorker.ts; main asks it for one
 * page at a time, so the 30,000 exclusions and 15,000 worklist rows never cross to the main
 * thread, whose event loop would stall for the copy), or in this thread without a worker.
 */

export interface ExclusionPage {
  rows: ExclusionRow[];
  total: number;
}

export interface BulkPicture {
  summary: PictureSummary;
  guardians(offset: number, limit: number): Promise<EligibleGuardian[]>;
  exclusions(reason: ExclusionReason | undefined, offset: number, limit: number): Promise<ExclusionPage>;
  worklist(problem: QualityProblem | undefined, offset: number, limit: number): Promise<WorklistPage>;
  /** Writes one export file into `dir` under `name` (atomically), as the read job `jobId` (its progress and cancel). */
  writeExport(kind: ExportKind, dir: string, name: string, jobId: string): Promise<{ file: string; rows: number }>;
}

const pageOf = <T>(rows: readonly T[], offset: number, limit: number): T[] => rows.slice(offset, offset + limit);

export function summaryOf(snapshot: BulkSnapshot): PictureSummary {
  return {
    guardianCount: snapshot.guardianCount,
    eligibleChildren: snapshot.eligibleChildren,
    exclusionCounts: snapshot.exclusionCounts,
    worklistRows: snapshot.worklist.length,
    worklistChildren: snapshot.worklistChildren,
    patients: snapshot.patients,
    computedAt: snapshot.computedAt,
    elapsedMs: snapshot.elapsedMs,
  };
}

/** The picture over a snapshot in this thread (the worker's, or main's without a worker). */
export function localPicture(snapshot: BulkSnapshot, watchOf: (jobId: string) => ExportWatch | undefined = () => undefined): BulkPicture {
  return {
    summary: summaryOf(snapshot),
    guardians: (offset, limit) => snapshot.guardians(offset, limit),
    exclusions: async (reason, offset, limit) => {
      const all = await snapshot.exclusions();
      const rows = reason ? all.filter((e) => e.reason === reason) : all;
      return { rows: pageOf(rows, offset, limit), total: rows.length };
    },
    worklist: async (problem, offset, limit) => {
      const { worklist, worklistChildren } = snapshot;
      if (!problem) return { rows: pageOf(worklist, offset, limit), total: worklist.length, children: worklistChildren };
      const rows = worklist.filter((w) => w.problems.some((p) => p.code === problem));
      return { rows: pageOf(rows, offset, limit), total: rows.length, children: worklistChildCount(rows) };
    },
    writeExport: (kind, dir, name, jobId) => writeExportFile(snapshot, kind, dir, name, watchOf(jobId)),
  };
}

/** Warms what a cold screen asks for first (the guardians' order, the exclusions), so those calls answer at once. */
export async function warmPicture(picture: BulkPicture): Promise<void> {
  await picture.guardians(0, 1);
  await picture.exclusions(undefined, 0, 1);
}

/** The calls a worker answers for main, by name (the session's protocol: op and an argument array). */
export type PictureOp = 'guardians' | 'exclusions' | 'worklist' | 'writeExport';
export const PICTURE_OPS: readonly PictureOp[] = ['guardians', 'exclusions', 'worklist', 'writeExport'];
