import type { IsoDate } from '../domain/dates';
import type { ExclusionReason } from '../domain/exclusions';

/**
 * The Bulk PIN job's input and its counts, as main and the job's worker thread pass them
 * (electron/main/bulk/pictureWorker.ts, jobs/jobTypes.ts).
 */

/** What the job needs to judge the mirror as main would. */
export interface PictureParams {
  today: IsoDate;
  minorAgeLimit: number;
  /** ISO instant: the picture's computedAt. */
  now: string;
}

/** The picture's counts, kept on main; its lists stay with the worker. */
export interface PictureSummary {
  guardianCount: number;
  eligibleChildren: number;
  exclusionCounts: Record<ExclusionReason, number>;
  worklistRows: number;
  worklistChildren: number;
  patients: number;
  computedAt: string;
  elapsedMs: number;
}
