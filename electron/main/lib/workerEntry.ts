import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Finding and starting a worker-thread entry, built or from sources. Built (electron-vite), each
 * entry is `out/main/<name>.js` beside the bundle (or one folder up from a chunk); from sources
 * (tests, tsx scripts) the .ts entry runs through tsx, which the worker registers first.
 * Used by the job runner (jobWorker) and the audit verification (auditVerifyWorker).
 */
export interface WorkerLaunch {
  script: URL;
  /** Code to run with `eval: true` instead of the script (tsx registration), or null. */
  bootstrap: string | null;
}

/**
 * `here`: the caller's import.meta.url; `source`: the entry's .ts beside the caller; `built`: the
 * entry's name in electron.vite.config.ts. `given` overrides the search.
 */
export function findWorkerEntry(here: string, source: string, built: string, given?: string | URL): WorkerLaunch | null {
  if (given) return { script: given instanceof URL ? given : pathToFileURL(given), bootstrap: null };
  if (here.endsWith('.ts')) {
    const script = new URL(source, here);
    try {
      // tsx (a dev dependency) compiles the worker's TypeScript, as it does for tests and scripts.
      const tsxPackage = createRequire(here).resolve('tsx/package.json');
      const exported = (JSON.parse(fs.readFileSync(tsxPackage, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api'];
      const tsx = new URL(exported!.import.default, pathToFileURL(tsxPackage)).href;
      const bootstrap = `import(${JSON.stringify(tsx)}).then((m) => { (m.register ?? m.default.register)(); return import(${JSON.stringify(script.href)}); })`;
      return { script, bootstrap };
    } catch {
      return null;
    }
  }
  for (const candidate of [`./${built}.js`, `../${built}.js`]) {
    const url = new URL(candidate, here);
    if (fs.existsSync(fileURLToPath(url))) return { script: url, bootstrap: null };
  }
  return null;
}

export function startWorker(launch: WorkerLaunch, workerData: unknown): Worker {
  return launch.bootstrap ? new Worker(launch.bootstrap, { eval: true, workerData }) : new Worker(launch.script, { workerData });
}
