import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type BetterSqlite3 from 'better-sqlite3';
import { openDatabase } from '../../../electron/main/db/open';
import { seedDemoPractice, type DemoOptions } from '../../../electron/main/demo/demoPractice';
import { protocolErrorAnswer, send, type Answer } from './http';
import { htmlAnswer, messagePage } from './pages';
import { ParentSite } from './parentSite';
import { PROTOCOL_VERSION, type WelcomeAnswer } from '../../../shared/sync/protocol';
import { handleProtocol, isAuthorized, otherVersionAnswer, protocolVersionOf } from './protocolApi';
import { PortalStore, type ChangeKind } from './store';

/**
 * The reference portal: the practice system's sync service (shared/sync/protocol.ts) and the
 * parent-facing patient portal, on one loopback HTTP server with its own SQLite file. Tests and
 * `npm run portal:dev` start it; faults can be switched on to exercise the client's outbox.
 */

export type PortalFault = 'none' | 'down' | 'slow' | 'error500' | 'rateLimit429' | 'dropAfterReceive' | 'reject422';

export interface PortalOptions {
  dbFile: string;
  token: string;
  port?: number;
  /** Fills the practice tables with the demo practice, only when they are empty (so a restart keeps the data). */
  seedDemo?: DemoOptions;
  now?: () => Date;
  /** How long the 'slow' fault waits before answering (default 3000 ms). */
  slowMs?: number;
  /**
   * PBKDF2 rounds of each PIN hash it stores (default PIN_HASH_ITERATIONS, 10,000; at least 1,000,
   * what verifyPin accepts). The bench's drain row sets it lower to stand in for a practice system
   * on its own hardware, whose hashing does not share this machine's two cores with the desk.
   */
  pinHashIterations?: number;
  /**
   * 'normal': commits are not synced to disk one by one (SQLite synchronous = NORMAL; WAL keeps the
   * file consistent, a power cut may lose the last answers). The bench's drain row uses it so that
   * the portal's own disk syncs, one per request on this machine's shared disk, are not what it
   * measures; a practice system has its own storage. Default 'full', as the app.
   */
  diskSync?: 'full' | 'normal';
}

export interface PortalEnrollment {
  deliveryId: string;
  pinId: string;
  patientId: string;
  dateOfBirth: string;
  redeemed: boolean;
  accountId: string | null;
  /** Revoked by an accepted replacement: it can no longer be redeemed. */
  revoked: boolean;
  /** What the practice system answered about the Welcome email (null for an enrollment kept from a v1 file). */
  welcome: WelcomeAnswer | null;
}

export interface PortalAccount {
  id: string;
  email: string;
  /** The Family Contact who owns it. */
  ownerContactId: string | null;
  childPatientIds: string[];
}

/** A guardian's one Welcome email, as granted. */
export interface PortalWelcome {
  contactId: string;
  grantedAt: string;
  workstation: string;
}

export interface PortalPost {
  path: string;
  idempotencyKey: string | null;
  received: number;
  answered: number | null;
}

export interface PortalSetupLink {
  tokenHash: string;
  campaignId: string;
  contactId: string;
  patientIds: string[];
  issuedAt: string;
  expiresAt: string;
  used: boolean;
}

export interface PortalPatientSeed {
  id: string;
  chartNumber?: string;
  firstName?: string;
  lastName?: string;
  dateOfBirth?: string | null;
}

export interface PortalServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** `slowMs`: how long a 'slow' answer takes from now on. */
  setFault(fault: PortalFault, slowMs?: number): void;
  enrollments(): PortalEnrollment[];
  accounts(): PortalAccount[];
  /** Welcome emails granted, one per guardian. */
  welcomes(): PortalWelcome[];
  /** Set Up My Account links registered by campaigns (token hashes only). */
  setupLinks(): PortalSetupLink[];
  /** Requests received, by path (a 'down' refusal is not received). */
  requestCounts(): Record<string, number>;
  /**
   * The protocol POSTs received, in order of arrival: path, idempotency key, and when it arrived
   * and was answered (or dropped) on one counter, so overlaps can be told: a and b were handled
   * at the same time when a.received < b.answered and b.received < a.answered.
   */
  posts(): PortalPost[];
  /**
   * Appends an upstream change to the log, as if the practice system had edited (or, with
   * `deleted`, removed) the record; `mergedInto` goes into the tombstone. Edit the row through
   * `database` first. A patient-contact link's id is `${patientId}:${contactId}`. Returns its seq.
   */
  touch(kind: ChangeKind, recordId: string, deleted?: boolean, mergedInto?: string): number;
  /**
   * Test helper: makes the practice system know these patients (Active, no family) so enrollments
   * for a workstation's own fixtures are accepted. A bare id gets placeholder names. Logged as changes.
   */
  addPatients(patients: (string | PortalPatientSeed)[]): void;
  /** The portal's own SQLite handle (practice tables and portal_* tables), for tests that edit upstream data. */
  database: BetterSqlite3.Database;
  close(): Promise<void>;
}

const DEFAULT_SLOW_MS = 3000;

function simulated(fault: PortalFault): Answer | null {
  switch (fault) {
    case 'error500':
      return protocolErrorAnswer(500, 'server_error', 'The practice system had an internal error (simulated). Try again later.');
    case 'rateLimit429':
      return protocolErrorAnswer(429, 'rate_limited', 'Too many requests to the practice system (simulated). Retry after 1 second.', { 'retry-after': '1' });
    default:
      return null;
  }
}

export async function startPortal(options: PortalOptions): Promise<PortalServer> {
  const opened = await openDatabase(options.dbFile);
  if (options.diskSync === 'normal') opened.sqlite.pragma('synchronous = NORMAL');
  let store: PortalStore;
  try {
    store = new PortalStore(opened.sqlite);
    const practiceIsEmpty = opened.sqlite.prepare('SELECT count(*) FROM families').pluck().get() === 0;
    if (options.seedDemo && practiceIsEmpty) seedDemoPractice(opened.sqlite, options.seedDemo);
    store.backfillChangeLogIfEmpty();
  } catch (error) {
    await opened.close();
    throw error;
  }

  const now = options.now ?? (() => new Date());
  let slowMs = options.slowMs ?? DEFAULT_SLOW_MS;
  const css = fs.readFileSync(new URL('./portal.css', import.meta.url), 'utf8');
  const site = new ParentSite({ store, now, css });
  const protocol = { store, token: options.token, now, pinHashIterations: options.pinHashIterations };

  let fault: PortalFault = 'none';
  let closed = false;
  const counts: Record<string, number> = {};
  const posts: PortalPost[] = [];
  let tick = 0;
  const inFlight = new Set<Promise<void>>();
  const sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          sleepers.delete(sleeper);
          resolve();
        }, ms),
        wake: resolve,
      };
      sleepers.add(sleeper);
    });

  /** A protocol call (/v2/...), faults included; null when the answer must be lost on the way back. */
  async function protocolCall(req: http.IncomingMessage, url: URL, current: PortalFault): Promise<Answer | null> {
    if (current === 'slow') {
      await sleep(slowMs);
      if (closed) return null;
    }
    const failure = simulated(current);
    if (failure) return failure;
    // A desk speaking another version hears so, token or not: it cannot do anything else here.
    const version = protocolVersionOf(url.pathname);
    if (version !== PROTOCOL_VERSION) return otherVersionAnswer(version ?? '?');
    if (!isAuthorized(req, options.token)) {
      return protocolErrorAnswer(401, 'unauthorized', 'The sync token is missing or wrong. Check the practice system token in Settings.', {
        'www-authenticate': 'Bearer',
      });
    }
    if (current === 'reject422' && req.method === 'POST') {
      return protocolErrorAnswer(422, 'rejected', 'The practice system rejected this request (simulated rejection). It will not be accepted as sent.');
    }
    const answer = await handleProtocol(protocol, req, url);
    // Applied and recorded, but the client never hears back.
    return current === 'dropAfterReceive' ? null : answer;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // The practice system's clock is `now`: desks read it from this header (clock warning, expiry check).
    res.setHeader('date', now().toUTCString());
    const current = fault;
    if (current === 'down' || closed) {
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    counts[url.pathname] = (counts[url.pathname] ?? 0) + 1;
    const key = req.headers['idempotency-key'];
    const post: PortalPost | null =
      req.method === 'POST' && protocolVersionOf(url.pathname) !== null
        ? { path: url.pathname, idempotencyKey: typeof key === 'string' ? key : null, received: ++tick, answered: null }
        : null;
    if (post) posts.push(post);
    res.once('close', () => {
      if (post) post.answered = ++tick;
    });
    try {
      const isProtocol = protocolVersionOf(url.pathname) !== null;
      const answer = isProtocol ? await protocolCall(req, url, current) : await site.handle(req, url);
      if (answer === null) req.socket.destroy();
      else send(res, answer);
    } catch (error) {
      if (closed) return;
      console.error(`reference portal: ${req.method} ${url.pathname} failed:`, error);
      send(
        res,
        protocolVersionOf(url.pathname) !== null
          ? protocolErrorAnswer(500, 'server_error', 'The reference portal failed on this request.')
          : htmlAnswer(500, messagePage('Something went wrong', 'The portal could not finish that. Please try again.', false)),
      );
    }
  }

  const server = http.createServer((req, res) => {
    const work = handle(req, res).finally(() => inFlight.delete(work));
    inFlight.add(work);
  });
  // 'down': refuse at the door, so even a fresh connection fails at once.
  server.on('connection', (socket) => {
    if (fault === 'down') socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    database: opened.sqlite,
    setFault(next, slow) {
      fault = next;
      if (slow !== undefined) slowMs = slow;
    },
    posts: () => posts.map((post) => ({ ...post })),
    enrollments() {
      return store.allEnrollments().map((e) => ({
        deliveryId: e.delivery_id,
        pinId: e.pin_id,
        patientId: e.patient_id,
        dateOfBirth: e.date_of_birth,
        redeemed: e.redeemed_at !== null,
        accountId: e.account_id,
        revoked: e.revoked_at !== null,
        welcome: e.welcome,
      }));
    },
    welcomes: () => store.allWelcomes().map((w) => ({ contactId: w.contact_id, grantedAt: w.granted_at, workstation: w.workstation })),
    accounts: () => store.allAccounts(),
    setupLinks: () =>
      store.allSetupLinks().map((l) => ({
        tokenHash: l.token_hash,
        campaignId: l.campaign_id,
        contactId: l.contact_id,
        patientIds: JSON.parse(l.patient_ids) as string[],
        issuedAt: l.issued_at,
        expiresAt: l.expires_at,
        used: l.used_at !== null,
      })),
    requestCounts: () => ({ ...counts }),
    addPatients(patients) {
      const nowIso = now().toISOString();
      store.transaction(() => {
        for (const patient of patients) store.insertPatient(typeof patient === 'string' ? { id: patient } : patient, nowIso);
      });
    },
    touch: (kind, recordId, deleted = false, mergedInto) => store.appendChange(kind, recordId, deleted, mergedInto ?? null),
    async close() {
      if (closed) return;
      closed = true;
      for (const sleeper of sleepers) {
        clearTimeout(sleeper.timer);
        sleeper.wake();
      }
      sleepers.clear();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await stopped;
      await Promise.allSettled([...inFlight]);
      await opened.close();
    },
  };
}
