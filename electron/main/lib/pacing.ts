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

/**
 * Stable sort by a string key (plain code-unit order) that yields between steps: runs of 4,096
 * are sorted, then merged pairwise. Same result as `items.sort()` on the keys. Sorts positions
 * (small integers) compared through an array of keys, each key worked out once: no wrapper
 * object per item.
 */
export async function sortByKey<T>(items: T[], key: (item: T) => string, pacer = new Pacer()): Promise<T[]> {
  const RUN = 4_096;
  const n = items.length;
  const keys = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    keys[i] = key(items[i]!);
    if (pacer.due()) await pacer.pause();
  }
  const byKey = (a: number, b: number) => {
    const ka = keys[a]!;
    const kb = keys[b]!;
    return ka < kb ? -1 : ka > kb ? 1 : a - b;
  };
  let order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = 0; i < n; i += RUN) {
    order.subarray(i, Math.min(n, i + RUN)).sort(byKey);
    await pacer.check();
  }
  let buffer = new Int32Array(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let a = lo;
      let b = mid;
      for (let out = lo; out < hi; out++) {
        buffer[out] = a < mid && (b >= hi || keys[order[a]!]! <= keys[order[b]!]!) ? order[a++]! : order[b++]!;
        if (pacer.due()) await pacer.pause();
      }
    }
    [order, buffer] = [buffer, order];
  }
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = items[order[i]!]!;
  return out;
}
