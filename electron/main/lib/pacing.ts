/**
 * Long jobs in the main process share the event loop with every click of the front desk: they
 * work in short stretches and give the loop back in between (target: no stretch over 50 ms).
 */
import { performance } from 'node:perf_hooks';

export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Pacer {
  private since = performance.now();
  private count = 0;

  /** `budgetMs`: the longest stretch wanted; `every`: how many ticks between looks at the clock. */
  constructor(
    private readonly budgetMs = 8,
    private readonly every = 256,
  ) {}

  /**
   * Call once per item: true when the stretch has used its budget (then `await pause()`). Looks
   * at the clock every `every` calls only, and costs no await when there is nothing to do:
   * `if (pacer.due()) await pacer.pause();`
   */
  due(): boolean {
    if (++this.count < this.every) return false;
    this.count = 0;
    return performance.now() - this.since >= this.budgetMs;
  }

  /** Yields if the stretch has used its budget (call between bigger steps). */
  async check(): Promise<void> {
    if (performance.now() - this.since >= this.budgetMs) await this.pause();
  }

  async pause(): Promise<void> {
    await yieldToEventLoop();
    this.since = performance.now();
    this.count = 0;
  }
}

const compareKeys = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Stable sort by a string key (plain code-unit order) that yields between steps: runs of 4,096
 * are sorted, then merged pairwise. Same result as `items.sort()` on the keys.
 */
export async function sortByKey<T>(items: T[], key: (item: T) => string, pacer = new Pacer()): Promise<T[]> {
  const RUN = 4_096;
  let keyed: { k: string; item: T }[] = [];
  for (const item of items) {
    keyed.push({ k: key(item), item });
    if (pacer.due()) await pacer.pause();
  }
  for (let i = 0; i < keyed.length; i += RUN) {
    const run = keyed.slice(i, i + RUN).sort((a, b) => compareKeys(a.k, b.k));
    for (let j = 0; j < run.length; j++) keyed[i + j] = run[j]!;
    await pacer.check();
  }
  let buffer = new Array<{ k: string; item: T }>(keyed.length);
  for (let width = RUN; width < keyed.length; width *= 2) {
    for (let lo = 0; lo < keyed.length; lo += 2 * width) {
      const mid = Math.min(lo + width, keyed.length);
      const hi = Math.min(lo + 2 * width, keyed.length);
      let a = lo;
      let b = mid;
      for (let out = lo; out < hi; out++) {
        buffer[out] = a < mid && (b >= hi || keyed[a]!.k <= keyed[b]!.k) ? keyed[a++]! : keyed[b++]!;
        if (pacer.due()) await pacer.pause();
      }
    }
    [keyed, buffer] = [buffer, keyed];
  }
  return keyed.map((e) => e.item);
}
