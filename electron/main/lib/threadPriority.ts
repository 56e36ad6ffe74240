import fs from 'node:fs';
import os from 'node:os';

/**
 * Lowers the calling thread's CPU priority (issue 14): a job's worker thread yields the cores to
 * the main thread, which answers the clerk, whenever both want one. On 2 cores a worker that
 * writes without pause otherwise shares them evenly with the main thread, and the desk's calls
 * and the window's event loop wait their turn behind it. The job loses nothing while the desk is
 * idle (an idle thread takes no share).
 *
 * Linux only: there the nice value belongs to each thread, and `setpriority` given a thread id
 * (read from /proc/thread-self) changes that thread alone. Elsewhere Node can only change the
 * whole process, which would slow the desk too, so nothing is done. Returns whether it was lowered.
 */
export const JOB_THREAD_NICE = 10;

export function lowerThisThreadPriority(nice = JOB_THREAD_NICE): boolean {
  if (process.platform !== 'linux' || process.env.FPP_JOB_THREAD_NICE === '0') return false;
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').at(-1));
    if (!Number.isInteger(tid) || tid <= 0) return false;
    os.setPriority(tid, Math.max(os.getPriority(tid), nice));
    return true;
  } catch {
    return false; // no /proc, or not permitted: the job runs at the desk's priority, as before
  }
}

/**
 * lowerThisThreadPriority as plain JavaScript, for a worker started from sources (workerEntry.ts):
 * run first in its bootstrap, before tsx registers. A worker's own call comes only once its
 * modules are compiled, and tsx compiles them on a loader thread the worker starts (about half a
 * second of CPU per worker, each Bulk PIN job included): both then ran at the desk's priority,
 * beside the main thread on 2 cores. A thread starts with its creator's nice value, so the loader
 * thread gives way too.
 */
export function lowerPrioritySource(nice = JOB_THREAD_NICE): string {
  return `if (process.platform === 'linux' && process.env.FPP_JOB_THREAD_NICE !== '0') {
  try {
    const os = require('node:os');
    const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').at(-1));
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, Math.max(os.getPriority(tid), ${Number(nice)}));
  } catch {}
}
`;
}
