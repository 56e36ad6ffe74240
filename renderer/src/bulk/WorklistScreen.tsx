import { useCallback, useEffect, useRef } from 'react';
import { QUALITY_PROBLEMS, type QualityProblem, type WorklistChild, type WorklistRow } from '../../../shared/bulk/api';
import { useRowNavigation } from '../components/useRowNavigation';
import { useNavigation } from '../app/navigation';
import { count, plural, PROBLEM_WORDS } from './bulkWords';
import { ContactFixForm } from './ContactFixForm';
import { pageKey, useWorklist, WORKLIST_PAGE_SIZE } from './worklistStore';
import './bulk.css';
import { ErrorNote } from '../components/ErrorNote';
import { FocusedScreenHeader } from '../components/FocusedScreenHeader';

function isQualityProblem(value: string): value is QualityProblem {
  return (QUALITY_PROBLEMS as readonly string[]).includes(value);
}

const domId = (row: WorklistRow) => `worklist-${row.key.replace(/[^A-Za-z0-9_-]/g, '_')}`;

function contactFacts(contact: NonNullable<WorklistRow['contact']>): string {
  return [
    contact.email ?? 'no email',
    contact.mobilePhone ? `mobile ${contact.mobilePhone}` : 'no mobile',
    contact.preferredReminder ? `reminders by ${contact.preferredReminder}` : 'no reminder method',
  ].join(' · ');
}

function linkFacts(child: WorklistChild): string {
  return `${child.authority ? `authority ${child.authority}` : 'authority empty'} · ${child.residesWith ? 'lives with them' : 'does not live with them'}`;
}

const childWord = (n: number) => (n === 1 ? '1 child' : `${count(n)} children`);

type RowProps = ReturnType<ReturnType<typeof useRowNavigation>['rowProps']>;

function WorklistItem(props: { row: WorklistRow; problem: QualityProblem | null; offset: number; onClosed(row: WorklistRow): void; rowProps: RowProps }) {
  const { row, problem, offset, onClosed, rowProps } = props;
  const editing = useWorklist((s) => s.editingKey === row.key);
  const busy = useWorklist((s) => s.savingKey !== null);
  const fixError = useWorklist((s) => (s.fixError?.key === row.key ? s.fixError.message : null));
  const edit = useWorklist((s) => s.edit);
  const base = domId(row);
  const contactName = row.contact ? `${row.contact.firstName} ${row.contact.lastName}`.trim() || '(no name)' : null;
  const only = row.children[0]!;
  const active = rowProps['data-active'] === 'true';

  return (
    <li
      className={`bulk-row${active ? ' active' : ''}`}
      aria-label={
        contactName
          ? `${contactName}, Primary Contact of ${childWord(row.children.length)}`
          : `${only.patientName}, chart ${only.chartNumber}, no Primary Contact`
      }
      {...rowProps}
    >
      {row.contact ? (
        <>
          <div className="bulk-row-head">
            <span className="bulk-row-patient">{contactName}</span>
            <span className="bulk-row-chart">Primary Contact of {childWord(row.children.length)}</span>
          </div>
          <p className="bulk-row-contact">
            <span className="bulk-row-facts">{contactFacts(row.contact)}</span>
          </p>
          <ul className="bulk-row-children" aria-label={`Children of ${contactName}`}>
            {row.children.map((child) => (
              <li key={child.patientId}>
                <span className="bulk-row-child">{child.patientName}</span> <span className="bulk-row-chart">Chart {child.chartNumber}</span>{' '}
                <span className="bulk-row-facts">· {linkFacts(child)}</span>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <>
          <div className="bulk-row-head">
            <span className="bulk-row-patient">{only.patientName}</span>
            <span className="bulk-row-chart">Chart {only.chartNumber}</span>
          </div>
          <p className="bulk-row-contact">
            <span className="bulk-row-label">Primary Contact:</span> none. Add a Family Contact with Sort 1 in the practice system.
          </p>
        </>
      )}
      <ul className="bulk-row-problems" aria-label="Problems">
        {row.problems.map((p) => (
          <li key={`${p.code}:${p.message}`}>{p.message || PROBLEM_WORDS[p.code]}</li>
        ))}
      </ul>
      {row.contactId && row.contact && !editing && (
        <button
          id={`${base}-fix`}
          type="button"
          className="bulk-row-fix"
          disabled={busy}
          aria-label={`Fix ${contactName}’s details (${childWord(row.children.length)})`}
          onClick={() => edit(row.key)}
        >
          Fix
        </button>
      )}
      {editing && (
        <ContactFixForm
          row={row}
          problem={problem}
          offset={offset}
          onClose={() => {
            edit(null);
            onClosed(row);
          }}
        />
      )}
      <ErrorNote message={fixError} lead="Not saved: " className="bulk-failed" />
    </li>
  );
}

/** The data-quality worklist: Primary Contacts with missing or likely-wrong details, 100 a page, each with an inline fix. */
export function WorklistScreen({ problem, offset }: { problem: QualityProblem | null; offset: number }) {
  const { shownFor, rows, total, children, loading, error, note, load, edit } = useWorklist();
  const replace = useNavigation((s) => s.replace);
  const noteRef = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    void load(problem, offset);
  }, [problem, offset, load]);

  const shown = shownFor === pageKey(problem, offset) ? rows : null;
  const listRef = useRef<HTMLUListElement>(null);
  // Enter on a guardian opens their Fix form (the one Fix for all their children).
  const openRow = useCallback(
    (row: WorklistRow) => {
      if (row.contactId && row.contact) edit(row.key);
    },
    [edit],
  );
  const { onKeyDown: onRowsKeyDown, rowProps } = useRowNavigation(shown ?? [], openRow, listRef);
  const show = (next: QualityProblem | null, nextOffset: number) =>
    replace(next ? { name: 'worklist', problem: next, offset: nextOffset } : { name: 'worklist', offset: nextOffset });

  // Fixes can empty the last page: step back to the last page that still has rows.
  const emptiedPage = shown !== null && shown.length === 0 && offset > 0 && !loading;
  useEffect(() => {
    if (!emptiedPage) return;
    const lastPage = Math.floor(Math.max(total - 1, 0) / WORKLIST_PAGE_SIZE) * WORKLIST_PAGE_SIZE;
    const back = Math.min(offset - WORKLIST_PAGE_SIZE, lastPage);
    replace(problem ? { name: 'worklist', problem, offset: Math.max(0, back) } : { name: 'worklist', offset: Math.max(0, back) });
  }, [emptiedPage, offset, problem, total, replace]);

  // After a fix the row may leave the list: the note saying what happened takes the focus.
  const lastNote = useRef<string | null>(null);
  useEffect(() => {
    if (note && note !== lastNote.current) noteRef.current?.focus();
    lastNote.current = note;
  }, [note]);

  // Closing a form without saving puts the focus back on its Fix button.
  const onClosed = (row: WorklistRow) => requestAnimationFrame(() => document.getElementById(`${domId(row)}-fix`)?.focus());

  const first = total === 0 ? 0 : offset + 1;
  const last = Math.min(offset + (shown?.length ?? 0), total);
  const filterWords = problem ? PROBLEM_WORDS[problem].toLowerCase() : null;

  return (
    <section className="screen bulk-screen" aria-labelledby="worklist-title">
      <FocusedScreenHeader id="worklist-title" title="Data-quality worklist">
        <p className="muted">
          One row per Primary Contact (Sort 1) of Active patients with a missing or likely-wrong detail, with their children, and one per patient with no
          Primary Contact. Fix opens the guardian’s details right here, once for all their children. ↑↓ to move between rows, Enter to fix, Esc goes back to
          Bulk PIN readiness.
        </p>
      </FocusedScreenHeader>
      <div className="bulk-toolbar">
        <label htmlFor="worklist-filter">Show rows with</label>
        <select id="worklist-filter" value={problem ?? ''} onChange={(event) => show(isQualityProblem(event.target.value) ? event.target.value : null, 0)}>
          <option value="">Any problem</option>
          {QUALITY_PROBLEMS.map((code) => (
            <option key={code} value={code}>
              {PROBLEM_WORDS[code]}
            </option>
          ))}
        </select>
        <span className="bulk-toolbar-count" aria-live="polite">
          {shown
            ? total === 0
              ? ''
              : `Rows ${count(first)}–${count(last)} of ${count(total)} (guardians, and patients with no Primary Contact) · ${childWord(children)}`
            : loading
              ? 'Loading…'
              : ''}
        </span>
      </div>
      <p ref={noteRef} role="status" tabIndex={-1} className="bulk-note">
        {note ?? ''}
      </p>
      <ErrorNote message={error} lead="Could not read the worklist: " />
      {shown && total === 0 && (
        <p className="empty">{filterWords ? `No guardians with “${filterWords}”.` : 'Nothing to fix: every Primary Contact has what Bulk PIN needs.'}</p>
      )}
      {shown && shown.length > 0 && (
        <ul ref={listRef} className="bulk-rows" aria-label={filterWords ? `Rows with ${filterWords}` : 'Rows to fix'} onKeyDown={onRowsKeyDown}>
          {shown.map((row, i) => (
            <WorklistItem key={row.key} row={row} problem={problem} offset={offset} onClosed={onClosed} rowProps={rowProps(i)} />
          ))}
        </ul>
      )}
      {shown && total > WORKLIST_PAGE_SIZE && (
        <nav className="bulk-pager" aria-label="Worklist pages">
          <button type="button" disabled={offset === 0 || loading} onClick={() => show(problem, Math.max(0, offset - WORKLIST_PAGE_SIZE))}>
            Previous {WORKLIST_PAGE_SIZE}
          </button>
          <span>
            Page {count(Math.floor(offset / WORKLIST_PAGE_SIZE) + 1)} of {count(Math.ceil(total / WORKLIST_PAGE_SIZE))} ({plural(total, 'row')},{' '}
            {childWord(children)})
          </span>
          <button type="button" disabled={offset + WORKLIST_PAGE_SIZE >= total || loading} onClick={() => show(problem, offset + WORKLIST_PAGE_SIZE)}>
            Next {WORKLIST_PAGE_SIZE}
          </button>
        </nav>
      )}
    </section>
  );
}
