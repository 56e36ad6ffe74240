import { formatUsDate, localDateIn } from './dates';

/**
 * Where each child and each guardian stand with the portal (issue 10): one derivation from the
 * facts main holds (this desk's `pins` and outbox, and what the practice system reports from every
 * desk), read by the review, the plan, the family page and the check-in list. Pure.
 */

export type PinStatus = 'issued' | 'redeemed' | 'revoked';

/** One PIN of a child, from this desk or another. */
export interface PinFact {
  pinId: string;
  /** This desk's batch (for a reprint); null for another desk's PIN. */
  batchId: string | null;
  issuedAt: string;
  expiresAt: string;
  /** The issuing clerk's display name. */
  issuedBy: string;
  workstation: string;
  delivery: 'email' | 'print';
  status: PinStatus;
  /** The portal has it (so it can be redeemed now). */
  registered: boolean;
  /** The plain PIN is still held here, so its packet can be printed again. */
  reprintable: boolean;
  thisDesk: boolean;
}

export type ChildEnrollmentState = 'none' | 'issued' | 'registered' | 'redeemed' | 'expired' | 'replaced';

export interface ChildEnrollment {
  state: ChildEnrollmentState;
  /** The newest unredeemed, unexpired PIN: the child is not given another by default. */
  heldPin: PinFact | null;
  /** When the newest PIN of any status was issued. */
  lastIssuedAt: string | null;
}

const STATUS_RANK: Record<PinStatus, number> = { issued: 0, redeemed: 1, revoked: 1 };

/**
 * Local and reported facts of the same PIN merged: this desk's row wins for what only it knows
 * (batch, reprint), the status only moves forward (issued -> redeemed | revoked).
 */
export function mergePinFacts(local: readonly PinFact[], reported: readonly PinFact[]): PinFact[] {
  const byId = new Map(local.map((p) => [p.pinId, p]));
  for (const r of reported) {
    const mine = byId.get(r.pinId);
    if (!mine) byId.set(r.pinId, r);
    else if (STATUS_RANK[r.status] > STATUS_RANK[mine.status]) byId.set(r.pinId, { ...mine, status: r.status, registered: true, reprintable: false });
    else if (!mine.registered) byId.set(r.pinId, { ...mine, registered: true });
  }
  // Newest first; the same instant by id, so every desk orders them alike.
  return [...byId.values()].sort((a, b) => (a.issuedAt === b.issuedAt ? (a.pinId < b.pinId ? -1 : 1) : a.issuedAt < b.issuedAt ? 1 : -1));
}

export function childEnrollment(pins: readonly PinFact[], portalLinked: boolean, nowIso: string): ChildEnrollment {
  const newest = pins[0] ?? null;
  const lastIssuedAt = newest?.issuedAt ?? null;
  if (portalLinked || pins.some((p) => p.status === 'redeemed')) return { state: 'redeemed', heldPin: null, lastIssuedAt };
  const held = pins.find((p) => p.status === 'issued' && p.expiresAt > nowIso) ?? null;
  if (held) return { state: held.registered ? 'registered' : 'issued', heldPin: held, lastIssuedAt };
  if (newest === null) return { state: 'none', heldPin: null, lastIssuedAt };
  return { state: newest.status === 'revoked' ? 'replaced' : 'expired', heldPin: null, lastIssuedAt };
}

export type WelcomeState = 'none' | 'queued' | 'sent';

export interface GuardianEnrollment {
  /** A Welcome email queued or sent by any desk, within PIN validity. */
  welcome: WelcomeState;
  welcomeAt: string | null;
  /** The desk that queued it (another desk's, when the practice system reported it). */
  welcomeWorkstation: string | null;
  hasAccount: boolean;
}

export interface GuardianFacts {
  /** This desk's Welcome emails to the guardian (not dismissed). */
  localWelcomes: readonly { createdAt: string; delivered: boolean; workstation: string }[];
  /** The practice system's record of the guardian's one Welcome email, from any desk. */
  reportedWelcome: { at: string; workstation: string | null } | null;
  hasAccount: boolean;
}

/** A Welcome email older than the PIN validity carried a PIN that has expired: it no longer stands. */
export function guardianEnrollment(facts: GuardianFacts, nowIso: string, pinValidityDays: number): GuardianEnrollment {
  const since = new Date(Date.parse(nowIso) - pinValidityDays * 86_400_000).toISOString();
  const local = facts.localWelcomes.filter((w) => w.createdAt >= since).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  const sent = local.find((w) => w.delivered);
  const reported = facts.reportedWelcome && facts.reportedWelcome.at >= since ? facts.reportedWelcome : null;
  if (sent) return { welcome: 'sent', welcomeAt: sent.createdAt, welcomeWorkstation: sent.workstation, hasAccount: facts.hasAccount };
  // Granted by the practice system means the email is on its way from the desk that asked.
  if (reported) return { welcome: 'sent', welcomeAt: reported.at, welcomeWorkstation: reported.workstation, hasAccount: facts.hasAccount };
  const queued = local[0];
  if (queued) return { welcome: 'queued', welcomeAt: queued.createdAt, welcomeWorkstation: queued.workstation, hasAccount: facts.hasAccount };
  return { welcome: 'none', welcomeAt: null, welcomeWorkstation: null, hasAccount: facts.hasAccount };
}

/** "12 minutes ago", "today at 10:42 AM", "on 12/01/2026 at 10:42 AM", in the practice's time zone. */
export function describeWhen(instantIso: string, now: Date, timeZone: string): string {
  const at = new Date(instantIso);
  const minutes = Math.floor((now.getTime() - at.getTime()) / 60_000);
  if (minutes >= 0 && minutes < 1) return 'just now';
  if (minutes >= 1 && minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const time = at.toLocaleTimeString('en-US', { timeZone, hour: 'numeric', minute: '2-digit' });
  const day = localDateIn(at, timeZone);
  return day === localDateIn(now, timeZone) ? `today at ${time}` : `on ${formatUsDate(day)} at ${time}`;
}

/** "12 minutes ago by Dana at DESK-1 (printed)". */
export function describeHeldPin(pin: PinFact, now: Date, timeZone: string): string {
  const how = pin.delivery === 'email' ? 'in the Welcome email' : 'printed';
  const desk = pin.thisDesk ? '' : ` at ${pin.workstation}`;
  return `${describeWhen(pin.issuedAt, now, timeZone)} by ${pin.issuedBy}${desk} (${how})`;
}
