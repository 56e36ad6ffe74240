import type { Handlers } from '../dispatch';
import type { JobRunner } from './jobRunner';

export function jobHandlers(runner: JobRunner): Pick<Handlers, 'jobs.cancel'> {
  return {
    'jobs.cancel': ({ jobId }) => runner.cancel(jobId),
  };
}
