// `npm run bench`: install what is missing, build the renderer (the printing row drives it in
// Chromium), find a Chromium, then run the benchmark table (bench/run.ts).
// `npm run bench -- --quick`: the same rows over 20,000 patients (and a 100,000-row audit log), for development.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureChromium, ensureInstalled, root, run, say } from './lib/bootstrap.mjs';

ensureInstalled();

const env = { ...process.env };

say('Building the app (electron-vite build) for the printing row…');
const build = spawnSync(process.execPath, [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'pipe'],
});
if (build.status !== 0) {
  process.stdout.write(build.stdout ?? '');
  process.stderr.write(build.stderr ?? '');
  env.FPP_BENCH_SKIP_PDF = 'the build failed, see above';
}

/** ensureChromium exits the process when it finds none; the bench only skips its printing row. */
async function findChromium() {
  const exit = process.exit;
  process.exit = (code) => {
    throw new Error(`no Chromium (${code})`);
  };
  try {
    return await ensureChromium();
  } catch {
    return null;
  } finally {
    process.exit = exit;
  }
}
if (!env.FPP_BENCH_SKIP_PDF) {
  const chromium = await findChromium();
  if (chromium) env.FPP_CHROMIUM = chromium;
  else delete env.FPP_CHROMIUM;
}

process.exit(run(path.join(root, 'node_modules/.bin/tsx'), ['bench/run.ts', ...process.argv.slice(2)], { env }) ? 0 : 1);
