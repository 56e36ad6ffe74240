import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Result } from '../shared/api';

/** A call's value, or a thrown error naming the call and what it answered. */
export function okValue<T>(result: Result<unknown>, call: string): T {
  if (!result.ok) throw new Error(`${call} failed: ${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

export interface Timing {
  p50: number;
  p95: number;
  max: number;
  n: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Runs each input once (after a warm-up pass over the first `warmUp` inputs) and returns latency percentiles in ms. */
export async function timeEach<T>(inputs: readonly T[], run: (input: T) => unknown, warmUp = 20): Promise<Timing> {
  for (const input of inputs.slice(0, Math.min(inputs.length, warmUp))) await run(input);
  const samples: number[] = [];
  for (const input of inputs) {
    const start = performance.now();
    await run(input);
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), max: samples.at(-1) ?? NaN, n: samples.length };
}

export function ms(value: number): string {
  return value < 10 ? value.toFixed(2) : value.toFixed(1);
}

export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}

/** Percentiles of samples (ms) already taken, e.g. when one loop times several steps. */
export function summarize(samples: readonly number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? NaN, n: sorted.length };
}

export interface LoopDelay {
  /** Longest delay seen (ms): the longest stretch the event loop could not run anything else. */
  max: number;
  p50: number;
  p99: number;
}

/** Starts watching this process's event loop (1 ms resolution); the returned function stops and reports. */
export function watchEventLoop(): () => LoopDelay {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  return () => {
    histogram.disable();
    return { max: histogram.max / 1e6, p50: histogram.percentile(50) / 1e6, p99: histogram.percentile(99) / 1e6 };
  };
}

/** Samples this process's RSS every `everyMs` until stopped; returns the peak (MiB). */
export function watchRss(everyMs = 200): () => number {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), everyMs);
  return () => {
    clearInterval(timer);
    return Math.max(peak, process.memoryUsage.rss()) / 1024 / 1024;
  };
}
