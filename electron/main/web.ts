/**
 * Web mode entry (`npm run start:web`, end-to-end tests): the same createApp as Electron, served
 * to a browser on 127.0.0.1. Prints the address to open, then `READY <url>` for scripts.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createApp } from './app';
import { DatabaseOpenError } from './db/open';
import { startWebServer } from './web/server';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'data-dir': { type: 'string', default: '.data' },
    'demo-families': { type: 'string', default: '300' },
    'no-demo': { type: 'boolean', default: false },
    'renderer-dir': { type: 'string' },
  },
});

async function main(): Promise<void> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const app = await createApp({
    databaseFile: path.resolve(values['data-dir'], 'practice.sqlite'),
    demo: values['no-demo'] ? false : { families: Number(values['demo-families']) },
    startDeliveries: true,
    deliveries: { pullEveryMs: Number(process.env.FPP_PULL_EVERY_MS ?? 5 * 60_000), worker: { pollMs: Number(process.env.FPP_OUTBOX_POLL_MS ?? 15_000) } },
  });
  const server = await startWebServer({
    app,
    rendererDir: values['renderer-dir'] ?? path.resolve(here, '../renderer'),
    port: Number(values.port),
  });
  console.log(`Family Portal PINs is running in web mode. Open ${server.openUrl}`);
  console.log(`READY ${server.openUrl}`);
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await server.close();
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof DatabaseOpenError) console.error(error.message);
  else console.error('Family Portal PINs could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
