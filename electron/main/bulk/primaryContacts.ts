import { contactProblems } from '../../../shared/domain/contactQuality';
import { checkMailbox } from '../../../shared/domain/email';
import type { Pacer } from '../lib/pacing';
import { LINK_BY_BITS, MAILBOX_NONE, MAILBOX_NOT_READ, MAILBOX_UNUSABLE, MAILBOX_USABLE, type MailboxClasses } from './passRows';
import type { ContactDetails, Readers } from './rowidReaders';
import { EmailKeys } from './emailKeys';

// The Primary Contacts read once for the pass AND the worklist (snapshot.ts with the worklist):
// each one's mailbox class (the pass) and whether it has problems of its own (the worklist), from
// one ordered walk of the contacts that primary_links names, instead of every contact's email for
// the pass and every contact's row again for the worklist.

/** Any link with access: a contact judged with it shows only problems of its own. */
export const WITH_ACCESS = LINK_BY_BITS[1]!;

/** The Sort-1 contacts' rowids in a range, in order (primary_links_contact, migration 016). */
const PRIMARY_ROWIDS = 'SELECT DISTINCT contact_rowid AS r FROM primary_links WHERE contact_rowid > ? AND contact_rowid <= ?';

export const JUDGED_CLEAN = 1;
export const JUDGED_WITH_PROBLEMS = 2;

export class PrimaryContacts implements MailboxClasses {
  /** By contact rowid: MAILBOX_* once read, MAILBOX_NOT_READ before (a contact the read did not see). */
  private readonly classes: Uint8Array;
  private readonly unusable = new Map<number, string>();
  /** By contact rowid: 0 not read, JUDGED_CLEAN (no problems of its own), JUDGED_WITH_PROBLEMS (kept in `details`). */
  private readonly judged: Uint8Array;
  /** The same for contacts newer than the pass (judged by the worklist). */
  private readonly judgedNewer = new Map<number, number>();
  /** The contacts with problems of their own, as read. */
  readonly details = new Map<number, ContactDetails>();
  /** Contacts by a hash of their email as the shared-email check compares it (emailKeys.ts). */
  private readonly emails: EmailKeys;
  /** Addresses held by several of these contacts (trim, lower case) and who holds them: known once `done` has run. */
  sharedKeys = new Map<string, number[]>();

  constructor(readonly maxContact: number) {
    this.classes = new Uint8Array(maxContact + 1).fill(MAILBOX_NOT_READ);
    this.judged = new Uint8Array(maxContact + 1);
    this.emails = new EmailKeys(maxContact);
  }

  classOf(crow: number): number {
    return crow >= 0 && crow < this.classes.length ? this.classes[crow]! : MAILBOX_NOT_READ;
  }

  unusableText(crow: number): string | null {
    return this.unusable.get(crow) ?? null;
  }

  /** 0 (not read), JUDGED_CLEAN or JUDGED_WITH_PROBLEMS. */
  judgedOf(crow: number): number {
    return crow >= 0 && crow <= this.maxContact ? this.judged[crow]! : (this.judgedNewer.get(crow) ?? 0);
  }

  /**
   * One contact as read: THE email rule for the pass, contactProblems for the worklist. A contact
   * newer than the pass has no class (the pass reads its rows again itself).
   */
  take(crow: number, c: ContactDetails): void {
    const problems = contactProblems(c, WITH_ACCESS).length > 0;
    if (problems) this.details.set(crow, c);
    const judged = problems ? JUDGED_WITH_PROBLEMS : JUDGED_CLEAN;
    if (crow >= 0 && crow <= this.maxContact) this.judged[crow] = judged;
    else this.judgedNewer.set(crow, judged);
    this.addEmail(crow, c.email);
    if (crow < 0 || crow > this.maxContact) return;
    if (c.email === null) {
      this.classes[crow] = MAILBOX_NONE;
    } else {
      const check = checkMailbox(c.email);
      if (check.ok) {
        this.classes[crow] = MAILBOX_USABLE;
      } else if (check.problem === 'missing') {
        this.classes[crow] = MAILBOX_NONE;
      } else {
        this.classes[crow] = MAILBOX_UNUSABLE;
        this.unusable.set(crow, c.email);
      }
    }
  }

  private addEmail(crow: number, raw: string | null): void {
    const email = raw?.trim().toLowerCase();
    if (email) this.emails.add(crow, email);
  }

  /**
   * The read is over (with the contacts judged after it): the addresses held by several contacts,
   * from the few contacts whose addresses' hashes met, read again.
   */
  async done(read: Readers, pacer: Pacer): Promise<void> {
    this.sharedKeys = await this.emails.shared(async (crows) => {
      const out = new Map<number, string>();
      for (const [crow, c] of await read.contacts(crows, pacer)) {
        const email = c.email?.trim().toLowerCase();
        if (email) out.set(crow, email);
      }
      return out;
    });
  }
}

/** Every Primary Contact (any patient's Sort-1 contact) read in one ordered walk and judged. */
export async function readPrimaryContacts(read: Readers, maxContact: number, pacer: Pacer): Promise<PrimaryContacts> {
  const primaries = new PrimaryContacts(maxContact);
  await read.contacts.scan(PRIMARY_ROWIDS, (crow, c) => primaries.take(crow, c), pacer);
  return primaries;
}
