/**
 * The audit log in plain words: action names and a one-line summary of an entry's details.
 * Used by main (list and CSV) so the screen and the file read the same.
 */
import { AUDIT_ACTIONS, type AuditAction } from './actions';

/** Every action in words; a Record over AuditAction, so an action without words does not compile. */
export const ACTION_LABELS: Record<AuditAction, string> = {
  sign_in: 'Signed in',
  sign_out: 'Signed out',
  sign_in_failed: 'Sign-in failed',
  lock: 'Workstation locked',
  unlock: 'Workstation unlocked',
  access_denied: 'Refused: not allowed',
  clerk_created: 'Clerk account created',
  clerk_changed: 'Clerk account changed',
  clock_confirmed: 'Clock confirmed right by an administrator',
  demo_seeded: 'Demo practice created',
  pin_issued: 'PIN issued',
  pin_printed: 'PIN printed',
  pin_reprinted: 'PIN reprinted',
  recipient_overridden: 'Email recipient changed',
  account_owner_chosen: 'Account owner chosen (no eligible Primary Contact)',
  pin_replaced: "Child's PIN replaced",
  welcome_resent: 'Welcome email sent again',
  name_corrected: 'Name corrected',
  setting_changed: 'Setting changed',
  pin_emailed: 'PIN emailed',
  welcome_became_add_child: 'Welcome email replaced by an add-child email',
  pin_revoked: 'PIN revoked by its replacement',
  delivery_parked: 'Delivery needs attention',
  delivery_retried: 'Delivery retried',
  delivery_edited: 'Email address edited and retried',
  delivery_dismissed: 'Delivery dismissed',
  secret_changed: 'Password or token changed',
  name_conflict: 'Name conflict with the practice system',
  bulk_checklist_answered: 'Bulk PIN checklist answered',
  contact_fixed: 'Contact fixed',
  bulk_exported: 'Bulk PIN file exported',
  import_applied: 'Practice data imported',
  import_stopped: 'Practice data import stopped part-way (cancelled or a problem)',
  campaign_started: 'Bulk PIN campaign started',
  campaign_paused: 'Bulk PIN campaign paused',
  campaign_resumed: 'Bulk PIN campaign resumed',
  audit_exported: 'Audit log exported',
  audit_verification_failed: 'Audit log check failed',
  desk_journal_set_aside: "The desk's journal failed its check at start and was set aside",
};

/** "pin_printed" → "PIN printed"; an action this version has no words for reads "Some new action". */
export function auditActionLabel(action: string): string {
  if (isAuditAction(action)) return ACTION_LABELS[action];
  const words = action.replace(/_/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : action;
}

function isAuditAction(action: string): action is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(action);
}

/** Keys whose values are never shown, whatever a writer put there (details must not hold secrets anyway). */
const HIDDEN_KEY = /^(pin|pins|plainpin|password|passwordhash|token|secretvalue|value)$/i;

const MAX_SUMMARY = 400;
const MAX_VALUE = 120;

/** "outboxId" → "outbox id", "firstName" → "first name". */
function keyWords(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase()
    .replace(/\bid\b/g, 'id');
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function valueWords(value: unknown, depth: number): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return value.toLocaleString('en-US');
  if (typeof value === 'string') return value === '' ? '(empty)' : `"${clip(value, MAX_VALUE)}"`;
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none';
    if (depth > 0 || value.some((v) => typeof v === 'object' && v !== null)) return `${value.length} item${value.length === 1 ? '' : 's'}`;
    return value.map((v) => valueWords(v, depth + 1)).join(', ');
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    // Names read as a name: {firstName, lastName} → "Ana Lopez".
    const names = value as { firstName?: unknown; lastName?: unknown };
    if (entries.length === 2 && typeof names.firstName === 'string' && typeof names.lastName === 'string') {
      return `"${clip(`${names.firstName} ${names.lastName}`, MAX_VALUE)}"`;
    }
    if (depth > 0) return `${entries.length} value${entries.length === 1 ? '' : 's'}`;
    return `(${entries.map(([k, v]) => pair(k, v, depth + 1)).join(', ')})`;
  }
  return 'a value';
}

function pair(key: string, value: unknown, depth: number): string {
  return `${keyWords(key)}: ${HIDDEN_KEY.test(key) ? '(hidden)' : valueWords(value, depth)}`;
}

/**
 * One line for people: `{"setting":"timeZone","from":"","to":"America/Chicago"}` reads
 * `setting: "timeZone"; from: (empty); to: "America/Chicago"`. Unreadable details say so.
 */
export function summarizeAuditDetails(detailsJson: string): string {
  let details: unknown;
  try {
    details = JSON.parse(detailsJson);
  } catch {
    return '(details unreadable)';
  }
  if (details === null || typeof details !== 'object' || Array.isArray(details)) return clip(valueWords(details, 1), MAX_SUMMARY);
  const entries = Object.entries(details as Record<string, unknown>);
  if (entries.length === 0) return '';
  return clip(entries.map(([k, v]) => pair(k, v, 0)).join('; '), MAX_SUMMARY);
}
