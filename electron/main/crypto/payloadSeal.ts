import type BetterSqlite3 from 'better-sqlite3';
import { isSealed, type DataCipher } from './envelope';

/**
 * Outbox payloads stay JSON (so their routing fields remain queryable), but the named secret
 * fields inside them are sealed: the plain PIN of an enrollment or Welcome email, and the token
 * of a campaign email. Readers open them just before use.
 */
export const SEALED_PAYLOAD_FIELDS = ['pin', 'token'] as const;

const purposeOf = (field: string) => `outbox:${field}`;

/** What sealing needs: the data key's cipher, made by createApp (secrets/dataProtection.ts) and kept on the context. */
export interface Sealing {
  cipher: DataCipher;
}

function sealFields(cipher: DataCipher, payload: Record<string, unknown>): Record<string, unknown> {
  const sealed = { ...payload };
  for (const field of SEALED_PAYLOAD_FIELDS) {
    const value = sealed[field];
    if (typeof value === 'string' && !isSealed(value)) sealed[field] = cipher.seal(value, purposeOf(field));
  }
  return sealed;
}

/** The JSON text to store in outbox.payload, with its secret fields sealed. */
export function sealPayload(ctx: Sealing, payload: object): string {
  return JSON.stringify(sealFields(ctx.cipher, payload as Record<string, unknown>));
}

/** A stored payload with its secret fields opened, for delivery or for the printed packet. */
export function openPayload<T = Record<string, unknown>>(ctx: Sealing, text: string): T {
  const { cipher } = ctx;
  const payload = JSON.parse(text) as Record<string, unknown>;
  for (const field of SEALED_PAYLOAD_FIELDS) {
    const value = payload[field];
    if (isSealed(value)) payload[field] = cipher.open(value, purposeOf(field));
  }
  return payload as T;
}

/**
 * Seals, in place and in one transaction, every secret field a previous version left in plain
 * text. Returns how many rows changed.
 */
export function sealPlaintextPayloads(sqlite: BetterSqlite3.Database, cipher: DataCipher): number {
  const conditions = SEALED_PAYLOAD_FIELDS.map((f) => `json_type(payload, '$.${f}') = 'text'`).join(' OR ');
  // Synchronous better-sqlite3 at start-up, one transaction; json_type/json_valid have no Kysely operator.
  const candidates = sqlite.prepare(`SELECT id, payload FROM outbox WHERE json_valid(payload) AND (${conditions})`).all() as {
    id: string;
    payload: string;
  }[];
  const update = sqlite.prepare('UPDATE outbox SET payload = ? WHERE id = ?');
  let changed = 0;
  sqlite.transaction(() => {
    for (const row of candidates) {
      const payload = JSON.parse(row.payload) as Record<string, unknown>;
      if (SEALED_PAYLOAD_FIELDS.every((f) => typeof payload[f] !== 'string' || isSealed(payload[f]))) continue;
      update.run(JSON.stringify(sealFields(cipher, payload)), row.id);
      changed += 1;
    }
  })();
  return changed;
}
