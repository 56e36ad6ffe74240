import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createApp } from '../electron/main/app';
import { signInAs } from '../electron/main/clerks/sessionService';
import { applyChangesPage, pullChanges } from '../electron/main/sync/pull';
import { changesPage } from '../shared/sync/protocol';
import { makeTempDir } from '../tests/support/tempDir';
import { startPortalChild } from './portalChild';

const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 20000);
const limits = (process.env.LIMITS ?? '2000,1000,500').split(',').map(Number);
const temp = makeTempDir('fpp-exp-');
const portal = await startPortalChild({ dbFile: temp.file('portal.sqlite'), token: 'tok', patients: PATIENTS, today: '2026-11-22', now: new Date('2026-11-22T15:00:00Z') });
console.log('portal', portal.url, portal.patients, portal.seedSeconds.toFixed(1));
try {
  for (const limit of limits) {
    const app = await createApp({ databaseFile: temp.file(`pull-${limit}.sqlite`), demo: false });
    // breakdown on a few pages
    const parts = { fetch: [] as number[], json: [] as number[], zod: [] as number[], apply: [] as number[] };
    let cursor = '';
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      const res = await fetch(`${portal.url}/v1/changes?cursor=${cursor}&limit=${limit}`, { headers: { Authorization: 'Bearer tok' } });
      const body = await res.text();
      const t1 = performance.now();
      const json = JSON.parse(body);
      const t2 = performance.now();
      const page = changesPage.parse(json);
      const t3 = performance.now();
      applyChangesPage(app.context.sqlite, page);
      const t4 = performance.now();
      parts.fetch.push(t1 - t0); parts.json.push(t2 - t1); parts.zod.push(t3 - t2); parts.apply.push(t4 - t3);
      cursor = page.cursor;
      if (i === 0) console.log('page kinds', Object.fromEntries(Object.entries(page).filter(([, v]) => Array.isArray(v)).map(([k, v]) => [k, (v as unknown[]).length])), 'bytes', body.length);
    }
    console.log(limit, Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.map((x) => x.toFixed(1)).join(' ')])));
    await app.close();
    const app2 = await createApp({ databaseFile: temp.file(`pullfull-${limit}.sqlite`), demo: false });
    const h = monitorEventLoopDelay({ resolution: 1 });
    let pages = 0; let last = performance.now(); let maxGap = 0;
    h.enable();
    const t0 = performance.now();
    const summary = await pullChanges(app2.context, { baseUrl: portal.url, token: 'tok', pageLimit: limit }, () => { pages++; const n = performance.now(); maxGap = Math.max(maxGap, n - last); last = n; });
    const secs = (performance.now() - t0) / 1000;
    h.disable();
    console.log(`limit ${limit}: ${summary.rows} rows ${summary.pages} pages in ${secs.toFixed(1)} s = ${(summary.rows / secs).toFixed(0)} rows/s; loop max ${(h.max / 1e6).toFixed(1)} ms p99 ${(h.percentile(99) / 1e6).toFixed(1)} maxGap ${maxGap.toFixed(0)} rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)}`);
    await app2.close();
  }
} finally {
  await portal.stop();
  temp.remove();
}
