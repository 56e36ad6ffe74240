import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { lowerPrioritySource } from './threadPriority';

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
  /** The bootstrap registers tsx's CommonJS hooks in the worker's own thread: run it without the parent's loader flags. */
  ownFlags?: boolean;
}

/**
 * From sources, how the worker's TypeScript is compiled: 'esm' registers tsx's module hooks (a
 * loader thread per worker, ~300 ms of CPU to start); 'cjs' registers its require hooks in the
 * worker's own thread (~120 ms), for entries whose modules use no ESM-only feature (import.meta,
 * top-level await). Built, both load the bundle as is.
 */
export type SourceFormat = 'esm' | 'cjs';

/**
 * `here`: the caller's import.meta.url; `source`: the entry's .ts beside the caller; `built`: the
 * entry's name in electron.vite.config.ts. `given` overrides the search.
 */
export function findWorkerEntry(here: string, source: string, built: string, given?: string | URL, format: SourceFormat = 'esm'): WorkerLaunch | null {
  if (given) return { script: given instanceof URL ? given : pathToFileURL(given), bootstrap: null };
  if (here.endsWith('.ts')) {
    const script = new URL(source, here);
    try {
      // tsx (a dev dependency) compiles the worker's TypeScript, as it does for tests and scripts.
      if (format === 'cjs') {
        const api = createRequire(here).resolve('tsx/cjs/api');
        return { script, bootstrap: `require(${JSON.stringify(api)}).register(); require(${JSON.stringify(fileURLToPath(script))});`, ownFlags: true };
      }
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

export function startWorker(launch: WorkerLaunch, workerData: unknown, options: { nice?: number } = {}): Worker {
  if (!launch.bootstrap) return new Worker(launch.script, { workerData });
  // From sources, a job's worker gives way to the main thread from its first line (threadPriority.ts).
  const bootstrap = options.nice === undefined ? launch.bootstrap : lowerPrioritySource(options.nice) + launch.bootstrap;
  // The parent's --import of tsx's loader would start a loader thread the CommonJS hooks do not use.
  return new Worker(bootstrap, { eval: true, workerData, ...(launch.ownFlags ? { execArgv: [] } : {}) });
}
