import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useRowNavigation } from '../components/useRowNavigation';
import type { AuditFilter, AuditRowView, AuditVerification } from '../../../shared/audit/api';
import { AUDIT_PAGE_SIZE, useAudit } from './auditStore';
import './audit.css';
import { ErrorNote } from '../components/ErrorNote';
import { ColumnHeads } from '../components/ColumnHeads';

function formatWhen(iso: string): string {
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? iso : when.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'medium' });
}

const count = (n: number) => n.toLocaleString('en-US');

/** The filter form: edited freely, applied on submit (Enter in any field, or Apply). */
function Filters() {
  const { filter, options, apply } = useAudit();
  const [draft, setDraft] = useState<AuditFilter>(filter);
  // The form shows the filters in force, also when they were set from an entry (Enter on a row).
  useEffect(() => setDraft(filter), [filter]);
  const [problem, setProblem] = useState<string | null>(null);
  const set = (key: keyof AuditFilter, value: string) => {
    setProblem(null);
    setDraft((d) => ({ ...d, [key]: value === '' ? undefined : value }));
  };
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (draft.from && draft.to && draft.from > draft.to) {
      setProblem('The “From” date is after the “To” date. Swap them or clear one.');
      return;
    }
    void apply({ ...draft, patient: draft.patient?.trim() || undefined });
  };
  const clear = () => {
    setDraft({});
    setProblem(null);
    void apply({});
  };
  return (
    <form
      className="audit-filters"
      aria-label="Filter the audit log"
      onSubmit={onSubmit}
      noValidate
      onKeyDown={(event) => {
        // Enter applies from every field; a select does not submit on its own.
        if (event.key === 'Enter' && event.target instanceof HTMLSelectElement) {
          event.preventDefault();
          event.currentTarget.requestSubmit();
        }
      }}
    >
      <label>
        From
        <input type="date" value={draft.from ?? ''} onChange={(e) => set('from', e.target.value)} />
      </label>
      <label>
        To
        <input type="date" value={draft.to ?? ''} onChange={(e) => set('to', e.target.value)} />
      </label>
      <label>
        Clerk
        <select value={draft.clerkId ?? ''} onChange={(e) => set('clerkId', e.target.value)}>
          <option value="">Everyone</option>
          {options?.clerks.map((c) => (
            <option key={c.id} value={c.id}>
              {c.displayName}
            </option>
          ))}
        </select>
      </label>
      <label>
        Patient
        <input type="search" placeholder="Name or chart number" maxLength={100} value={draft.patient ?? ''} onChange={(e) => set('patient', e.target.value)} />
      </label>
      <label>
        Action
        <select value={draft.action ?? ''} onChange={(e) => set('action', e.target.value)}>
          <option value="">All actions</option>
          {options?.actions.map((a) => (
            <option key={a.action} value={a.action}>
              {a.label}
            </option>
          ))}
        </select>
      </label>
      <div className="audit-filter-buttons">
        <button type="submit" className="primary">
          Apply filters
        </button>
        <button type="button" onClick={clear}>
          Clear
        </button>
      </div>
      <ErrorNote message={problem} className="audit-filter-problem" />
    </form>
  );
}

function VerificationResult({ result, newestListed }: { result: AuditVerification; newestListed: number | null }) {
  const when = formatWhen(result.checkedAt);
  if (result.ok) {
    const newer = newestListed !== null && result.lastId !== null && newestListed > result.lastId;
    return (
      <p className="audit-verify-ok">
        Intact: all {count(result.rowsChecked)} entries checked, none changed or removed (checked {when}, {count(result.ms)} ms).
        {newer && ` Entries after #${result.lastId} were written since: Verify now checks them too.`}
      </p>
    );
  }
  const problem = result.problem!;
  return (
    <div role="alert" className="audit-verify-failed">
      <p className="audit-verify-title">The audit log has been changed outside the app.</p>
      <p>
        First bad entry: <strong>#{problem.rowId}</strong>
        {problem.actionLabel && problem.at ? ` (${problem.actionLabel}, ${formatWhen(problem.at)})` : ''}.
      </p>
      <p>{problem.message}</p>
      <p className="muted">Checked {when}.</p>
    </div>
  );
}

function Verification() {
  const { verification, verifying, verifyError, verify } = useAudit();
  // Only the unfiltered newest page shows the newest entry.
  const newestListed = useAudit((st) => (st.offset === 0 && Object.keys(st.filter).length === 0 ? (st.page?.rows[0]?.id ?? null) : null));
  return (
    <section className="audit-verify" aria-label="Audit log check">
      <div className="audit-verify-row">
        <button type="button" onClick={() => void verify()} disabled={verifying}>
          {verifying ? 'Checking…' : 'Verify now'}
        </button>
        {!verification && verifying && <span className="muted">Checking every entry…</span>}
      </div>
      <div aria-live="polite">
        {verification && <VerificationResult result={verification} newestListed={newestListed} />}
        <ErrorNote message={verifyError} />
      </div>
    </section>
  );
}

type RowProps = ReturnType<ReturnType<typeof useRowNavigation>['rowProps']>;

function Row({ row, rowProps }: { row: AuditRowView; rowProps: RowProps }) {
  return (
    <tr className={rowProps['data-active'] === 'true' ? 'active' : undefined} {...rowProps}>
      <td className="audit-entry">{row.id}</td>
      <td className="audit-when">{formatWhen(row.at)}</td>
      <td>{row.clerkName}</td>
      <td>{row.workstation}</td>
      <td>{row.actionLabel}</td>
      <td>{row.patientName ?? ''}</td>
      <td className="audit-details">{row.summary}</td>
    </tr>
  );
}

export function AuditScreen() {
  const { page, offset, loading, error, exporting, exportNote, exportError, open, goTo, exportCsv, apply } = useAudit();
  useEffect(() => {
    void open();
  }, [open]);

  const rows = page?.rows ?? [];
  const body = useRef<HTMLTableSectionElement>(null);
  // Enter on an entry about a patient lists every entry about that patient.
  const openRow = useCallback(
    (row: AuditRowView) => {
      if (row.patientChart) void apply({ patient: row.patientChart });
    },
    [apply],
  );
  const { onKeyDown, rowProps } = useRowNavigation(rows, openRow, body);
  const first = offset + 1;
  const last = offset + rows.length;
  return (
    <section className="screen audit-screen" aria-labelledby="audit-title">
      <header className="screen-header">
        <h1 id="audit-title">Audit log</h1>
      </header>
      <Verification />
      <Filters />
      <div className="audit-toolbar">
        <button type="button" onClick={() => void exportCsv()} disabled={exporting}>
          {exporting ? 'Exporting…' : 'Export CSV'}
        </button>
        <span className="muted">Exports every entry that matches the filters, newest first.</span>
      </div>
      <p role="status" className="audit-note">
        {exportNote}
      </p>
      <ErrorNote message={exportError} />
      <ErrorNote message={error} />
      {page && rows.length === 0 && !loading && <p className="empty">No entries match these filters.</p>}
      {rows.length > 0 && (
        <p className="muted audit-keys">↑↓ to move between entries; Enter on an entry about a patient lists every entry about that patient.</p>
      )}
      {rows.length > 0 && (
        <div className="table-scroll">
          <table className="audit-table" aria-label="Audit entries" aria-busy={loading}>
            <ColumnHeads names={['Entry', 'When', 'Clerk', 'Workstation', 'Action', 'Patient', 'Details']} />
            <tbody ref={body} onKeyDown={onKeyDown}>
              {rows.map((row, i) => (
                <Row key={row.id} row={row} rowProps={rowProps(i)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="audit-paging" aria-label="Pages">
        <button type="button" disabled={offset === 0 || loading} onClick={() => void goTo(offset - AUDIT_PAGE_SIZE)}>
          Newer
        </button>
        <span>{rows.length > 0 ? `Entries ${count(first)}–${count(last)}, newest first` : ''}</span>
        <button type="button" disabled={!page?.hasMore || loading} onClick={() => void goTo(offset + AUDIT_PAGE_SIZE)}>
          Older
        </button>
      </nav>
    </section>
  );
}
