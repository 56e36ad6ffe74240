import { performance } from 'node:perf_hooks';
import { createApp } from '../electron/main/app';
import { applyChangesPage } from '../electron/main/sync/pull';
import { changesPage } from '../shared/sync/protocol';
import { makeTempDir } from '../tests/support/tempDir';
import { startPortalChild } from './portalChild';

const PATIENTS = Number(process.env.BENCH_PATIENTS ?? 20000);
const limits = (process.env.LIMITS ?? '2000,500').split(',').map(Number);
const temp = makeTempDir('fpp-exp-');
const portal = await startPortalChild({ dbFile: temp.file('portal.sqlite'), token: 'tok', patients: PATIENTS, today: '2026-11-22', now: new Date('2026-11-22T15:00:00Z') });
try {
  for (const limit of limits) {
    const app = await createApp({ databaseFile: temp.file(`pull-${limit}.sqlite`), demo: false });
    let cursor = '';
    const byKind: Record<string, { n: number; json: number[]; zod: number[]; apply: number[]; fetch: number[] }> = {};
    for (;;) {
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
      const kind = Object.entries(page).filter(([, v]) => Array.isArray(v)).sort((a, b) => (b[1] as unknown[]).length - (a[1] as unknown[]).length)[0]![0];
      const k = (byKind[kind] ??= { n: 0, json: [], zod: [], apply: [], fetch: [] });
      k.n++; k.fetch.push(t1 - t0); k.json.push(t2 - t1); k.zod.push(t3 - t2); k.apply.push(t4 - t3);
      cursor = page.cursor;
      if (!page.hasMore) break;
      await new Promise((r) => setImmediate(r));
    }
    const st = (v: number[]) => { const s = [...v].sort((a, b) => a - b); return `p50 ${s[Math.floor(s.length / 2)]!.toFixed(1)} max ${s.at(-1)!.toFixed(1)}`; };
    for (const [kind, k] of Object.entries(byKind)) console.log(limit, kind, k.n, 'fetch', st(k.fetch), '| json', st(k.json), '| zod', st(k.zod), '| apply', st(k.apply));
    await app.close();
  }
} finally {
  await portal.stop();
  temp.remove();
}
