/**
 * The campaign's outbox payloads are typed and written in outbox/payloads.ts (newOutboxRow). The
 * link token lives (sealed) in the `token` field of an undelivered email row, nowhere else.
 */

/** The email payload without its token (null when it has none or cannot be read). */
export function withoutToken(text: string): string | null {
  try {
    const payload = JSON.parse(text) as Record<string, unknown>;
    if (payload.token === undefined) return null;
    delete payload.token;
    return JSON.stringify(payload);
  } catch {
    return null;
  }
}
