import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';

export type AuditAction =
  | 'sign_in'
  | 'sign_out'
  | 'demo_seeded'
  | 'pin_issued'
  | 'pin_printed'
  | 'pin_reprinted'
  | 'recipient_overridden'
  | 'name_corrected'
  | 'setting_changed'
  | 'pin_emailed'
  | 'delivery_parked'
  | 'delivery_retried'
  | 'delivery_edited'
  | 'delivery_dismissed'
  | 'secret_changed'
  | 'name_conflict'
  | 'bulk_checklist_answered'
  | 'contact_fixed'
  | 'bulk_exported'
  | 'import_applied';

export interface AuditEntry {
  action: AuditAction;
  clerkId: string | null;
  workstation: string;
  patientId?: string | null;
  /** What changed. Never a PIN. */
  details?: Record<string, unknown>;
  at: Date;
}

/** Appends rows to the append-only audit log (one statement), inside the caller's transaction when given. */
export async function appendAudit(db: Kysely<Database> | Transaction<Database>, entries: AuditEntry | AuditEntry[]): Promise<void> {
  const list = Array.isArray(entries) ? entries : [entries];
  if (list.length === 0) return;
  await db
    .insertInto('audit_log')
    .values(
      list.map((entry) => ({
        at: entry.at.toISOString(),
        clerk_id: entry.clerkId,
        workstation: entry.workstation,
        action: entry.action,
        patient_id: entry.patientId ?? null,
        details: JSON.stringify(entry.details ?? {}),
      })),
    )
    .execute();
}
