import type { Authority } from './patient';

/** One Family Contact as linked to one patient (the fields are per patient, not per person). */
export interface ContactLink {
  contactId: string;
  sort: number | null;
  relationship: string;
  authority: Authority | null;
  residesWith: boolean;
  /** The "Portal" column staff often tick. It has no bearing on portal access: never read it here. */
  portalFlag: boolean;
}

/** Joint or Exclusive authority, or living with the child: who may hold the child's portal access. */
export function hasAccessRight(link: Pick<ContactLink, 'authority' | 'residesWith'>): boolean {
  return link.authority === 'Joint' || link.authority === 'Exclusive' || link.residesWith;
}

/**
 * Seed rule: the Eligible Primary Contact is the Family Contact with Sort 1 who has Joint or
 * Exclusive authority or resides with the patient. Only Sort 1 counts; the Portal column never does.
 * When the chart (wrongly) has several Sort-1 contacts, the first eligible one by contact id wins
 * so the answer does not depend on row order.
 */
export function eligiblePrimaryContact<T extends ContactLink>(links: readonly T[]): T | null {
  return byContactId(links.filter((l) => l.sort === 1 && hasAccessRight(l)))[0] ?? null;
}

/** The Sort-1 contact whether or not it is eligible (the data-quality view needs it). */
export function primaryContactLink<T extends ContactLink>(links: readonly T[]): T | null {
  return eligiblePrimaryContact(links) ?? byContactId(links.filter((l) => l.sort === 1))[0] ?? null;
}

function byContactId<T extends ContactLink>(links: T[]): T[] {
  return links.sort((a, b) => (a.contactId < b.contactId ? -1 : a.contactId > b.contactId ? 1 : 0));
}
