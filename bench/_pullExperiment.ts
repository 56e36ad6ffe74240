import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createApp } from '../electron/main/app';
import { pullChanges } from '../electron/main/sync/pull';
import { makeTempDir } from '../tests/support/tempDir';
import { startPortalChild } from './portalChild';

const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 20000);
const limits = (process.env.LIMITS ?? '2000,1000,500').split(',').map(Number);
const temp = makeTempDir('fpp-exp-');
const portal = await startPortalChild({ dbFile: temp.file('portal.sqlite'), token: 'tok', patients: PATIENTS, today: '2026-11-22', now: new Date('2026-11-22T15:00:00Z') });
console.log('portal', portal.url, portal.patients, portal.seedSeconds.toFixed(1));
try {
  for (const limit of limits) {
    const app = await createApp({ databaseFile: temp.file(`pullfull-${limit}.sqlite`), demo: false });
    let fetched = 0;
    const applyMs: number[] = [];
    const fetchMs: number[] = [];
    const wrapped: typeof fetch = async (input, init) => {
      const s = performance.now();
      const r = await fetch(input, init);
      const buf = await r.arrayBuffer();
      fetched = performance.now();
      fetchMs.push(fetched - s);
      return new Response(buf, { status: r.status, headers: r.headers });
    };
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const t0 = performance.now();
    const summary = await pullChanges(app.context, { baseUrl: portal.url, token: 'tok', pageLimit: limit, fetch: wrapped }, () => applyMs.push(performance.now() - fetched));
    const secs = (performance.now() - t0) / 1000;
    h.disable();
    const sorted = [...applyMs].sort((a, b) => a - b);
    const fsorted = [...fetchMs].sort((a, b) => a - b);
    const over = applyMs.filter((x) => x > 50).length;
    console.log(`limit ${limit}: ${summary.rows} rows ${summary.pages} pages in ${secs.toFixed(1)} s = ${(summary.rows / secs).toFixed(0)} rows/s; loop max ${(h.max / 1e6).toFixed(1)} ms p99 ${(h.percentile(99) / 1e6).toFixed(1)}; apply p50 ${sorted[sorted.length >> 1]!.toFixed(1)} p99 ${sorted[Math.floor(sorted.length * 0.99)]!.toFixed(1)} max ${sorted.at(-1)!.toFixed(1)} (>50ms: ${over}); fetch p50 ${fsorted[fsorted.length >> 1]!.toFixed(1)} sum ${(fetchMs.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)}`);
    await app.close();
  }
} finally {
  await portal.stop();
  temp.remove();
}
