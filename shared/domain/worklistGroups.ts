/**
 * The data-quality worklist by guardian (issue 12 item 8): the pass finds what is wrong per Active
 * patient; the administrator fixes a guardian once for all their children. Patients with no
 * Primary Contact stay rows of their own. Pure: the snapshot groups the whole list with it, the
 * inline fix groups one guardian's children with it.
 */
import type { QualityProblem, WorklistChild, WorklistProblem, WorklistRow } from './worklist';

/** One Active patient with something to fix, as the data-quality pass finds them. */
export interface WorklistEntry {
  patientId: string;
  patientName: string;
  chartNumber: string;
  /** The patient's Primary Contact, or null when they have none. */
  contactId: string | null;
  contact: WorklistRow['contact'];
  /** The Primary Contact's link to this patient. */
  authority: string | null;
  residesWith: boolean;
  problems: WorklistProblem[];
}

/**
 * Whom each problem is about. The guardian's own (name, email, mobile, reminder method) are the
 * same for every child of theirs and listed once; the others belong to one patient or one child's
 * link. Every code is placed here: a new problem code does not compile until it is.
 */
const ABOUT: Readonly<Record<QualityProblem, 'guardian' | 'child'>> = {
  no_primary_contact: 'child',
  missing_first_name: 'guardian',
  missing_last_name: 'guardian',
  missing_email: 'guardian',
  malformed_email: 'guardian',
  email_domain_typo: 'guardian',
  missing_mobile: 'guardian',
  invalid_mobile: 'guardian',
  no_authority_or_residence: 'child',
  authority_inferred: 'child',
  missing_reminder_method: 'guardian',
  shared_email: 'child',
};

export const isGuardianProblem = (code: QualityProblem): boolean => ABOUT[code] === 'guardian';

/** "Ana Lopez", "Ana Lopez and Luis Lopez", "Ana Lopez, Luis Lopez and Sofia Lopez". */
function names(children: readonly WorklistChild[]): string {
  const all = children.map((c) => c.patientName);
  return all.length <= 1 ? (all[0] ?? '') : `${all.slice(0, -1).join(', ')} and ${all.at(-1)}`;
}

/**
 * The row's problems, each once: the guardian's own first, then each child's (authority and
 * residence, a shared email), naming the children it concerns unless it concerns all of them.
 */
function rowProblems(guardian: readonly WorklistProblem[], children: readonly WorklistChild[]): WorklistProblem[] {
  const out = [...guardian];
  const byProblem = new Map<string, { problem: WorklistProblem; children: WorklistChild[] }>();
  for (const child of children) {
    for (const problem of child.problems) {
      const key = `${problem.code}\u001f${problem.message}`;
      const entry = byProblem.get(key);
      if (entry) entry.children.push(child);
      else byProblem.set(key, { problem, children: [child] });
    }
  }
  for (const { problem, children: concerned } of byProblem.values()) {
    out.push(concerned.length === children.length ? problem : { code: problem.code, message: `${names(concerned)}: ${problem.message}` });
  }
  return out;
}

/** A bit per problem code, for the codes a group already lists (no Set per guardian). */
const BIT: Readonly<Record<QualityProblem, number>> = Object.fromEntries(Object.keys(ABOUT).map((code, i) => [code, 1 << i])) as Record<QualityProblem, number>;

type Group = { row: WorklistRow; guardian: WorklistProblem[]; seen: number };

/**
 * Groups entries one at a time (the snapshot feeds it between pauses, so a 200,000-patient mirror
 * never holds the event loop): one row per Primary Contact, in the order each guardian first
 * appears, with their children in the order given; one row per patient without a Primary Contact.
 */
export class WorklistGrouping {
  private readonly groups: Group[] = [];
  private readonly byContact = new Map<string, Group>();

  add(entry: WorklistEntry): void {
    const child: WorklistChild = {
      patientId: entry.patientId,
      patientName: entry.patientName,
      chartNumber: entry.chartNumber,
      authority: entry.authority,
      residesWith: entry.residesWith,
      problems: entry.problems.filter((p) => !isGuardianProblem(p.code)),
    };
    if (entry.contactId === null) {
      this.groups.push({
        row: { key: `patient:${entry.patientId}`, contactId: null, contact: null, children: [child], problems: [] },
        guardian: [],
        seen: 0,
      });
      return;
    }
    let group = this.byContact.get(entry.contactId);
    if (!group) {
      group = {
        row: { key: `contact:${entry.contactId}`, contactId: entry.contactId, contact: entry.contact, children: [], problems: [] },
        guardian: [],
        seen: 0,
      };
      this.byContact.set(entry.contactId, group);
      this.groups.push(group);
    }
    group.row.children.push(child);
    for (const problem of entry.problems) {
      const bit = BIT[problem.code];
      if (!isGuardianProblem(problem.code) || (group.seen & bit) !== 0) continue;
      group.seen |= bit;
      group.guardian.push(problem);
    }
  }

  /** The rows, each with its problems put together, one at a time. */
  *rows(): Generator<WorklistRow> {
    // Written out (no spread): V8's slow path for a spread with more properties cost microseconds per row.
    for (const { row, guardian } of this.groups) {
      yield { key: row.key, contactId: row.contactId, contact: row.contact, children: row.children, problems: rowProblems(guardian, row.children) };
    }
  }
}

/** The whole list grouped at once (the inline fix's one guardian, tests). Linear. */
export function groupWorklistByGuardian(entries: readonly WorklistEntry[]): WorklistRow[] {
  const grouping = new WorklistGrouping();
  for (const entry of entries) grouping.add(entry);
  return [...grouping.rows()];
}

/** How many children the rows cover. */
export function worklistChildCount(rows: readonly WorklistRow[]): number {
  let n = 0;
  for (const row of rows) n += row.children.length;
  return n;
}
