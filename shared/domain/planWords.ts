import type { PlanChild } from './planTypes';

// How the plan's messages name people: pronouns from the relationship, lists of first names.

const FEMININE = new Set(['mother', 'grandmother', 'stepmother', 'aunt', 'sister']);
const MASCULINE = new Set(['father', 'grandfather', 'stepfather', 'uncle', 'brother']);

export function pronouns(relationship: string): { subject: string; object: string; plural: boolean } {
  // "Step-Mother", "step mother" and "STEPMOTHER" are the same relationship.
  const key = relationship.toLowerCase().replace(/[^a-z]/g, '');
  if (FEMININE.has(key)) return { subject: 'she', object: 'her', plural: false };
  if (MASCULINE.has(key)) return { subject: 'he', object: 'him', plural: false };
  return { subject: 'they', object: 'them', plural: true };
}

/** "Ana", "Ana and Luis", "Ana, Luis and Sofia". */
export function listNames(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

export function firstNames(children: readonly PlanChild[]): string {
  return listNames(children.map((c) => c.firstName.trim()));
}

export function pinsFor(children: readonly PlanChild[]): string {
  const names = firstNames(children);
  return children.length === 1 ? `The PIN for ${names} is` : `PINs for ${names} are`;
}

export function possessive(name: string): string {
  return `${name}'s`;
}

export function withoutFinalStop(text: string): string {
  return text.replace(/[.\s]+$/, '');
}
