import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { DEMO_DEFAULT_FAMILIES } from '../../../electron/main/demo/demoPractice';
import { startPortal } from './server';
import { stopOnSignals } from './stopOnSignals';

/**
 * `npm run portal:dev`: the reference portal for trying the app by hand.
 *
 *   PORTAL_PORT      port to listen on (default 0: any free port)
 *   PORTAL_TOKEN     bearer token the app must send (default: a random one, printed)
 *   PORTAL_DB        SQLite file (default .data/portal.sqlite; kept between runs)
 *   PORTAL_FAMILIES  demo practice size on a fresh file (default 300, the app's demo size)
 */

function localIsoDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

const port = Number(process.env.PORTAL_PORT ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORTAL_PORT must be a port number, got ${process.env.PORTAL_PORT}.`);
  process.exit(1);
}
const families = Number(process.env.PORTAL_FAMILIES ?? DEMO_DEFAULT_FAMILIES);
const token = process.env.PORTAL_TOKEN || randomBytes(18).toString('base64url');
const dbFile = path.resolve(process.env.PORTAL_DB ?? '.data/portal.sqlite');
const now = new Date();

const portal = await startPortal({ dbFile, token, port, seedDemo: { families, today: localIsoDate(now), now } });
console.log(`Reference portal on ${portal.url} (token ${token})`);
console.log(`Database: ${dbFile}. Parents register at ${portal.url}/register. Ctrl+C to stop.`);

stopOnSignals(portal);
