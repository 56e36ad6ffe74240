import type { Authority } from '../domain/patient';

/**
 * Relationship codes a US Core server sends on RelatedPerson.relationship and
 * Patient.contact.relationship, and the words the desk shows (the Relationship column).
 *
 * - v3 RoleCode (http://terminology.hl7.org/CodeSystem/v3-RoleCode): the family roles.
 * - v2 table 0131 (http://terminology.hl7.org/CodeSystem/v2-0131): contact roles (N next of kin,
 *   C emergency contact...), which say nothing about custody.
 *
 * `role` decides the defaults when the server carries no Authority extension: a parent or a
 * legal guardian gets Joint (custody is presumed, and the administrator is asked to confirm),
 * anyone else gets no authority (empty). `rank` orders a patient's contacts when no Sort
 * extension exists: parents and guardians first.
 */

export const V3_ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
export const V2_0131 = 'http://terminology.hl7.org/CodeSystem/v2-0131';

export const RELATIONSHIP_ROLES = ['parent', 'guardian', 'family', 'other'] as const;
export type RelationshipRole = (typeof RELATIONSHIP_ROLES)[number];

export interface RelationshipCode {
  system: string;
  code: string;
  words: string;
  role: RelationshipRole;
}

const v3 = (code: string, words: string, role: RelationshipRole): RelationshipCode => ({ system: V3_ROLE_CODE, code, words, role });
const v2 = (code: string, words: string): RelationshipCode => ({ system: V2_0131, code, words, role: 'other' });

/** The first code of a word is the one the reverse mapping writes for it. */
export const RELATIONSHIP_CODES: readonly RelationshipCode[] = [
  v3('MTH', 'Mother', 'parent'),
  v3('FTH', 'Father', 'parent'),
  v3('PRN', 'Parent', 'parent'),
  v3('NMTH', 'Mother', 'parent'),
  v3('NFTH', 'Father', 'parent'),
  v3('NPRN', 'Parent', 'parent'),
  v3('ADOPTMTH', 'Adoptive mother', 'parent'),
  v3('ADOPTFTH', 'Adoptive father', 'parent'),
  v3('ADOPTP', 'Adoptive parent', 'parent'),
  v3('GUARD', 'Guardian', 'guardian'),
  v3('GRMTH', 'Grandmother', 'family'),
  v3('GRFTH', 'Grandfather', 'family'),
  v3('GRPRN', 'Grandparent', 'family'),
  v3('STPMTH', 'Stepmother', 'family'),
  v3('STPFTH', 'Stepfather', 'family'),
  v3('STPPRN', 'Stepparent', 'family'),
  v3('FTHINLAW', 'Father-in-law', 'family'),
  v3('AUNT', 'Aunt', 'family'),
  v3('UNCLE', 'Uncle', 'family'),
  v3('SIB', 'Sibling', 'family'),
  v3('SIS', 'Sister', 'family'),
  v3('BRO', 'Brother', 'family'),
  v3('FAMMEMB', 'Family member', 'family'),
  v3('FRND', 'Friend', 'other'),
  v3('NBOR', 'Neighbor', 'other'),
  v3('ONESELF', 'Self', 'other'),
  v2('N', 'Next of kin'),
  v2('C', 'Emergency contact'),
  v2('E', 'Employer'),
  v2('O', 'Other'),
  v2('U', 'Unknown'),
];

const byCode = new Map(RELATIONSHIP_CODES.map((r) => [`${r.system}|${r.code}`, r]));
const byWords = new Map<string, RelationshipCode>();
for (const r of RELATIONSHIP_CODES) if (!byWords.has(r.words.toLowerCase())) byWords.set(r.words.toLowerCase(), r);

/** A code of a known system (or a bare code of either system), else undefined. */
export function relationshipOfCode(system: string | undefined, code: string): RelationshipCode | undefined {
  if (system) return byCode.get(`${system}|${code}`);
  return byCode.get(`${V3_ROLE_CODE}|${code}`) ?? byCode.get(`${V2_0131}|${code}`);
}

/** The code the reverse mapping writes for the desk's words ("Mother" → v3 MTH), else undefined. */
export function relationshipOfWords(words: string): RelationshipCode | undefined {
  return byWords.get(words.trim().toLowerCase());
}

/** The role of the desk's words, for words the practice typed itself ("Legal guardian"). */
export function roleOfWords(words: string): RelationshipRole {
  const known = relationshipOfWords(words);
  if (known) return known.role;
  const w = words.toLowerCase();
  if (/guardian/.test(w)) return 'guardian';
  if (/^(mother|father|parent|mom|dad)\b/.test(w)) return 'parent';
  return w === '' ? 'other' : 'family';
}

/** The Authority assumed without the practice's extension: parents and legal guardians Joint, others none. */
export function defaultAuthority(role: RelationshipRole): Authority | null {
  return role === 'parent' || role === 'guardian' ? 'Joint' : null;
}

/** Without a Sort extension: parents and guardians before other family, before anyone else. */
export const ROLE_RANK: Record<RelationshipRole, number> = { parent: 0, guardian: 0, family: 1, other: 2 };
