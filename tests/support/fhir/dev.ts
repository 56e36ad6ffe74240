import type { IncomingMessage } from 'node:http';
import type { Answer } from '../portal/http';
import { stopOnSignals } from '../portal/stopOnSignals';
import { ROSTER_GROUP_ID } from './seed';
import { startSeededFhirServer } from './seededServer';
import type { Authorization } from './server';

/**
 * `npm run fhir:dev`: the FHIR R4 test server holding the demo practice, for trying the FHIR
 * source by hand (Settings > Practice system > FHIR).
 *
 *   FHIR_PORT      port to listen on (default 8787; 0 = any free port)
 *   FHIR_FAMILIES  demo practice size (default 300, the app's demo size)
 *   FHIR_PATIENTS  demo size in patients instead (e.g. 200000, the bench's practice)
 *   FHIR_OPEN=1    no SMART authorization at all
 *
 * SMART Backend Services (the token endpoint, client registration, the bearer check) come from
 * smartAuth.ts beside this file; it is loaded by path so this server also runs open where it is
 * not present.
 */

interface SmartAuthModule {
  SmartAuth: new () => {
    route(req: IncomingMessage, url: URL, body: string): Promise<Answer | null>;
    authorizeRequest(req: IncomingMessage, url: URL): Authorization;
  };
  TOKEN_PATH: string;
  CLIENTS_PATH: string;
}

function localIsoDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

const port = Number(process.env.FHIR_PORT ?? 8787);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`FHIR_PORT must be a port number, got ${process.env.FHIR_PORT}.`);
  process.exit(1);
}
const patients = process.env.FHIR_PATIENTS ? Number(process.env.FHIR_PATIENTS) : undefined;
const families = Number(process.env.FHIR_FAMILIES ?? 300);
const smartPath = './smartAuth.ts';
const smart = process.env.FHIR_OPEN === '1' ? null : ((await import(smartPath).catch(() => null)) as SmartAuthModule | null);
const auth = smart ? new smart.SmartAuth() : null;

const now = new Date();
const started = Date.now();
const server = await startSeededFhirServer({
  port,
  families,
  patients,
  today: localIsoDate(now),
  now,
  ...(auth ? { routes: (req, url, body) => auth.route(req, url, body), authorize: (req, url) => auth.authorizeRequest(req, url) } : {}),
});
const s = server.seeded;
console.log(
  `FHIR R4 test server (demo practice: ${s.patients} patients, ${s.relatedPersons} RelatedPersons, ${s.households} households, ${s.appointments} appointments; seeded in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
);
console.log(`  FHIR base URL:    ${server.baseUrl}`);
console.log(`  Bulk export:      ${server.baseUrl}/Group/${ROSTER_GROUP_ID}/$export  (or ${server.baseUrl}/Patient/$export)`);
if (smart) {
  console.log(`  Token URL:        ${server.url}${smart.TOKEN_PATH}  (SMART Backend Services, private_key_jwt)`);
  console.log(`  Register the desk's JWKS (Settings > Practice system shows it) before the first load:`);
  console.log(`    curl -X POST ${server.url}${smart.CLIENTS_PATH} -H 'content-type: application/json' \\`);
  console.log(`      -d '{"clientId":"<the client id in Settings>","jwks":<the JWKS copied from Settings>}'`);
} else {
  console.log('  No authorization: every request is served (FHIR_OPEN=1, or smartAuth.ts is not here).');
}
console.log('Ctrl+C to stop.');

stopOnSignals(server);
