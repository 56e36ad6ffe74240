import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        // index: the Electron shell; web: the same services behind an HTTP server on 127.0.0.1.
        input: {
          index: resolve('electron/main/index.ts'),
          web: resolve('electron/main/web.ts'),
          // Heavy jobs (an import apply) run in worker threads so the window stays responsive (jobs/jobRunner.ts).
          jobWorker: resolve('electron/main/jobWorker.ts'),
          // The audit-chain check, one range of rows per worker thread (audit/verifyWorkers.ts).
          auditVerifyWorker: resolve('electron/main/audit/verifyWorker.ts'),
          // An upgrade's migrations, off the main thread so the shells can show the update (db/migrateOffThread.ts).
          migrateWorker: resolve('electron/main/db/migrateWorker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload cannot load ES modules.
      rollupOptions: { input: { index: resolve('electron/preload/index.ts') }, output: { format: 'cjs' } },
    },
  },
  renderer: {
    root: 'renderer',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      rollupOptions: { input: resolve('renderer/index.html') },
    },
  },
});
