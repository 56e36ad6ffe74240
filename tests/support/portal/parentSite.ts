import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { formatIsoDate, isValidIsoDate } from '../../../shared/domain/dates';
import { normalizePin, verifyPin } from '../../../shared/domain/pin';
import { BodyTooLargeError, parseCookies, readBody, type Answer } from './http';
import {
  accountPage,
  addChildPage,
  htmlAnswer,
  landingPage,
  messagePage,
  PIN_DOB_MISMATCH,
  redirect,
  registerPage,
  SETUP_LINK_EXPIRED,
  SETUP_LINK_INVALID,
  SETUP_LINK_USED,
  setupPage,
  setupRefusedPage,
  signInPage,
  TOO_MANY_ATTEMPTS,
} from './pages';
import { hashPassword, verifyPassword } from './passwords';
import type { EnrollmentRow, PortalStore, SetupLinkRow } from './store';

/**
 * The parent's side: create an account with a child's PIN and date of birth, add more children
 * to the same account ("I'd like to add another child", "My Account > Add child/dependent").
 */

export interface ParentSiteContext {
  store: PortalStore;
  now: () => Date;
  css: string;
}

const SESSION_COOKIE = 'portal_session';
const MAX_FORM_BYTES = 16 * 1024;
/** At most this many failed attempts per key inside the window. */
export const MAX_FAILED_ATTEMPTS = 5;
export const ATTEMPT_WINDOW_MS = 15 * 60 * 1000;

interface Session {
  accountId: string;
  flash?: { welcome?: boolean; notice?: string };
}

/** "2015-03-14", "03/14/2015" or "3/14/2015" → ISO date, or null. */
export function parseDateOfBirth(typed: string): string | null {
  const text = typed.trim();
  let iso: string | null = null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) iso = text;
  const us = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$/.exec(text);
  if (us) iso = formatIsoDate({ year: Number(us[3]), month: Number(us[1]), day: Number(us[2]) });
  return iso !== null && isValidIsoDate(iso) ? iso : null;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export class ParentSite {
  private readonly sessions = new Map<string, Session>();
  /** Spent on unknown emails at sign-in so a miss takes as long as a wrong password. */
  private readonly decoyHash = hashPassword(randomBytes(16).toString('hex'));

  constructor(private readonly ctx: ParentSiteContext) {}

  /** Answers any non-/v1 request. */
  async handle(req: IncomingMessage, url: URL): Promise<Answer> {
    const method = req.method ?? 'GET';
    const session = this.session(req);
    const route = `${method} ${url.pathname}`;
    switch (route) {
      case 'GET /':
        return htmlAnswer(200, landingPage(session !== null));
      case 'GET /portal.css':
        return {
          status: 200,
          headers: { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' },
          body: this.ctx.css,
        };
      case 'GET /register':
        return htmlAnswer(200, registerPage());
      case 'POST /register':
        return this.register(req);
      case 'GET /signin':
        return htmlAnswer(200, signInPage());
      case 'POST /signin':
        return this.signIn(req);
      case 'POST /signout':
        return this.signOut(req);
      case 'GET /account':
        return session ? this.account(session.value) : redirect('/signin');
      case 'GET /account/add-child':
        return session ? htmlAnswer(200, addChildPage()) : redirect('/signin');
      case 'POST /account/add-child':
        return session ? this.addChild(req, session.value) : redirect('/signin');
      case 'GET /setup':
        return this.setupForm(url.searchParams.get('token') ?? '');
      case 'POST /setup':
        return this.setUpAccount(req);
      case 'GET /favicon.ico':
        return { status: 204, body: '' };
    }
    return htmlAnswer(404, messagePage('Page not found', 'There is no such page on the portal.', session !== null));
  }

  // ---- sessions ---------------------------------------------------------------------------------

  private session(req: IncomingMessage): { token: string; value: Session } | null {
    const token = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    const value = token ? this.sessions.get(token) : undefined;
    if (!token || !value || !this.ctx.store.accountById(value.accountId)) return null;
    return { token, value };
  }

  private startSession(accountId: string, flash?: Session['flash']): string {
    const token = randomBytes(32).toString('base64url');
    this.sessions.set(token, { accountId, flash });
    // HttpOnly: no script can read it; SameSite=Lax: another site cannot POST a form with it.
    return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax`;
  }

  private signOut(req: IncomingMessage): Answer {
    const token = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    if (token) this.sessions.delete(token);
    return redirect('/', { 'set-cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0` });
  }

  // ---- rate limiting ------------------------------------------------------------------------------

  private tooManyFailures(key: string): boolean {
    const since = new Date(this.ctx.now().getTime() - ATTEMPT_WINDOW_MS).toISOString();
    return this.ctx.store.failuresSince(key, since) >= MAX_FAILED_ATTEMPTS;
  }

  private recordFailure(key: string): void {
    const now = this.ctx.now();
    this.ctx.store.recordFailure(key, now.toISOString(), new Date(now.getTime() - ATTEMPT_WINDOW_MS).toISOString());
  }

  // ---- PIN redemption -------------------------------------------------------------------------------

  /** The unredeemed, unexpired enrollment whose PIN and date of birth both match, if any. */
  private async matchingEnrollment(dateOfBirth: string, pin: string): Promise<EnrollmentRow | null> {
    for (const enrollment of this.ctx.store.redeemableEnrollments(dateOfBirth, this.ctx.now().toISOString())) {
      if (await verifyPin(pin, enrollment.pin_hash)) return enrollment;
    }
    return null;
  }

  /** Runs a redemption in one transaction; 'raced' when another request redeemed the PIN first. */
  private redeemInTransaction<T>(work: () => T): T | 'raced' {
    try {
      return this.ctx.store.transaction(work);
    } catch (error) {
      if (error instanceof PinAlreadyRedeemed) return 'raced';
      throw error;
    }
  }

  private childName(patientId: string): string {
    const patient = this.ctx.store.patientName(patientId);
    return patient ? `${patient.firstName} ${patient.lastName}`.trim() : 'This child';
  }

  // ---- pages ------------------------------------------------------------------------------------------

  private async register(req: IncomingMessage): Promise<Answer> {
    const form = await readForm(req);
    if (!form) return htmlAnswer(413, registerPage({ error: 'That form was too large. Please try again.' }));
    const email = (form.get('email') ?? '').trim().toLowerCase();
    const password = form.get('password') ?? '';
    const typedDob = form.get('dateOfBirth') ?? '';
    const again = (status: number, error: string) => htmlAnswer(status, registerPage({ email, dateOfBirth: typedDob, error }));

    if (!EMAIL.test(email) || email.length > 254) return again(400, 'Enter your email address, like name@example.com.');
    if (password.length < 8 || password.length > 200) return again(400, 'Choose a password of at least 8 characters.');
    const dateOfBirth = parseDateOfBirth(typedDob);
    if (!dateOfBirth) return again(400, "Enter your child's date of birth as MM/DD/YYYY.");
    const pin = normalizePin(form.get('pin') ?? '');
    if (!pin) return again(400, 'Check the PIN: it has 9 letters and numbers, for example K7Q-M3X-PAZ.');

    const attemptsKey = `register:${req.socket.remoteAddress ?? '?'}:${email}`;
    if (this.tooManyFailures(attemptsKey)) return again(429, TOO_MANY_ATTEMPTS);
    if (this.ctx.store.accountByEmail(email)) {
      return again(400, 'An account with this email already exists. Sign in, then use My Account > Add child/dependent.');
    }
    const enrollment = await this.matchingEnrollment(dateOfBirth, pin);
    if (!enrollment) {
      this.recordFailure(attemptsKey);
      return again(400, PIN_DOB_MISMATCH);
    }
    if (this.ctx.store.accountOfPatient(enrollment.patient_id)) {
      return again(400, `${this.childName(enrollment.patient_id)} is already on a portal account. Please call the practice for help.`);
    }
    const passwordHash = await hashPassword(password);

    const nowIso = this.ctx.now().toISOString();
    const accountId = this.redeemInTransaction(() => {
      // Re-checked inside the transaction: another request may have used the email or PIN meanwhile.
      if (this.ctx.store.accountByEmail(email)) return null;
      const id = this.ctx.store.insertAccount(email, passwordHash, nowIso, enrollment.account_owner_contact_id);
      if (!this.ctx.store.redeem(enrollment.id, id, nowIso)) throw new PinAlreadyRedeemed();
      this.ctx.store.addChild(id, enrollment.patient_id);
      this.ctx.store.markPortalLinked(enrollment.patient_id, enrollment.account_owner_contact_id, nowIso);
      return id;
    });
    if (accountId === 'raced') return again(400, PIN_DOB_MISMATCH);
    if (accountId === null) return again(400, 'An account with this email already exists. Sign in, then use My Account > Add child/dependent.');
    const cookie = this.startSession(accountId, { welcome: true, notice: `${this.childName(enrollment.patient_id)} is on your account.` });
    return redirect('/account', { 'set-cookie': cookie });
  }

  private async signIn(req: IncomingMessage): Promise<Answer> {
    const form = await readForm(req);
    if (!form) return htmlAnswer(413, signInPage({ error: 'That form was too large. Please try again.' }));
    const email = (form.get('email') ?? '').trim().toLowerCase();
    const password = form.get('password') ?? '';
    const attemptsKey = `signin:${req.socket.remoteAddress ?? '?'}:${email}`;
    if (this.tooManyFailures(attemptsKey)) return htmlAnswer(429, signInPage({ email, error: TOO_MANY_ATTEMPTS }));
    const account = this.ctx.store.accountByEmail(email);
    const ok = await verifyPassword(password, account?.password_hash ?? (await this.decoyHash));
    if (!account || !ok) {
      this.recordFailure(attemptsKey);
      return htmlAnswer(400, signInPage({ email, error: 'That email and password do not match an account.' }));
    }
    return redirect('/account', { 'set-cookie': this.startSession(account.id) });
  }

  private account(session: Session): Answer {
    const account = this.ctx.store.accountById(session.accountId)!;
    const flash = session.flash;
    session.flash = undefined;
    return htmlAnswer(
      200,
      accountPage({ email: account.email, children: this.ctx.store.childrenOf(account.id), welcome: flash?.welcome === true, notice: flash?.notice }),
    );
  }

  // ---- Set Up My Account (Bulk PIN campaign) ---------------------------------------------------------

  /** The link behind a token, or the page refusing it: unknown, used, or past its 14 days. */
  private setupLink(token: string): { ok: true; link: SetupLinkRow } | { ok: false; answer: Answer } {
    const link = /^[A-Za-z0-9_-]{16,128}$/.test(token) ? this.ctx.store.setupLinkByHash(createHash('sha256').update(token, 'utf8').digest('hex')) : null;
    if (!link) return { ok: false, answer: htmlAnswer(404, setupRefusedPage('This link is not valid', SETUP_LINK_INVALID)) };
    if (link.used_at) return { ok: false, answer: htmlAnswer(410, setupRefusedPage('This link was already used', SETUP_LINK_USED)) };
    if (this.ctx.now().getTime() >= Date.parse(link.expires_at)) {
      return { ok: false, answer: htmlAnswer(410, setupRefusedPage('This link has expired', SETUP_LINK_EXPIRED)) };
    }
    return { ok: true, link };
  }

  private linkChildren(link: SetupLinkRow) {
    return (JSON.parse(link.patient_ids) as string[]).map((id) => {
      const p = this.ctx.store.patientName(id);
      return { id, firstName: p?.firstName ?? 'Child', lastName: p?.lastName ?? '', dateOfBirth: p?.dateOfBirth ?? null };
    });
  }

  private setupForm(token: string): Answer {
    const found = this.setupLink(token);
    if (!found.ok) return found.answer;
    const { link } = found;
    return htmlAnswer(
      200,
      setupPage({
        token,
        children: this.linkChildren(link),
        email: this.ctx.store.contactEmail(link.contact_id) ?? '',
        expiresOn: link.expires_at.slice(0, 10),
      }),
    );
  }

  /** Creates the account and links every child of the link to it, in one transaction. */
  private async setUpAccount(req: IncomingMessage): Promise<Answer> {
    const form = await readForm(req);
    if (!form) return htmlAnswer(413, setupRefusedPage('Something went wrong', 'That form was too large. Please open the link from your email again.'));
    const token = form.get('token') ?? '';
    const found = this.setupLink(token);
    if (!found.ok) return found.answer;
    const { link } = found;
    const email = (form.get('email') ?? '').trim().toLowerCase();
    const password = form.get('password') ?? '';
    const children = this.linkChildren(link);
    const again = (status: number, error: string) => htmlAnswer(status, setupPage({ token, children, email, expiresOn: link.expires_at.slice(0, 10), error }));
    if (!EMAIL.test(email) || email.length > 254) return again(400, 'Enter your email address, like name@example.com.');
    if (password.length < 8 || password.length > 200) return again(400, 'Choose a password of at least 8 characters.');
    if (this.ctx.store.accountByEmail(email)) {
      return again(400, 'An account with this email already exists. Sign in, then contact the practice to add your children to it.');
    }
    const passwordHash = await hashPassword(password);
    const nowIso = this.ctx.now().toISOString();
    let outcome: { accountId: string; added: string[]; elsewhere: string[] } | null | 'raced';
    try {
      outcome = this.ctx.store.transaction(() => {
        if (this.ctx.store.accountByEmail(email)) return null;
        const accountId = this.ctx.store.insertAccount(email, passwordHash, nowIso, link.contact_id);
        if (!this.ctx.store.useSetupLink(link.id, accountId, nowIso)) throw new SetupLinkAlreadyUsed();
        const added: string[] = [];
        const elsewhere: string[] = [];
        for (const child of children) {
          const name = `${child.firstName} ${child.lastName}`.trim();
          // A child already on another account stays there: the practice sorts that out.
          if (this.ctx.store.accountOfPatient(child.id)) {
            elsewhere.push(name);
            continue;
          }
          this.ctx.store.addChild(accountId, child.id);
          this.ctx.store.markPortalLinked(child.id, link.contact_id, nowIso);
          added.push(name);
        }
        return { accountId, added, elsewhere };
      });
    } catch (error) {
      if (!(error instanceof SetupLinkAlreadyUsed)) throw error;
      outcome = 'raced';
    }
    if (outcome === 'raced') return htmlAnswer(410, setupRefusedPage('This link was already used', SETUP_LINK_USED));
    if (outcome === null) return again(400, 'An account with this email already exists. Sign in, then contact the practice to add your children to it.');
    const notice =
      (outcome.added.length > 0 ? `${outcome.added.join(', ')} ${outcome.added.length === 1 ? 'is' : 'are'} on your account.` : 'Your account is ready.') +
      (outcome.elsewhere.length > 0 ? ` ${outcome.elsewhere.join(', ')} already had a portal account: please contact the practice.` : '');
    return redirect('/account', { 'set-cookie': this.startSession(outcome.accountId, { notice }) });
  }

  private async addChild(req: IncomingMessage, session: Session): Promise<Answer> {
    const form = await readForm(req);
    if (!form) return htmlAnswer(413, addChildPage({ error: 'That form was too large. Please try again.' }));
    const typedDob = form.get('dateOfBirth') ?? '';
    const again = (status: number, error: string) => htmlAnswer(status, addChildPage({ dateOfBirth: typedDob, error }));
    const dateOfBirth = parseDateOfBirth(typedDob);
    if (!dateOfBirth) return again(400, "Enter your child's date of birth as MM/DD/YYYY.");
    const pin = normalizePin(form.get('pin') ?? '');
    if (!pin) return again(400, 'Check the PIN: it has 9 letters and numbers, for example K7Q-M3X-PAZ.');

    const attemptsKey = `account:${session.accountId}`;
    if (this.tooManyFailures(attemptsKey)) return again(429, TOO_MANY_ATTEMPTS);
    const enrollment = await this.matchingEnrollment(dateOfBirth, pin);
    if (!enrollment) {
      this.recordFailure(attemptsKey);
      return again(400, PIN_DOB_MISMATCH);
    }
    const name = this.childName(enrollment.patient_id);
    const owner = this.ctx.store.accountOfPatient(enrollment.patient_id);
    if (owner === session.accountId) return again(400, `${name} is already on your account.`);
    if (owner) return again(400, `${name} is already on another portal account. Please call the practice for help.`);

    const nowIso = this.ctx.now().toISOString();
    const added = this.redeemInTransaction(() => {
      if (!this.ctx.store.redeem(enrollment.id, session.accountId, nowIso)) throw new PinAlreadyRedeemed();
      this.ctx.store.addChild(session.accountId, enrollment.patient_id);
      this.ctx.store.markPortalLinked(enrollment.patient_id, null, nowIso);
      return true as const;
    });
    if (added === 'raced') return again(400, PIN_DOB_MISMATCH);
    session.flash = { notice: `${name} is now on your account.` };
    return redirect('/account');
  }
}

/** Thrown inside a transaction when another request used the same setup link first. */
class SetupLinkAlreadyUsed extends Error {}

/** Thrown inside a transaction when another request redeemed the same PIN first. */
class PinAlreadyRedeemed extends Error {}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  try {
    return new URLSearchParams(await readBody(req, MAX_FORM_BYTES));
  } catch (error) {
    if (error instanceof BodyTooLargeError) return null;
    throw error;
  }
}
