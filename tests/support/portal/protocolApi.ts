import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { SETUP_LINK_VALID_DAYS } from '../../../shared/campaign/api';
import { isValidIsoDate } from '../../../shared/domain/dates';
import { hashPin, normalizePin } from '../../../shared/domain/pin';
import {
  changesPage,
  enrollmentRequest,
  MAX_PAGE_LIMIT,
  nameCorrectionRequest,
  contactUpdateRequest,
  PROTOCOL_VERSION,
  PROTOCOL_VERSION_ERROR,
  setupLinkRequest,
  SYNC_PATHS,
  type EnrollmentAccepted,
  type EnrollmentRequest,
  type NameCorrectionResult,
  type WelcomeAnswer,
  type SetupLinkRegistered,
} from '../../../shared/sync/protocol';
import { BodyTooLargeError, json, protocolErrorAnswer, readBody, type Answer } from './http';
import type { PortalStore } from './store';

/**
 * The practice system's side of shared/sync/protocol.ts: pull pages from the change log, take
 * enrollments and name corrections once per delivery id, whatever the retries.
 */

export interface ProtocolContext {
  store: PortalStore;
  token: string;
  now: () => Date;
  /** PBKDF2 rounds of the PIN hashes this portal stores (default PIN_HASH_ITERATIONS; see PortalOptions). */
  pinHashIterations?: number;
}

const DEFAULT_PAGE_LIMIT = 1000;
const MAX_JSON_BYTES = 1024 * 1024;

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function isAuthorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  return match !== null && timingSafeEqual(digest(match[1]!.trim()), digest(token));
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`)
    .join('; ');
}

type Outcome = { status: number; body: unknown };

/** A delivery id seen before gets exactly the answer it got the first time. */
function replay(stored: { path: string; status: number; body: unknown }, path: string): Answer {
  if (stored.path !== path) {
    return protocolErrorAnswer(422, 'delivery_id_reused', `This delivery id was already used for ${stored.path}; each delivery needs its own id.`);
  }
  return json(stored.status, stored.body);
}

async function readJson(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; answer: Answer }> {
  let text: string;
  try {
    text = await readBody(req, MAX_JSON_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return { ok: false, answer: protocolErrorAnswer(413, 'body_too_large', error.message) };
    throw error;
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, answer: protocolErrorAnswer(400, 'invalid_json', 'The request body is not valid JSON.') };
  }
}

function checkIdempotencyKey(req: IncomingMessage, deliveryId: string): Answer | null {
  const key = req.headers['idempotency-key'];
  if (typeof key === 'string' && key !== deliveryId) {
    return protocolErrorAnswer(422, 'idempotency_key_mismatch', 'The Idempotency-Key header and the body deliveryId differ.');
  }
  return null;
}

/** 'v1' for /v1/..., null for a path that is not a protocol path. */
export function protocolVersionOf(pathname: string): string | null {
  return /^\/(v\d{1,3})(?:\/|$)/.exec(pathname)?.[1] ?? null;
}

/** What a desk speaking another protocol version hears, whatever it asked. */
export function otherVersionAnswer(version: string): Answer {
  return protocolErrorAnswer(
    410,
    PROTOCOL_VERSION_ERROR,
    `This practice system speaks sync protocol ${PROTOCOL_VERSION}; the desk asked in ${version}. Update Family Portal PINs on that desk.`,
  );
}

function getChanges(ctx: ProtocolContext, url: URL): Answer {
  const cursorText = url.searchParams.get('cursor') ?? '';
  if (!/^\d{0,15}$/.test(cursorText)) {
    return protocolErrorAnswer(422, 'invalid_cursor', 'The cursor must be the one a previous page returned (or empty to start over).');
  }
  const limitText = url.searchParams.get('limit');
  let limit = DEFAULT_PAGE_LIMIT;
  if (limitText !== null && limitText !== '') {
    if (!/^\d{1,9}$/.test(limitText) || Number(limitText) < 1) {
      return protocolErrorAnswer(422, 'invalid_limit', `The limit must be a whole number from 1 to ${MAX_PAGE_LIMIT}.`);
    }
    limit = Math.min(Number(limitText), MAX_PAGE_LIMIT);
  }
  const page = ctx.store.changesPage(cursorText === '' ? 0 : Number(cursorText), limit, cursorText);
  // The reference server must never send what the protocol forbids: check before answering.
  const checked = changesPage.safeParse(page);
  if (!checked.success) {
    return protocolErrorAnswer(500, 'invalid_practice_data', `The practice data does not fit the protocol: ${describeIssues(checked.error)}`);
  }
  return json(200, page);
}

const reject = (code: string, message: string): Outcome => ({ status: 422, body: { error: { code, message } } });

/**
 * The protocol's idempotency rule, once for every POST: parse and check the body, then inside one
 * transaction answer a known delivery id with what it got before, or decide, record and answer.
 * `prepare` runs before the transaction (slow work such as hashing a PIN).
 */
async function idempotentPost<T extends { deliveryId: string }, P>(
  ctx: ProtocolContext,
  req: IncomingMessage,
  path: string,
  schema: z.ZodType<T>,
  what: string,
  prepare: (request: T) => Promise<P> | P,
  decide: (request: T, prepared: P) => Outcome,
): Promise<Answer> {
  const body = await readJson(req);
  if (!body.ok) return body.answer;
  const parsed = schema.safeParse(body.value);
  if (!parsed.success) return protocolErrorAnswer(422, 'invalid_request', `The ${what} is not valid: ${describeIssues(parsed.error)}`);
  const request = parsed.data;
  const keyProblem = checkIdempotencyKey(req, request.deliveryId);
  if (keyProblem) return keyProblem;
  const prior = ctx.store.delivery(request.deliveryId);
  if (prior) return replay(prior, path);
  const prepared = await prepare(request);
  return ctx.store.transaction((): Answer => {
    // A repeat that raced this one while `prepare` ran is answered as the first was.
    const raced = ctx.store.delivery(request.deliveryId);
    if (raced) return replay(raced, path);
    const outcome = decide(request, prepared);
    ctx.store.recordDelivery(request.deliveryId, path, outcome.status, outcome.body);
    return json(outcome.status, outcome.body);
  });
}

function postEnrollment(ctx: ProtocolContext, req: IncomingMessage): Promise<Answer> {
  return idempotentPost(
    ctx,
    req,
    SYNC_PATHS.enrollments,
    enrollmentRequest,
    'enrollment',
    async (request) => {
      const canonical = normalizePin(request.pin);
      const expiresAt = new Date(request.expiresAt);
      let problem: Outcome | null = null;
      if (canonical === null) problem = reject('invalid_pin', 'The PIN is not well-formed: 9 characters from the PIN alphabet are expected.');
      else if (!isValidIsoDate(request.dateOfBirth)) problem = reject('invalid_date_of_birth', 'The date of birth is not a real calendar date.');
      else if (Number.isNaN(expiresAt.getTime())) problem = reject('invalid_expiry', 'expiresAt is not a valid date and time.');
      else if (!ctx.store.patientName(request.patientId)) {
        problem = reject('unknown_patient', `Patient ${request.patientId} is not known to the practice system.`);
      }
      // The slow hash runs outside the transaction.
      return { problem, expiresAt, pinHash: problem === null ? await hashPin(canonical!, { iterations: ctx.pinHashIterations }) : null };
    },
    (request, { problem, expiresAt, pinHash }): Outcome => {
      if (problem) return problem;
      const existing = ctx.store.enrollmentByPinId(request.pinId);
      if (existing && existing.patient_id !== request.patientId) {
        return reject('pin_id_reused', `PIN id ${request.pinId} is already enrolled for another patient.`);
      }
      // The same PIN sent again under another delivery id is the same enrollment, with the same answer.
      if (existing) {
        return {
          status: 200,
          body: { status: 'accepted', enrollmentId: existing.id, welcome: existing.welcome ?? 'not_requested' } satisfies EnrollmentAccepted,
        };
      }
      if (request.replacesPinId !== null) {
        const replaced = ctx.store.enrollmentByPinId(request.replacesPinId);
        if (request.replacesPinId === request.pinId || (replaced && replaced.patient_id !== request.patientId)) {
          return reject(
            'invalid_replacement',
            `PIN ${request.pinId} cannot replace PIN ${request.replacesPinId}: a replacement is a new PIN for the same child.`,
          );
        }
      }
      const nowIso = ctx.now().toISOString();
      const welcome = decideWelcome(ctx, request);
      const enrollmentId = ctx.store.insertEnrollment({
        delivery_id: request.deliveryId,
        pin_id: request.pinId,
        pin_hash: pinHash!,
        patient_id: request.patientId,
        date_of_birth: request.dateOfBirth,
        expires_at: expiresAt.toISOString(),
        account_owner_contact_id: request.accountOwnerContactId,
        issued_at: new Date(request.issuedAt).toISOString(),
        workstation: request.workstation,
        issued_by: request.issuedBy,
        delivery: request.delivery,
        welcome,
        replaces_pin_id: request.replacesPinId,
      });
      if (welcome === 'granted') ctx.store.grantWelcome(request.welcomeForContactId!, enrollmentId, request.workstation, nowIso);
      // SPEC 3.6: a replacement revokes the PIN it replaces once accepted, never before.
      if (request.replacesPinId !== null) ctx.store.revokeReplacedPin(request.replacesPinId, request.pinId, nowIso);
      return { status: 200, body: { status: 'accepted', enrollmentId, welcome } satisfies EnrollmentAccepted };
    },
  );
}

/**
 * One Welcome email ever per guardian (SPEC 3.4): the first desk to ask gets it; later asks hear
 * that one was already granted (unless the clerk chose to re-send it, with a reason) or that the
 * guardian already has an account, and send an "add this child" email instead.
 */
function decideWelcome(ctx: ProtocolContext, request: EnrollmentRequest): WelcomeAnswer {
  const contactId = request.welcomeForContactId;
  if (contactId === null) return 'not_requested';
  if (ctx.store.contactHasAccount(contactId)) return 'has_account';
  if (ctx.store.welcomeOf(contactId) !== null && !request.resendWelcome) return 'already_welcomed';
  return 'granted';
}

function postNameCorrection(ctx: ProtocolContext, req: IncomingMessage): Promise<Answer> {
  return idempotentPost(
    ctx,
    req,
    SYNC_PATHS.nameCorrections,
    nameCorrectionRequest,
    'name correction',
    () => null,
    (request): Outcome => {
      const patient = ctx.store.patientName(request.patientId);
      if (!patient) return reject('unknown_patient', `Patient ${request.patientId} is not known to the practice system.`);
      if (patient.version !== request.baseVersion) {
        // Upstream changed meanwhile: the clerk is shown both names.
        const conflict: NameCorrectionResult = {
          status: 'conflict',
          current: { firstName: patient.firstName, lastName: patient.lastName, version: patient.version },
        };
        return { status: 409, body: conflict };
      }
      const version = ctx.store.renamePatient(patient.id, request.firstName, request.lastName, request.baseVersion, ctx.now().toISOString())!;
      return { status: 200, body: { status: 'applied', version } satisfies NameCorrectionResult };
    },
  );
}

function postContactUpdate(ctx: ProtocolContext, req: IncomingMessage): Promise<Answer> {
  return idempotentPost(
    ctx,
    req,
    SYNC_PATHS.contactUpdates,
    contactUpdateRequest,
    'contact update',
    () => null,
    (request): Outcome => {
      const db = ctx.store.sqlite;
      const link = db.prepare('SELECT 1 FROM patient_contacts WHERE patient_id = ? AND contact_id = ?').get(request.patientId, request.contactId);
      if (!link) return reject('unknown_link', `Contact ${request.contactId} is not a Family Contact of patient ${request.patientId}.`);
      const c = request.changes;
      const columns = (
        [
          ['first_name', c.firstName],
          ['last_name', c.lastName],
          ['email', c.email],
          ['mobile_phone', c.mobilePhone],
          ['preferred_reminder', c.preferredReminder],
        ] as [string, unknown][]
      ).filter(([, v]) => v !== undefined);
      if (columns.length > 0) {
        db.prepare(`UPDATE contacts SET ${columns.map(([k]) => `${k} = ?`).join(', ')}, version = version + 1, updated_at = ? WHERE id = ?`).run(
          ...columns.map(([, v]) => v),
          ctx.now().toISOString(),
          request.contactId,
        );
      }
      if (c.authority !== undefined || c.residesWith !== undefined) {
        db.prepare(
          'UPDATE patient_contacts SET authority = coalesce(?, authority), resides_with = coalesce(?, resides_with) WHERE patient_id = ? AND contact_id = ?',
        ).run(c.authority === undefined ? null : c.authority, c.residesWith === undefined ? null : Number(c.residesWith), request.patientId, request.contactId);
        ctx.store.appendChange('patientContact', `${request.patientId}:${request.contactId}`);
      }
      ctx.store.appendChange('contact', request.contactId);
      const version = db.prepare('SELECT version FROM contacts WHERE id = ?').pluck().get(request.contactId) as number;
      return { status: 200, body: { status: 'applied', version } };
    },
  );
}

/** Set Up My Account links work this long after they are issued, whatever the client asks. */
export const SETUP_LINK_MAX_MS = SETUP_LINK_VALID_DAYS * 86_400_000;

/**
 * Registers a campaign link: the token's hash, the guardian and every child the account will
 * hold. The same hash sent again (a retry under a new delivery id) is the same link.
 */
function postSetupLink(ctx: ProtocolContext, req: IncomingMessage): Promise<Answer> {
  return idempotentPost(
    ctx,
    req,
    SYNC_PATHS.setupLinks,
    setupLinkRequest,
    'setup link',
    () => null,
    (request): Outcome => {
      const issuedAt = Date.parse(request.issuedAt);
      const expiresAt = Date.parse(request.expiresAt);
      if (Number.isNaN(issuedAt) || Number.isNaN(expiresAt) || expiresAt <= issuedAt) {
        return reject('invalid_dates', 'issuedAt and expiresAt must be valid date-times, expiry after issue.');
      }
      if (expiresAt - issuedAt > SETUP_LINK_MAX_MS) return reject('too_long', 'A Set Up My Account link may be valid 14 days at most.');
      const unknown = request.patientIds.find((id) => !ctx.store.patientName(id));
      if (unknown) return reject('unknown_patient', `Patient ${unknown} is not known to the practice system.`);
      const existing = ctx.store.setupLinkByHash(request.tokenHash);
      if (existing && existing.contact_id !== request.contactId) {
        return reject('token_reused', 'This link token is already registered for another guardian.');
      }
      const linkId =
        existing?.id ??
        ctx.store.insertSetupLink({
          token_hash: request.tokenHash,
          delivery_id: request.deliveryId,
          campaign_id: request.campaignId,
          contact_id: request.contactId,
          patient_ids: JSON.stringify(request.patientIds),
          issued_at: new Date(issuedAt).toISOString(),
          expires_at: new Date(expiresAt).toISOString(),
        });
      return { status: 200, body: { status: 'registered', linkId } satisfies SetupLinkRegistered };
    },
  );
}

/** Routes one /v2 request (the caller has already applied faults and checked the token). */
export async function handleProtocol(ctx: ProtocolContext, req: IncomingMessage, url: URL): Promise<Answer> {
  const version = protocolVersionOf(url.pathname);
  if (version !== null && version !== PROTOCOL_VERSION) return otherVersionAnswer(version);
  const route = `${req.method ?? 'GET'} ${url.pathname}`;
  switch (route) {
    case `GET ${SYNC_PATHS.health}`:
      return json(200, { ok: true, version: PROTOCOL_VERSION });
    case `GET ${SYNC_PATHS.changes}`:
      return getChanges(ctx, url);
    case `POST ${SYNC_PATHS.enrollments}`:
      return postEnrollment(ctx, req);
    case `POST ${SYNC_PATHS.nameCorrections}`:
      return postNameCorrection(ctx, req);
    case `POST ${SYNC_PATHS.contactUpdates}`:
      return postContactUpdate(ctx, req);
    case `POST ${SYNC_PATHS.setupLinks}`:
      return postSetupLink(ctx, req);
  }
  const known = (Object.values(SYNC_PATHS) as string[]).includes(url.pathname);
  return known
    ? protocolErrorAnswer(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname}.`)
    : protocolErrorAnswer(404, 'not_found', `There is no ${url.pathname} in protocol ${PROTOCOL_VERSION}.`);
}
