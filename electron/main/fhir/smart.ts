import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { describeDuration, utcMinute } from '../../../shared/domain/clockSkew';
import { cleanText } from '../../../shared/domain/textHygiene';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../lib/backoff';
import { certificateProblem } from '../lib/certificateProblem';
import { DeliveryError } from '../lib/deliveryError';
import type { SecretStore } from '../secrets/secretStore';
import { linkedSignal, readCappedText, retryAfterMs, SyncCancelled } from '../sync/http';

/**
 * SMART Backend Services (issue 15): how the desk gets an access token from the practice's EHR
 * without a person signing in. The desk makes an ES384 key pair once; the private key is a sealed
 * secret (secrets.json, like the SMTP password), the public half is shown as a JWKS for the
 * administrator to register with the EHR under the desk's client id. Each token request is a
 * client_credentials grant with a private_key_jwt assertion (iss = sub = client id, aud = the
 * token endpoint, a fresh jti, exp 5 minutes away), found at `{base}/.well-known/smart-configuration`
 * unless Settings name the token endpoint.
 *
 * No retry storm: a refused key (invalid_client) or scope (invalid_scope) is permanent and
 * remembered, so the periodic sync asks again only after the settings change or an administrator
 * presses Sync now; an unreachable token endpoint is tried again only after the outbox's backoff;
 * a token the EHR stops accepting is replaced once (withToken), then the sync stops.
 */

export const SMART_ALG = 'ES384';
export const SMART_KEY_SECRET = 'fhirPrivateKey' as const;
/** The assertion's lifetime: SMART allows at most five minutes. */
const ASSERTION_SECONDS = 300;
/**
 * A refused sign-in blames this computer's clock, not the key, when it is this far from the EHR's
 * (the token answer's Date header): the EHR checks the assertion's times against its own clock, and
 * SMART lets an assertion live five minutes, so a clock a minute ahead can already be refused.
 */
const CLOCK_SKEW_MS = 30_000;
/** A token is replaced this long before the EHR says it expires (clock skew, a long page). */
const REFRESH_MARGIN_MS = 60_000;
const REQUEST_TIMEOUT_MS = 20_000;
const MAX_ANSWER_BYTES = 64 * 1024;

export interface PublicJwks {
  keys: JWK[];
}

interface StoredKey {
  kid: string;
  privateJwk: JWK;
}

function publicOf(privateJwk: JWK, kid: string): JWK {
  const { kty, crv, x, y, n, e } = privateJwk;
  return Object.fromEntries(Object.entries({ kty, crv, x, y, n, e, kid, alg: SMART_ALG, use: 'sig', key_ops: ['verify'] }).filter(([, v]) => v !== undefined));
}

function readStored(secrets: SecretStore): StoredKey | null {
  const text = secrets.get(SMART_KEY_SECRET);
  if (!text) return null;
  try {
    const stored = JSON.parse(text) as StoredKey;
    if (typeof stored.kid === 'string' && typeof stored.privateJwk?.d === 'string') return stored;
  } catch {
    // A damaged key is made again below: the administrator registers the new JWKS.
  }
  return null;
}

/** A key being made, per store: two callers at once (the JWKS panel and a sync) get the same key, not one each. */
const making = new WeakMap<SecretStore, Promise<StoredKey>>();

/** The desk's key pair: made once (ES384), the private key sealed in the secret store. */
export async function ensureSmartKey(secrets: SecretStore): Promise<StoredKey> {
  const stored = readStored(secrets);
  if (stored) return stored;
  let made = making.get(secrets);
  if (!made) {
    made = (async () => {
      const { privateKey } = await generateKeyPair(SMART_ALG, { extractable: true });
      const privateJwk = await exportJWK(privateKey);
      const kid = await calculateJwkThumbprint(privateJwk, 'sha256');
      const key: StoredKey = { kid, privateJwk: { ...privateJwk, kid, alg: SMART_ALG } };
      secrets.set(SMART_KEY_SECRET, JSON.stringify(key));
      return key;
    })().finally(() => making.delete(secrets));
    making.set(secrets, made);
  }
  return made;
}

/** What the administrator registers with the EHR: the public key only (kid, alg, use). */
export async function smartPublicJwks(secrets: SecretStore): Promise<PublicJwks> {
  const { kid, privateJwk } = await ensureSmartKey(secrets);
  return { keys: [publicOf(privateJwk, kid)] };
}

/** Why a token could not be had; `problem` for tests and the status bar, the message for the administrator. */
export type SmartProblem = 'invalid_client' | 'clock' | 'certificate' | 'invalid_scope' | 'token_refused' | 'unreachable' | 'discovery' | 'settings';

export class SmartAuthError extends DeliveryError {
  constructor(
    readonly problem: SmartProblem,
    message: string,
    permanent: boolean,
    retryAfter?: number,
  ) {
    super(message, permanent, retryAfter, problem === 'unreachable' ? 'offline' : 'failed');
    this.name = 'SmartAuthError';
  }
}

export interface SmartConfig {
  /** The EHR's FHIR base address (https://ehr.example.org/fhir/r4). */
  baseUrl: string;
  clientId: string;
  /** Space-separated, as registered: system/Patient.read system/RelatedPerson.read … */
  scopes: string;
  /** Empty: discovered from {baseUrl}/.well-known/smart-configuration. */
  tokenUrl?: string;
  fetch?: typeof fetch;
  now?: () => Date;
  backoff?: BackoffPolicy;
  /** Told the EHR's clock from the Date header of the answers that were not refusals (sync/clockOffset.ts). */
  observeServerDate?: (serverDate: Date) => void;
}

export interface AccessToken {
  value: string;
  expiresAt: number;
  scopes: string[];
}

/**
 * What the clerk is told when this computer's clock is CLOCK_SKEW_MS or more from the EHR's (its
 * Date header, `serverDate`), or null (no header, one that is not a date, or the clocks agree).
 */
export function clockMessage(serverDate: string | null, nowMs: number): string | null {
  const server = serverDate === null ? Number.NaN : Date.parse(serverDate);
  if (!Number.isFinite(server)) return null;
  const skew = nowMs - server;
  if (Math.abs(skew) < CLOCK_SKEW_MS) return null;
  return (
    `this computer’s clock is ${describeDuration(Math.abs(skew))} ${skew < 0 ? 'behind' : 'ahead of'} the EHR’s ` +
    `(this computer: ${utcMinute(nowMs)}; the EHR: ${utcMinute(server)}). The EHR accepts a sign-in only within minutes of the time ` +
    'this computer puts on it. Set this computer’s date and time (or ask IT to), then press Sync now.'
  );
}

/** Checks an address from Settings or from the EHR's discovery document. */
function webAddress(text: string, what: string): URL {
  try {
    const url = new URL(text.trim());
    if (url.protocol === 'https:' || url.protocol === 'http:') return url;
  } catch {
    // worded below
  }
  throw new SmartAuthError('settings', `The ${what} is not a web address: check it in Settings > Practice system.`, true);
}

/** A small JSON answer from the EHR: no redirects, capped, within the timeout, cancelled with `signal`. */
async function smallRequest(
  fetchFn: typeof fetch,
  url: URL,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
  signal: AbortSignal | undefined,
): Promise<{ status: number; headers: Headers; json: unknown }> {
  const linked = linkedSignal([signal], REQUEST_TIMEOUT_MS);
  try {
    let response: Response;
    try {
      response = await fetchFn(url, { ...init, redirect: 'manual', signal: linked.signal });
    } catch (error) {
      if (signal?.aborted) throw new SyncCancelled();
      const certificate = certificateProblem(error, url.host);
      if (certificate) throw new SmartAuthError('certificate', `${certificate} Sync tries again later.`, false);
      throw new SmartAuthError('unreachable', `The EHR’s sign-in service at ${url.host} could not be reached; working offline. Sync tries again later.`, false);
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      throw new SmartAuthError(
        'settings',
        `The EHR’s sign-in service at ${url.host} answered with a redirect (HTTP ${response.status}), which this desk never follows: check the FHIR addresses in Settings.`,
        true,
      );
    }
    const text = await readCappedText(response, MAX_ANSWER_BYTES).catch((error: unknown) => {
      if (error instanceof DeliveryError) throw error;
      throw new SmartAuthError('unreachable', `The EHR’s sign-in service at ${url.host} stopped answering; sync tries again later.`, false);
    });
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: response.status, headers: response.headers, json };
  } finally {
    linked.dispose();
  }
}

const quoted = (value: unknown) => (typeof value === 'string' && value ? `: “${cleanText(value.slice(0, 200)).text}”` : '');

/**
 * One EHR connection's tokens. Made again when the FHIR settings change (the remembered refusal
 * goes with it); `allowRetry()` (an administrator's Sync now) lets a refused key be tried once more.
 */
export class SmartClient {
  private token: AccessToken | null = null;
  private tokenUrl: URL | null = null;
  /** A refusal that only a person can fix: repeated without asking the EHR again. */
  private refused: SmartAuthError | null = null;
  private failures = 0;
  private notBefore = 0;
  /** The last refusal that is tried again after the backoff (what the wait is said to be for). */
  private lastFailure: SmartAuthError | null = null;
  /** Token requests sent (the tests count them: no retry storm). */
  requests = 0;

  constructor(
    private readonly config: SmartConfig,
    private readonly secrets: SecretStore,
  ) {}

  private now(): number {
    return (this.config.now?.() ?? new Date()).getTime();
  }

  /** The Date header of an answer of the EHR (token or FHIR), for the app's clock checks; nothing without one. */
  observeDate(header: string | null): void {
    const at = header === null ? Number.NaN : Date.parse(header);
    if (Number.isFinite(at)) this.config.observeServerDate?.(new Date(at));
  }

  /** An administrator asked: a refused key or scope is tried once more, and the backoff wait is skipped. */
  allowRetry(): void {
    this.refused = null;
    this.notBefore = 0;
  }

  /** The EHR said the token is no good (401): the next call gets a fresh one. */
  forget(token: AccessToken): void {
    if (this.token === token) this.token = null;
  }

  /** A token valid for at least another minute: the cached one, or a new one. */
  async accessToken(signal?: AbortSignal): Promise<AccessToken> {
    if (this.token && this.token.expiresAt - REFRESH_MARGIN_MS > this.now()) return this.token;
    if (this.refused) throw this.refused;
    const wait = this.notBefore - this.now();
    if (wait > 0 && this.lastFailure?.problem === 'certificate') {
      // Still the certificate, as far as anyone knows: said again, not "could not be reached".
      throw new SmartAuthError(
        'certificate',
        this.lastFailure.message.replace(/ Sync tries again later\.$/, ` The next try is in ${Math.ceil(wait / 1000)} seconds.`),
        false,
        wait,
      );
    }
    if (wait > 0) {
      throw new SmartAuthError(
        'unreachable',
        `The EHR’s sign-in service could not be reached; the next try is in ${Math.ceil(wait / 1000)} seconds. Working offline meanwhile.`,
        false,
        wait,
      );
    }
    try {
      this.token = await this.requestToken(signal);
      this.failures = 0;
      this.lastFailure = null;
      return this.token;
    } catch (error) {
      if (error instanceof SmartAuthError) {
        if (error.permanent) this.refused = error;
        else if (!signal?.aborted) {
          this.failures += 1;
          this.lastFailure = error;
          this.notBefore = this.now() + (error.retryAfterMs ?? backoffDelay(this.failures, this.config.backoff ?? DEFAULT_BACKOFF));
        }
      }
      throw error;
    }
  }

  private async discover(signal?: AbortSignal): Promise<URL> {
    if (this.tokenUrl) return this.tokenUrl;
    if (this.config.tokenUrl?.trim()) {
      this.tokenUrl = webAddress(this.config.tokenUrl, 'token endpoint address');
      return this.tokenUrl;
    }
    const base = webAddress(this.config.baseUrl, 'FHIR base address');
    const url = new URL(`${base.href.replace(/\/+$/, '')}/.well-known/smart-configuration`);
    const answer = await smallRequest(this.config.fetch ?? fetch, url, { method: 'GET', headers: { accept: 'application/json' } }, signal);
    const endpoint = (answer.json as { token_endpoint?: unknown } | null)?.token_endpoint;
    if (answer.status !== 200 || typeof endpoint !== 'string') {
      if (answer.status >= 500 || answer.status === 429) {
        throw new SmartAuthError(
          'unreachable',
          `The EHR at ${url.host} is busy (HTTP ${answer.status}); sync tries again later.`,
          false,
          retryAfterMs(answer.headers.get('retry-after')),
        );
      }
      throw new SmartAuthError(
        'discovery',
        `The EHR at ${url.host} does not say where its token endpoint is (no SMART configuration, HTTP ${answer.status}): check the FHIR base address, or enter the token endpoint in Settings > Practice system.`,
        true,
      );
    }
    this.tokenUrl = webAddress(endpoint, 'token endpoint the EHR names');
    return this.tokenUrl;
  }

  private async requestToken(signal?: AbortSignal): Promise<AccessToken> {
    const clientId = this.config.clientId.trim();
    if (!clientId) throw new SmartAuthError('settings', 'Enter the client id the EHR gave this practice in Settings > Practice system.', true);
    const scopes = this.config.scopes.trim().split(/\s+/).filter(Boolean);
    const tokenUrl = await this.discover(signal);
    const { kid, privateJwk } = await ensureSmartKey(this.secrets);
    const key = await importJWK(privateJwk, SMART_ALG);
    const nowSeconds = Math.floor(this.now() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: SMART_ALG, kid, typ: 'JWT' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(tokenUrl.href)
      .setJti(randomUUID())
      .setIssuedAt(nowSeconds)
      .setExpirationTime(nowSeconds + ASSERTION_SECONDS)
      .sign(key);
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: scopes.join(' '),
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    this.requests += 1;
    const answer = await smallRequest(
      this.config.fetch ?? fetch,
      tokenUrl,
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: body.toString() },
      signal,
    );
    return this.readToken(answer, tokenUrl, scopes);
  }

  private readToken(answer: { status: number; headers: Headers; json: unknown }, tokenUrl: URL, asked: string[]): AccessToken {
    const json = (answer.json ?? {}) as { access_token?: unknown; expires_in?: unknown; scope?: unknown; error?: unknown; error_description?: unknown };
    const host = tokenUrl.host;
    if (answer.status === 200 && typeof json.access_token === 'string' && /^[\x21-\x7e]{1,4096}$/.test(json.access_token)) {
      this.observeDate(answer.headers.get('date'));
      const granted = typeof json.scope === 'string' ? json.scope.split(/\s+/).filter(Boolean) : asked;
      const missing = asked.filter((scope) => !granted.includes(scope));
      if (missing.length > 0) {
        throw new SmartAuthError(
          'invalid_scope',
          `The EHR at ${host} granted this desk fewer permissions than it needs (missing ${missing.join(', ')}): ask the EHR administrator to grant them to the client id, then press Sync now.`,
          true,
        );
      }
      const seconds = typeof json.expires_in === 'number' && json.expires_in > 0 ? Math.min(json.expires_in, 24 * 3600) : 300;
      return { value: json.access_token, expiresAt: this.now() + seconds * 1000, scopes: granted };
    }
    if (answer.status === 429 || answer.status >= 500) {
      throw new SmartAuthError(
        'unreachable',
        `The EHR’s sign-in service at ${host} is busy or failing (HTTP ${answer.status}); sync tries again later.`,
        false,
        retryAfterMs(answer.headers.get('retry-after')),
      );
    }
    const code = typeof json.error === 'string' ? json.error : '';
    const clock = clockMessage(answer.headers.get('date'), this.now());
    if (clock && code !== 'invalid_scope') {
      // Worded before the key: re-registering a key would not help, and the administrator would be sent the wrong way.
      throw new SmartAuthError('clock', `The EHR at ${host} refused this desk’s sign-in, and ${clock}`, true);
    }
    if (code === 'invalid_scope') {
      throw new SmartAuthError(
        'invalid_scope',
        `The EHR at ${host} refused the permissions this desk asks for (${asked.join(' ')})${quoted(json.error_description)}. Ask the EHR administrator to grant them to the client id, or correct the scopes in Settings > Practice system, then press Sync now.`,
        true,
      );
    }
    if (code === 'invalid_client' || code === 'unauthorized_client' || answer.status === 401) {
      throw new SmartAuthError(
        'invalid_client',
        `The EHR at ${host} did not accept this desk’s key for client id “${cleanText(this.config.clientId.slice(0, 100)).text}”${quoted(json.error_description)}. Check the client id, and that the EHR administrator registered this desk’s public key (the JWKS in Settings > Practice system), then press Sync now.`,
        true,
      );
    }
    throw new SmartAuthError(
      'token_refused',
      `The EHR at ${host} refused to give this desk an access token (HTTP ${answer.status}${code ? `, ${cleanText(code.slice(0, 60)).text}` : ''})${quoted(json.error_description)}. Check Settings > Practice system, then press Sync now.`,
      true,
    );
  }

  /**
   * Runs `request` with a token; when the EHR answers 401 (the token expired early or was revoked),
   * once more with a fresh token, then stops with a message: a token the EHR refuses twice in a row
   * is not asked for again and again.
   */
  async withToken<T extends { status: number }>(request: (token: string) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const first = await this.accessToken(signal);
    const answer = await request(first.value);
    if (answer.status !== 401) return answer;
    this.forget(first);
    const fresh = await this.accessToken(signal);
    const again = await request(fresh.value);
    if (again.status !== 401) return again;
    this.forget(fresh);
    const error = new SmartAuthError(
      'token_refused',
      'The EHR refused the access token it had just given this desk (HTTP 401, twice): ask the EHR administrator whether the client id is still enabled, then press Sync now.',
      true,
    );
    this.refused = error;
    throw error;
  }
}
