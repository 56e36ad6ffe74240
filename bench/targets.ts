/**
 * Issue 14's targets, one row each, gathered from every section of the run and printed together
 * at the end (`printTargets`). A section that did not run leaves its rows out; the table says so.
 */
import { printTable } from './stats';

interface TargetRow {
  what: string;
  figure: string;
  target: string;
  met: boolean;
}

const rows: TargetRow[] = [];

/** One target: the figure as printed (with its unit), the target as printed, and whether it was met. */
export function recordTarget(what: string, figure: string, target: string, met: boolean): void {
  rows.push({ what, figure, target, met });
}

export function printTargets(note: string): void {
  printTable(
    `Issue 14 targets, this run (${note})`,
    ['target', 'figure', 'goal', 'met'],
    rows.map((r) => [r.what, r.figure, r.target, r.met ? 'yes' : 'NO']),
  );
  const missed = rows.filter((r) => !r.met).length;
  console.log(`${rows.length - missed} of ${rows.length} targets met.`);
}
