import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import type { Answer } from '../portal/http';

/**
 * The SMART Backend Services side of the FHIR test server (issue 15): the token endpoint that
 * checks a client's private_key_jwt assertion against the JWKS registered for it (jose's jwtVerify
 * with createLocalJWKSet), issues short-lived opaque bearer tokens with the granted scopes, and the
 * bearer check the server runs before every FHIR request (its `authorize(req)` hook).
 *
 * Routes it answers (handle):
 *   GET  {fhirBase}/.well-known/smart-configuration   token endpoint, grant types, key algorithms
 *   POST /auth/token                                   client_credentials + client_assertion
 *   POST /auth/clients                                 { clientId, jwks, scopes? } registers a client
 *                                                      (npm run fhir:dev: the administrator pastes the desk's JWKS)
 * Tests also drive it directly: registerClient, revokeTokens, expireTokens, rejectTokens, tokenRequests.
 */

export const TOKEN_PATH = '/auth/token';
export const CLIENTS_PATH = '/auth/clients';
export const SMART_CONFIGURATION = '/.well-known/smart-configuration';
/** What a client may be granted: read access to the resources the desk loads. */
export const ALL_SCOPES = ['system/Patient.read', 'system/RelatedPerson.read', 'system/Appointment.read', 'system/Group.read'];

interface Client {
  jwks: JSONWebKeySet;
  scopes: string[];
}

interface Issued {
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

export interface SmartAuthOptions {
  /** Lifetime of the bearer tokens issued (seconds). */
  tokenSeconds?: number;
  now?: () => number;
}

export interface Refusal {
  status: number;
  body: unknown;
}

const outcome = (status: number, code: string, text: string): Refusal => ({
  status,
  body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics: text }] },
});

/** v1 (system/Patient.read) and v2 (system/Patient.rs) scopes, and their wildcards, grant reading `type`. */
export function scopeAllows(scopes: readonly string[], type: string): boolean {
  return scopes.some((scope) => {
    const match = /^system\/([A-Za-z*]+)\.(read|\*|c?ru?d?s?)$/.exec(scope);
    if (!match) return false;
    const [, what, access] = match;
    const reads = access === 'read' || access === '*' || access!.includes('r');
    return reads && (what === '*' || what === type);
  });
}

export class SmartAuth {
  private readonly clients = new Map<string, Client>();
  private readonly tokens = new Map<string, Issued>();
  private readonly seenJti = new Map<string, number>();
  private readonly tokenSeconds: number;
  private readonly now: () => number;
  /** Every POST to the token endpoint, granted or not (tests: no retry storm). */
  tokenRequests = 0;
  /** Every FHIR request refused with 401 (a missing, unknown, expired or revoked token). */
  refusedBearers = 0;
  /** While true, every bearer token is refused (a revoked client whose tokens still look fresh). */
  rejectTokens = false;

  constructor(options: SmartAuthOptions = {}) {
    this.tokenSeconds = options.tokenSeconds ?? 300;
    this.now = options.now ?? Date.now;
  }

  registerClient(clientId: string, jwks: JSONWebKeySet, scopes: readonly string[] = ALL_SCOPES): void {
    this.clients.set(clientId, { jwks: { keys: jwks.keys.map((key) => ({ ...key })) }, scopes: [...scopes] });
  }

  /** Every token issued so far stops working (the EHR revoked them). */
  revokeTokens(): void {
    this.tokens.clear();
  }

  /** Every token issued so far is past its expiry. */
  expireTokens(): void {
    for (const token of this.tokens.values()) token.expiresAt = 0;
  }

  /** The token endpoint: grants the scopes asked for that the client was registered with, or says why not (RFC 6749 5.2). */
  async token(form: URLSearchParams, tokenUrl: string): Promise<Refusal> {
    this.tokenRequests += 1;
    const error = (status: number, code: string, description: string): Refusal => ({ status, body: { error: code, error_description: description } });
    if (form.get('grant_type') !== 'client_credentials') return error(400, 'unsupported_grant_type', 'Only client_credentials is supported.');
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
      return error(400, 'invalid_request', 'A private_key_jwt client assertion is required.');
    }
    const assertion = form.get('client_assertion') ?? '';
    let clientId: string;
    try {
      const [, payload] = assertion.split('.');
      clientId = String((JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as { iss?: unknown }).iss ?? '');
    } catch {
      return error(400, 'invalid_request', 'The client assertion is not a JWT.');
    }
    const client = this.clients.get(clientId);
    if (!client) return error(401, 'invalid_client', 'Unknown client id.');
    try {
      const { payload } = await jwtVerify(assertion, createLocalJWKSet(client.jwks), {
        issuer: clientId,
        subject: clientId,
        audience: tokenUrl,
        algorithms: ['ES384', 'RS384'],
        currentDate: new Date(this.now()),
        requiredClaims: ['exp', 'jti'],
      });
      if (payload.exp! * 1000 - this.now() > 5 * 60_000 + 5_000) return error(401, 'invalid_client', 'The assertion lives longer than five minutes.');
      if (this.seenJti.has(payload.jti!)) return error(401, 'invalid_client', 'The assertion was used before (jti).');
      this.seenJti.set(payload.jti!, payload.exp! * 1000);
    } catch (failure) {
      return error(401, 'invalid_client', `The client assertion could not be verified (${(failure as Error).name}).`);
    }
    const asked = (form.get('scope') ?? '').split(/\s+/).filter(Boolean);
    const refused = asked.filter((scope) => !client.scopes.includes(scope));
    if (asked.length === 0 || refused.length > 0) return error(400, 'invalid_scope', `Not granted to this client: ${refused.join(' ') || '(none asked)'}.`);
    const value = randomBytes(24).toString('base64url');
    this.tokens.set(value, { clientId, scopes: asked, expiresAt: this.now() + this.tokenSeconds * 1000 });
    return { status: 200, body: { access_token: value, token_type: 'bearer', expires_in: this.tokenSeconds, scope: asked.join(' ') } };
  }

  /**
   * The bearer check before a FHIR request: null lets it through, else the refusal to send.
   * `resourceTypes`: the types the request reads (a search's type, or an export's _type list);
   * empty for a bulk status or file download, which needs only a valid token.
   */
  authorize(req: Pick<IncomingMessage, 'headers'>, resourceTypes: readonly string[] = []): Refusal | null {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header);
    const issued = match ? this.tokens.get(match[1]!) : undefined;
    if (!issued || issued.expiresAt <= this.now() || this.rejectTokens) {
      this.refusedBearers += 1;
      return outcome(401, 'login', 'A valid bearer token is required.');
    }
    const denied = resourceTypes.filter((type) => !scopeAllows(issued.scopes, type));
    if (denied.length > 0) return outcome(403, 'forbidden', `The token does not grant reading ${denied.join(', ')}.`);
    return null;
  }

  /**
   * The SMART routes, in the FHIR test server's `routes` hook (tests/support/fhir/server.ts): null
   * for any other request. `origin` is the server's http://127.0.0.1:<port>.
   */
  async route(req: Pick<IncomingMessage, 'method'>, url: URL, body: string, fhirBasePath = '/fhir'): Promise<Answer | null> {
    const origin = url.origin;
    const path = url.pathname;
    if (req.method === 'GET' && path === `${fhirBasePath.replace(/\/+$/, '')}${SMART_CONFIGURATION}`) {
      return jsonAnswer(200, {
        token_endpoint: `${origin}${TOKEN_PATH}`,
        grant_types_supported: ['client_credentials'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: ['ES384', 'RS384'],
        scopes_supported: ALL_SCOPES,
        capabilities: ['client-confidential-asymmetric'],
      });
    }
    if (req.method === 'POST' && path === TOKEN_PATH) {
      const answer = await this.token(new URLSearchParams(body), `${origin}${TOKEN_PATH}`);
      // The server's clock, as any HTTP server sends it: the one the assertion was checked against.
      const json = jsonAnswer(answer.status, answer.body);
      return { ...json, headers: { ...json.headers, date: new Date(this.now()).toUTCString() } };
    }
    if (req.method === 'POST' && path === CLIENTS_PATH) {
      try {
        const { clientId, jwks, scopes } = JSON.parse(body) as { clientId: string; jwks: JSONWebKeySet; scopes?: string[] };
        if (typeof clientId !== 'string' || !clientId || !Array.isArray(jwks?.keys)) throw new Error('clientId and jwks are required');
        this.registerClient(clientId, jwks, scopes ?? ALL_SCOPES);
        return jsonAnswer(201, { clientId, scopes: scopes ?? ALL_SCOPES });
      } catch (failure) {
        return jsonAnswer(400, { error: (failure as Error).message });
      }
    }
    return null;
  }

  /**
   * The FHIR test server's `authorize` hook: the metadata is public; a search or read needs its
   * type's scope; an export kick-off the scopes of its _type list (all four without one); a bulk
   * status or file only a valid token.
   */
  authorizeRequest(req: Pick<IncomingMessage, 'headers'>, url: URL): true | Refusal {
    const parts = url.pathname.split('/').filter(Boolean).slice(1);
    if (parts[0] === 'metadata') return true;
    let types: string[] = [];
    if (parts.at(-1) === '$export') types = url.searchParams.get('_type')?.split(',').filter(Boolean) ?? ALL_SCOPES.map((s) => s.slice(7, -5));
    else if (parts[0] && /^[A-Z][A-Za-z]+$/.test(parts[0])) types = [parts[0]];
    return this.authorize(req, types) ?? true;
  }

  /** For a plain node:http server (tests of the client alone): answers the SMART routes, false for others. */
  async handle(req: IncomingMessage, res: ServerResponse, origin: string, fhirBasePath: string): Promise<boolean> {
    const url = new URL(req.url ?? '/', origin);
    const body = req.method === 'POST' ? await readBody(req) : '';
    const answer = await this.route(req, url, body, fhirBasePath);
    if (!answer) return false;
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
    return true;
  }
}

const jsonAnswer = (status: number, body: unknown): Answer => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

async function readBody(req: IncomingMessage, maxBytes = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
