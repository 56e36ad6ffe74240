import { stopOnSignals } from '../portal/stopOnSignals';
import { ROSTER_GROUP_ID } from './seed';
import { startSeededFhirServer } from './seededServer';
import { CLIENTS_PATH, SmartAuth, TOKEN_PATH } from './smartAuth';

/**
 * `npm run fhir:dev`: the FHIR R4 test server holding the demo practice, for trying the FHIR
 * source by hand (Settings > Practice system > FHIR).
 *
 *   FHIR_PORT      port to listen on (default 8787; 0 = any free port)
 *   FHIR_FAMILIES  demo practice size (default 300, the app's demo size)
 *   FHIR_PATIENTS  demo size in patients instead (e.g. 200000, the bench's practice)
 *   FHIR_OPEN=1    no SMART authorization at all
 *   FHIR_STOP_ON_STDIN_END=1  also stop when stdin closes (the bench's child: it stops when the bench goes away)
 *
 * SMART Backend Services (the token endpoint, client registration, the bearer check) come from
 * smartAuth.ts beside this file.
 */

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
const auth = process.env.FHIR_OPEN === '1' ? null : new SmartAuth();

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
if (auth) {
  console.log(`  Token URL:        ${server.url}${TOKEN_PATH}  (SMART Backend Services, private_key_jwt)`);
  console.log(`  Register the desk's JWKS (Settings > Practice system shows it) before the first load:`);
  console.log(`    curl -X POST ${server.url}${CLIENTS_PATH} -H 'content-type: application/json' \\`);
  console.log(`      -d '{"clientId":"<the client id in Settings>","jwks":<the JWKS copied from Settings>}'`);
} else {
  console.log('  No authorization: every request is served (FHIR_OPEN=1).');
}
console.log('Ctrl+C to stop.');

const stop = stopOnSignals(server);
if (process.env.FHIR_STOP_ON_STDIN_END === '1') {
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}
