/**
 * `npx tsx bench/pullProbe.ts [patients]`: the initial pull alone (no desk load, no other rows), for
 * profiling the main thread during a pull (`node --cpu-prof --import tsx bench/pullProbe.ts`).
 * The figures of record come from `npm run bench` (bench/syncBench.ts), side by side with the direct insert.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../electron/main/app';
import { signInAs } from '../electron/main/clerks/sessionService';
import { makeTempDir } from '../tests/support/tempDir';
import { startPortalChild } from './portalChild';
import { okValue, watchEventLoop, watchRss } from './stats';

const patients = Number(process.argv[2] ?? 20_000);
const now = new Date('2026-11-22T15:00:00Z');
const temp = makeTempDir('fpp-pull-probe-');
const portal = await startPortalChild({ dbFile: temp.file('portal.sqlite'), token: 'probe-token', patients, today: '2026-11-22', now, nice: 19 });
try {
  // The app's own fetch, timed: how long the portal takes to answer each page (request to last byte).
  let waitMs = 0;
  const timedFetch: typeof fetch = async (input, init) => {
    const begin = performance.now();
    const response = await fetch(input, init);
    const body = await response.arrayBuffer();
    waitMs += performance.now() - begin;
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  const app = await createApp({ databaseFile: path.join(temp.dir, 'mirror.sqlite'), demo: false, workstation: 'probe', deliveries: { fetch: timedFetch } });
  try {
    app.context.sqlite
      .prepare(`INSERT INTO clerks (id, username, display_name, role, created_at) VALUES ('probe-admin', 'probe-admin', 'Probe Admin', 'admin', ?)`)
      .run(now.toISOString());
    await signInAs(app.context, 'probe-admin');
    okValue(await app.invoke('settings.update', { changes: { syncUrl: portal.url } }), 'settings.update');
    okValue(await app.invoke('secrets.set', { key: 'syncToken', value: portal.token }), 'secrets.set');
    const cpu = process.cpuUsage();
    const loop = watchEventLoop();
    const rss = watchRss();
    const start = performance.now();
    let lastPageAt = start;
    const summary = await app.deliveries.pulls.pull((await app.deliveries.endpoint())!, () => {
      lastPageAt = performance.now();
    });
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    const delay = loop();
    const rows = summary.rows + summary.tombstones;
    console.log(
      `pull: ${rows} rows in ${seconds.toFixed(1)} s (${Math.round(rows / seconds)} rows/s), ${summary.pages} pages; ` +
        `pages ${((lastPageAt - start) / 1000).toFixed(1)} s, then search terms ${(seconds - (lastPageAt - start) / 1000).toFixed(1)} s; ` +
        `this process's CPU ${((used.user + used.system) / 1e6).toFixed(1)} s (all threads); ` +
        `portal answering ${(waitMs / 1000).toFixed(1)} s (summed; overlaps the writes); event loop p99 ${delay.p99.toFixed(1)} ms, max ${delay.max.toFixed(1)} ms; RSS peak ${rss().toFixed(0)} MiB`,
    );
  } finally {
    await app.close();
  }
} finally {
  await portal.stop();
  temp.remove();
}
