/**
 * The campaign's two outbox kinds and their payloads. Payloads are JSON with their secret field
 * sealed like the Welcome email's PIN, written and read in these two functions only. The link
 * token lives (sealed) in the `token` field of an undelivered email row, nowhere else.
 */
import type { AppContext } from '../context';
import { openPayload, sealPayload } from '../crypto/payloadSeal';

export const SETUP_LINK_KIND = 'portal.setup_link';
export const SETUP_EMAIL_KIND = 'email.setup_link';

export interface SetupLinkPayload {
  campaignId: string;
  tokenHash: string;
  contactId: string;
  patientIds: string[];
  issuedAt: string;
  expiresAt: string;
}

export interface SetupEmailPayload {
  campaignId: string;
  /** The plain link token: removed once the email is delivered or dismissed. */
  token?: string;
  to: string;
  recipientContactId: string;
  recipientName: string;
  childFirstNames: string[];
  expiresAt: string;
}

/** The stored text: the token sealed with the data key like a PIN (crypto/payloadSeal.ts). */
export function writePayload(ctx: AppContext, payload: SetupLinkPayload | SetupEmailPayload): string {
  return sealPayload(ctx, payload);
}

export function readPayload<T>(ctx: AppContext, text: string): T {
  return openPayload<T>(ctx, text);
}

/** The email payload without its token (null when it has none or cannot be read). */
export function withoutToken(text: string): string | null {
  try {
    const payload = JSON.parse(text) as Record<string, unknown>;
    if (payload['token'] === undefined) return null;
    delete payload['token'];
    return JSON.stringify(payload);
  } catch {
    return null;
  }
}
