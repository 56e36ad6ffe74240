import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../electron/main/app';
import { fhirFetch } from '../../electron/main/fhir/fhirHttp';
import { SmartAuthError, SmartClient } from '../../electron/main/fhir/smart';
import { certificateCode, certificateProblem } from '../../electron/main/lib/certificateProblem';
import { DeliveryError } from '../../electron/main/lib/deliveryError';
import { createMailer } from '../../electron/main/mail/mailer';
import { postDelivery } from '../../electron/main/sync/http';
import { createDataCipher } from '../../electron/main/crypto/envelope';
import { fileSecretStore } from '../../electron/main/secrets/secretStore';
import { pullError } from '../support/pullError';
import { signInTestClerk } from '../support/signIn';
import { makeTempDir } from '../support/tempDir';
import { startHttpsServer, startSmtpsServer, type TestCertificate } from '../support/tlsServer';
import { randomBytes } from 'node:crypto';

/**
 * A secure connection refused over the server's certificate is said as such, to every server the
 * desk talks to: the practice system (pull and deliveries), the EHR (sign-in and FHIR requests)
 * and the mail server. Before, each read "could not be reached; working offline", and a workstation
 * whose clock fell back a year (its certificates "not valid yet") looked offline for good. Real TLS
 * refusals from Node's own verifier, against the certificates of tests/support/tls.
 */

let temp: ReturnType<typeof makeTempDir>;
const closers: (() => Promise<void>)[] = [];

beforeEach(() => {
  temp = makeTempDir('fpp-certificates-');
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  temp.remove();
});

async function https(which: TestCertificate) {
  const server = await startHttpsServer(which);
  closers.push(() => server.close());
  return server;
}

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof DeliveryError)) throw new Error(`expected a DeliveryError, got ${String(error)}`);
  return error;
}

const NOT_YET = 'the server’s certificate is not valid yet, so this computer’s date and time are probably wrong. Set them (or ask IT to).';
const EXPIRED = 'the server’s certificate has expired. If that date is wrong, set this computer’s date and time';

describe('the practice system behind a certificate this computer refuses', () => {
  let app: App;
  beforeEach(async () => {
    app = await createApp({ databaseFile: temp.file('practice.sqlite'), workstation: 'desk-1' });
    closers.push(() => app.close());
    await signInTestClerk(app);
  });
  const online = () => app.context.sqlite.prepare(`SELECT value FROM sync_state WHERE key = 'online'`).pluck().get() as string | undefined;

  it('a pull while this computer’s clock is behind (certificate not valid yet): the clock is named, and the desk is not marked offline', async () => {
    const server = await https('future');
    const error = await pullError(app, { baseUrl: server.origin, token: 'token-1' });
    expect(error.message).toContain(`The secure connection to ${server.host} was refused: by this computer’s clock (`);
    expect(error.message).toContain(NOT_YET);
    expect(error.message).toMatch(/Nothing was lost\.$/);
    expect(error.message).not.toContain('could not be reached');
    expect(error.permanent).toBe(false);
    expect(error.reason).toBe('failed');
    expect(online()).not.toBe('false');
    expect(server.requests).toBe(0);
  });

  it('a delivery to a practice system whose certificate expired: queued, the renewal named', async () => {
    const server = await https('expired');
    const error = await failure(postDelivery({ baseUrl: server.origin, token: 'token-1' }, '/v2/enrollments', 'delivery-1', {}));
    expect(error.message).toContain(EXPIRED);
    expect(error.message).toContain('the server’s certificate must be renewed (tell IT)');
    expect(error.message).toMatch(/The item stays queued and is tried again\.$/);
    expect(error.permanent).toBe(false);
    expect(error.reason).toBe('failed');
  });
});

describe('the EHR behind a certificate this computer refuses', () => {
  const secrets = () => fileSecretStore(temp.dir, createDataCipher(randomBytes(32)));

  it('its sign-in service with a certificate nobody here trusts: the certificate is named, not the network', async () => {
    const server = await https('untrusted');
    const smart = new SmartClient(
      { baseUrl: `${server.origin}/fhir`, tokenUrl: `${server.origin}/auth/token`, clientId: 'desk', scopes: 'system/Patient.read' },
      secrets(),
    );
    const error = await failure(smart.accessToken());
    expect(error).toBeInstanceOf(SmartAuthError);
    expect((error as SmartAuthError).problem).toBe('certificate');
    expect(error.reason).toBe('failed');
    expect(error.message).toContain(
      `The secure connection to ${server.host} was refused: this computer does not trust the server’s certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE).`,
    );
    expect(error.message).toMatch(/Sync tries again later\.$/);
    // Asked again within the backoff: still the certificate, with the next try (no request meanwhile).
    const waiting = await failure(smart.accessToken());
    expect((waiting as SmartAuthError).problem).toBe('certificate');
    expect(waiting.message).toContain('this computer does not trust the server’s certificate');
    expect(waiting.message).toMatch(/The next try is in \d+ seconds\.$/);
    expect(server.requests).toBe(0);
  });

  it('a FHIR request while this computer’s clock is behind: the clock is named, and sync goes on where it stopped', async () => {
    const server = await https('future');
    // The token is not what is checked here: the request never gets past the handshake.
    const smart = { withToken: <T>(request: (token: string) => Promise<T>) => request('token') } as unknown as SmartClient;
    const error = await failure(fhirFetch({ baseUrl: `${server.origin}/fhir`, smart }, new URL(`${server.origin}/fhir/metadata`), {}));
    expect(error.message).toContain(NOT_YET);
    expect(error.message).toMatch(/Nothing was lost: sync continues where it stopped\.$/);
    expect(error.reason).toBe('failed');
    expect(server.requests).toBe(0);
  });
});

describe('the mail server behind a certificate this computer refuses', () => {
  it('an SMTPS server whose certificate expired: the email stays queued, the certificate named (was "could not be reached (ESOCKET)")', async () => {
    const server = await startSmtpsServer('expired');
    closers.push(() => server.close());
    const mailer = createMailer({
      smtpHost: '127.0.0.1',
      smtpPort: server.port,
      smtpSecurity: 'tls',
      smtpUser: '',
      smtpPassword: null,
      smtpFrom: '',
      practiceName: 'Sunshine Pediatrics',
      mailDropDir: temp.file('mail-drop'),
    });
    closers.push(async () => mailer.close());
    const error = await failure(
      mailer.sendWelcome({
        outboxId: '0b9d3c52-6f0e-4f7a-9a53-2f6f3c1d9e01',
        to: 'maria.lopez@example.com',
        recipientName: 'Maria Lopez',
        language: 'en',
        practiceName: 'Sunshine Pediatrics',
        portalUrl: 'https://portal.example/',
        childFirstName: 'Ana',
        pin: 'K7Q-M3X-PAZ',
        printedSiblings: [],
        expiresOn: '2026-12-22',
      }),
    );
    expect(error.message).toContain(`The secure connection to 127.0.0.1:${server.port} was refused`);
    expect(error.message).toContain(EXPIRED);
    expect(error.message).toMatch(/The email stays queued\.$/);
    expect(error.message).not.toContain('K7Q');
    expect(error.permanent).toBe(false);
  });
});

describe('certificateProblem', () => {
  it('finds the code on the error, down its cause chain, or as nodemailer’s originalCode; nothing for other failures', () => {
    const fetchLike = new TypeError('fetch failed', { cause: Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }) });
    expect(certificateCode(fetchLike)).toBe('CERT_HAS_EXPIRED');
    expect(certificateCode({ code: 'ESOCKET', originalCode: 'CERT_NOT_YET_VALID' })).toBe('CERT_NOT_YET_VALID');
    expect(certificateCode(new TypeError('fetch failed', { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) }))).toBeNull();
    expect(certificateCode(null)).toBeNull();
    expect(certificateProblem(new Error('timeout'), 'host')).toBeNull();
    expect(certificateProblem({ code: 'CERT_NOT_YET_VALID' }, 'ehr.example.org', Date.parse('2025-10-31T08:05:00Z'))).toContain(
      'by this computer’s clock (2025-10-31 08:05 UTC) the server’s certificate is not valid yet',
    );
  });
});
