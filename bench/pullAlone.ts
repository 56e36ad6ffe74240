/**
 * The initial pull in a process of its own (issue 14: "main RSS during a 200,000-patient pull"):
 * the bench's own process holds its mirror and data (~400 MiB at 200,000 patients) before it pulls,
 * so its RSS says little about the app's. bench/syncBench.ts spawns this with tsx against its
 * portal child: a fresh app (createApp) pulls the whole practice into an empty mirror, nobody at
 * the desk, and one line `PULLED {...}` gives the time and the process's peak RSS
 * (process.resourceUsage().maxRSS: the kernel's high-water mark, every thread and the tsx loader included).
 *
 *   BENCH_PULL_URL, BENCH_PULL_TOKEN  the portal (required)
 *   BENCH_PULL_DIR                    where the mirror is written (required)
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../electron/main/app';
import { signInAs } from '../electron/main/clerks/sessionService';
import { okValue, watchRss } from './stats';

const url = process.env.BENCH_PULL_URL;
const token = process.env.BENCH_PULL_TOKEN;
const dir = process.env.BENCH_PULL_DIR;
if (!url || !token || !dir) {
  console.error('bench/pullAlone.ts needs BENCH_PULL_URL, BENCH_PULL_TOKEN and BENCH_PULL_DIR.');
  process.exit(2);
}

const rssAtStartMiB = process.memoryUsage.rss() / 1024 / 1024;
const app = await createApp({ databaseFile: path.join(dir, 'alone.sqlite'), demo: false, workstation: 'bench-pull-alone' });
try {
  const now = new Date().toISOString();
  app.context.sqlite
    .prepare(`INSERT INTO clerks (id, username, display_name, role, created_at) VALUES ('alone-admin', 'alone-admin', 'Alone Admin', 'admin', ?)`)
    .run(now);
  await signInAs(app.context, 'alone-admin');
  okValue(await app.invoke('settings.update', { changes: { syncUrl: url } }), 'settings.update');
  okValue(await app.invoke('secrets.set', { key: 'syncToken', value: token }), 'secrets.set');
  const rssBeforeMiB = process.memoryUsage.rss() / 1024 / 1024;
  const sampled = watchRss();
  const start = performance.now();
  const summary = await app.deliveries.syncNow();
  const seconds = (performance.now() - start) / 1000;
  const sampledPeakMiB = sampled();
  const terms = app.context.sqlite.prepare('SELECT count(*) FROM search_terms').pluck().get() as number;
  console.log(
    `PULLED ${JSON.stringify({
      rows: summary.rows + summary.tombstones,
      seconds,
      terms,
      rssAtStartMiB,
      rssBeforeMiB,
      sampledPeakMiB,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
    })}`,
  );
} finally {
  await app.close();
}
