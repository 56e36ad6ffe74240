/**
 * Where the bench's time goes: each section's wall time, printed as it ends (so a long run shows
 * its progress) and as a table at the end, with the whole run (issue 14: the whole bench <= 12 minutes).
 */
import { performance } from 'node:perf_hooks';
import { printTable } from './stats';

const laps: { section: string; seconds: number; steps: { step: string; seconds: number }[] }[] = [];
const started = performance.now();
let last = started;
/** The steps marked since the last lap (they belong to the section that lap ends). */
let steps: { step: string; seconds: number }[] = [];
let lastMark = started;

/**
 * Ends a step inside the current section: the time since the previous mark (or the section's
 * start). Where a section's time goes, printed under the sections table (issue 14: the whole
 * bench <= 12 minutes; a step is what to look at first).
 */
export function mark(step: string): void {
  const now = performance.now();
  steps.push({ step, seconds: (now - lastMark) / 1000 });
  lastMark = now;
}

/** Ends the section that ran since the previous lap (or the start of the run). */
export function lap(section: string): void {
  const now = performance.now();
  const seconds = (now - last) / 1000;
  if (steps.length > 0 && now - lastMark > 50) steps.push({ step: '(rest)', seconds: (now - lastMark) / 1000 });
  last = now;
  lastMark = now;
  laps.push({ section, seconds, steps });
  steps = [];
  console.log(`[bench] ${section}: ${seconds.toFixed(1)} s`);
}

/** Runs one section and laps it, also when it throws. */
export async function section<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    lap(name);
  }
}

export const benchSeconds = (): number => (performance.now() - started) / 1000;

export function printSections(budgetSeconds: number): void {
  const total = benchSeconds();
  printTable(
    `Bench sections (wall time, s; whole bench ${total.toFixed(0)} s, target <= ${budgetSeconds} s)`,
    ['section', 's', 'share'],
    [...laps.map((l) => [l.section, l.seconds.toFixed(1), `${((100 * l.seconds) / total).toFixed(0)}%`]), ['whole bench', total.toFixed(1), '100%']],
  );
  const stepRows = laps.flatMap((l) => l.steps.map((s) => [`${l.section}: ${s.step}`, s.seconds.toFixed(1), `${((100 * s.seconds) / total).toFixed(0)}%`]));
  if (stepRows.length > 0) printTable('Bench steps (wall time, s; inside the sections above)', ['section: step', 's', 'share'], stepRows);
}
