import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDataCipher } from '../../electron/main/crypto/envelope';
import { SMART_ALG, SmartAuthError, SmartClient, smartPublicJwks, type SmartConfig } from '../../electron/main/fhir/smart';
import { fileSecretStore, SECRETS_FILE, type SecretStore } from '../../electron/main/secrets/secretStore';
import { ALL_SCOPES, SmartAuth } from '../support/fhir/smartAuth';
import { makeTempDir } from '../support/tempDir';

/**
 * SMART Backend Services against a real token endpoint on 127.0.0.1 (tests/support/fhir/smartAuth.ts,
 * jose's jwtVerify against the registered JWKS): the key pair, the token and its refresh, and each
 * refusal with the administrator's message and a counted number of token requests (no retry storm).
 */

const CLIENT = 'fpp-desk-1';
let temp: ReturnType<typeof makeTempDir>;
let secrets: SecretStore;
let auth: SmartAuth;
let server: http.Server;
let origin: string;
let clock: number;

beforeEach(async () => {
  temp = makeTempDir();
  secrets = fileSecretStore(temp.dir, createDataCipher(randomBytes(32)));
  clock = Date.parse('2026-12-03T15:00:00Z');
  auth = new SmartAuth({ tokenSeconds: 300, now: () => clock });
  server = http.createServer((req, res) => {
    void (async () => {
      if (await auth.handle(req, res, origin, '/fhir')) return;
      // A stand-in for a FHIR read: the bearer check with the resource type it reads.
      const refusal = auth.authorize(req, ['Patient']);
      res.writeHead(refusal?.status ?? 200, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify(refusal?.body ?? { resourceType: 'Bundle', type: 'searchset', entry: [] }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  temp.remove();
});

const client = (over: Partial<SmartConfig> = {}) =>
  new SmartClient({ baseUrl: `${origin}/fhir`, clientId: CLIENT, scopes: ALL_SCOPES.join(' '), now: () => new Date(clock), ...over }, secrets);

async function registerDesk(scopes = ALL_SCOPES): Promise<void> {
  auth.registerClient(CLIENT, (await smartPublicJwks(secrets)) as Parameters<SmartAuth['registerClient']>[1], scopes);
}

const readPatients = (token: string) => fetch(`${origin}/fhir/Patient`, { headers: { authorization: `Bearer ${token}` } });

async function refusal(promise: Promise<unknown>): Promise<SmartAuthError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof SmartAuthError)) throw new Error(`expected a SmartAuthError, got ${String(error)}`);
  return error;
}

describe('the desk’s key pair', () => {
  it('is made once; the administrator sees only the public key (kid, alg, use), and the private key is sealed on disk', async () => {
    const first = await smartPublicJwks(secrets);
    const again = await smartPublicJwks(secrets);
    expect(again).toEqual(first);
    expect(first.keys).toHaveLength(1);
    const [key] = first.keys;
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-384', alg: SMART_ALG, use: 'sig' });
    expect(key!.kid).toMatch(/^[\w-]{40,}$/);
    expect(key).not.toHaveProperty('d');
    const onDisk = fs.readFileSync(temp.file(SECRETS_FILE), 'utf8');
    expect(onDisk).not.toContain(key!.x);
    expect(onDisk).not.toContain('"d"');
  });
});

describe('tokens', () => {
  it('finds the token endpoint, gets a token the FHIR server accepts, reuses it, and replaces it a minute before it expires', async () => {
    await registerDesk();
    const smart = client();
    const token = await smart.accessToken();
    expect((await readPatients(token.value)).status).toBe(200);
    expect(await smart.accessToken()).toBe(token);
    clock += 230_000; // 70 s left: still used
    expect(await smart.accessToken()).toBe(token);
    clock += 20_000; // 50 s left: replaced before it runs out
    const fresh = await smart.accessToken();
    expect(fresh.value).not.toBe(token.value);
    expect((await readPatients(fresh.value)).status).toBe(200);
    expect(auth.tokenRequests).toBe(2);
  });

  it('an expired or revoked token is replaced once, and the request goes through', async () => {
    await registerDesk();
    const smart = client();
    await smart.accessToken();
    auth.revokeTokens();
    const answer = await smart.withToken((token) => readPatients(token));
    expect(answer.status).toBe(200);
    expect(auth.tokenRequests).toBe(2);
  });

  it('a token the EHR refuses again right after it was issued stops the sync with a message; nothing more is asked until Sync now', async () => {
    await registerDesk();
    const smart = client();
    auth.rejectTokens = true;
    const error = await refusal(smart.withToken((token) => readPatients(token)));
    expect(error.problem).toBe('token_refused');
    expect(error.permanent).toBe(true);
    expect(error.message).toContain('ask the EHR administrator whether the client id is still enabled');
    expect(auth.tokenRequests).toBe(2);
    expect(auth.refusedBearers).toBe(2);
    // The periodic sync asks again: the same message, no request.
    expect((await refusal(smart.withToken((token) => readPatients(token)))).message).toBe(error.message);
    expect(auth.tokenRequests).toBe(2);
    auth.rejectTokens = false;
    smart.allowRetry();
    expect((await smart.withToken((token) => readPatients(token))).status).toBe(200);
    expect(auth.tokenRequests).toBe(3);
  });
});

describe('refusals: a clear message and no retry storm', () => {
  it('a key the EHR does not know (another key registered): invalid_client, asked once', async () => {
    const { publicKey } = await generateKeyPair('ES384');
    auth.registerClient(CLIENT, { keys: [{ ...(await exportJWK(publicKey)), kid: 'someone-else', alg: 'ES384' }] });
    const smart = client();
    const error = await refusal(smart.accessToken());
    expect(error.problem).toBe('invalid_client');
    expect(error.permanent).toBe(true);
    expect(error.message).toContain(`did not accept this desk’s key for client id “${CLIENT}”`);
    expect(error.message).toContain('registered this desk’s public key (the JWKS in Settings > Practice system)');
    for (let i = 0; i < 5; i += 1) expect((await refusal(smart.accessToken())).problem).toBe('invalid_client');
    expect(auth.tokenRequests).toBe(1);
    // The administrator registers the desk's JWKS and presses Sync now.
    await registerDesk();
    smart.allowRetry();
    expect((await readPatients((await smart.accessToken()).value)).status).toBe(200);
    expect(auth.tokenRequests).toBe(2);
  });

  it('this computer’s clock 400 days behind the EHR’s: the clock is named, not the key; fixed, Sync now signs in', async () => {
    await registerDesk();
    let deskClock = clock - 400 * 86_400_000;
    const smart = client({ now: () => new Date(deskClock) });
    const error = await refusal(smart.accessToken());
    expect(error.problem).toBe('clock');
    expect(error.permanent).toBe(true);
    expect(error.message).toContain('this computer’s clock is 400 days behind the EHR’s');
    expect(error.message).toContain('(this computer: 2025-10-29 15:00 UTC; the EHR: 2026-12-03 15:00 UTC)');
    expect(error.message).toContain('Set this computer’s date and time');
    expect(error.message).not.toContain('registered');
    for (let i = 0; i < 3; i += 1) expect((await refusal(smart.accessToken())).problem).toBe('clock');
    expect(auth.tokenRequests).toBe(1);
    // IT sets the clock; the administrator presses Sync now.
    deskClock = clock;
    smart.allowRetry();
    expect((await readPatients((await smart.accessToken()).value)).status).toBe(200);
    expect(auth.tokenRequests).toBe(2);
  });

  it('this computer’s clock 2 hours ahead (the assertion would outlive five minutes on the EHR’s clock): the clock is named', async () => {
    await registerDesk();
    const error = await refusal(client({ now: () => new Date(clock + 2 * 3_600_000) }).accessToken());
    expect(error.problem).toBe('clock');
    expect(error.message).toContain('this computer’s clock is 2 h ahead of the EHR’s');
  });

  it('a key the EHR does not know, the clocks 20 s apart: still the key (a small skew is not blamed)', async () => {
    const { publicKey } = await generateKeyPair('ES384');
    auth.registerClient(CLIENT, { keys: [{ ...(await exportJWK(publicKey)), kid: 'someone-else', alg: 'ES384' }] });
    const error = await refusal(client({ now: () => new Date(clock - 20_000) }).accessToken());
    expect(error.problem).toBe('invalid_client');
  });

  it('a scope the EHR does not grant: invalid_scope, naming the scopes, asked once', async () => {
    await registerDesk(ALL_SCOPES.filter((scope) => scope !== 'system/RelatedPerson.read'));
    const smart = client();
    const error = await refusal(smart.accessToken());
    expect(error.problem).toBe('invalid_scope');
    expect(error.message).toContain('refused the permissions this desk asks for');
    expect(error.message).toContain('system/RelatedPerson.read');
    await refusal(smart.accessToken());
    expect(auth.tokenRequests).toBe(1);
  });

  it('an unreachable token endpoint: offline, then no new attempt before the backoff has passed', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/auth/token`;
    await new Promise((resolve) => closed.close(resolve));
    let attempts = 0;
    const counting: typeof fetch = (input, init) => {
      attempts += 1;
      return fetch(input, init);
    };
    const smart = client({ tokenUrl: deadUrl, fetch: counting, backoff: { baseMs: 2_000, maxMs: 600_000 } });
    const error = await refusal(smart.accessToken());
    expect(error.problem).toBe('unreachable');
    expect(error.permanent).toBe(false);
    expect(error.reason).toBe('offline');
    expect(error.message).toContain('could not be reached; working offline');
    const waiting = await refusal(smart.accessToken());
    expect(waiting.message).toMatch(/the next try is in \d+ seconds/);
    expect(attempts).toBe(1);
    clock += 2_001;
    await refusal(smart.accessToken());
    expect(attempts).toBe(2);
    // The second failure waits longer (2-4 s after 1-2 s).
    clock += 1_999;
    await refusal(smart.accessToken());
    expect(attempts).toBe(2);
  });

  it('a FHIR base address without SMART configuration says to enter the token endpoint', async () => {
    const smart = client({ baseUrl: `${origin}/elsewhere` });
    const error = await refusal(smart.accessToken());
    expect(error.problem).toBe('discovery');
    expect(error.message).toContain('enter the token endpoint in Settings > Practice system');
  });
});
