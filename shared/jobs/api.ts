import { z } from 'zod';
import { call } from '../contractCall';
import type { JobView } from './jobs';

/** Contract calls for heavy jobs (issue 14); merged into the contract in shared/api.ts. */
export const jobCalls = {
  /**
   * Stops a running job after the transaction it is writing: what was applied stays, each family
   * whole (an import), and is audited. Administrators: an import is theirs to start.
   */
  'jobs.cancel': call<JobView>('admin')(z.strictObject({ jobId: z.uuid() })),
} as const;
