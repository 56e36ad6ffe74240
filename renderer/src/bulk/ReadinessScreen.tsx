import { useEffect } from 'react';
import { CHECKLIST_ITEMS, type ChecklistAnswer, type ReadinessSummary } from '../../../shared/bulk/api';
import { useNavigation } from '../app/navigation';
import { CampaignPanel } from '../campaign/CampaignPanel';
import { count, formatWhen } from './bulkWords';
import { ChecklistQuestion } from './ChecklistQuestion';
import { ExclusionChart } from './ExclusionChart';
import { useReadiness, type ExportKind } from './readinessStore';
import { jobLabel } from '../../../shared/jobs/jobs';
import './bulk.css';
import { ErrorNote } from '../components/ErrorNote';
import { FocusedScreenHeader } from '../components/FocusedScreenHeader';

const EXPORTS: readonly { kind: ExportKind; label: string; hint: string }[] = [
  { kind: 'bulk_pin', label: 'Export Bulk PIN file', hint: 'Eligible guardians and their children, one row per child.' },
  { kind: 'exclusions', label: 'Export exclusions report', hint: 'Every child left out, with the reason.' },
  {
    kind: 'worklist',
    label: 'Export data-quality worklist',
    hint: 'One line per guardian with missing or likely-wrong details (their children listed), and per patient with no Primary Contact.',
  },
];

function checklistText(summary: ReadinessSummary): string {
  if (summary.checklistReady) return 'Ready: all four answered Yes';
  const yes = summary.checklist.filter((a) => a.answer === true).length;
  return `Not ready: ${yes} of ${CHECKLIST_ITEMS.length} answered Yes`;
}

/** The four questions always in the same order, each shown even before anyone answered it. */
function checklistInOrder(summary: ReadinessSummary): ChecklistAnswer[] {
  return CHECKLIST_ITEMS.map((item) => summary.checklist.find((a) => a.item === item) ?? { item, answer: null, answeredBy: null, answeredAt: null, note: '' });
}

function SummaryTable({ summary }: { summary: ReadinessSummary }) {
  const leftOut = summary.exclusions.reduce((sum, e) => sum + e.count, 0);
  return (
    <table className="bulk-summary" aria-label="Bulk PIN summary">
      <tbody>
        <tr className={summary.checklistReady ? 'bulk-ready' : 'bulk-not-ready'}>
          <th scope="row">Practice checklist</th>
          <td>{checklistText(summary)}</td>
        </tr>
        <tr>
          <th scope="row">
            Eligible guardians <span className="bulk-summary-hint">(one Bulk PIN email each)</span>
          </th>
          <td>{count(summary.eligibleGuardians)}</td>
        </tr>
        <tr>
          <th scope="row">
            Eligible children <span className="bulk-summary-hint">(covered by those emails)</span>
          </th>
          <td>{count(summary.eligibleChildren)}</td>
        </tr>
        <tr>
          <th scope="row">Children left out</th>
          <td>{count(leftOut)}</td>
        </tr>
        <tr>
          <th scope="row">
            Data-quality rows to fix{' '}
            <span className="bulk-summary-hint">
              (guardians, and patients with no Primary Contact: {count(summary.openQualityChildren)} {summary.openQualityChildren === 1 ? 'child' : 'children'})
            </span>
          </th>
          <td>{count(summary.openQualityRows)}</td>
        </tr>
      </tbody>
    </table>
  );
}

function Exports() {
  const { exporting, exportJob, exportNote, exportError, exportFile, cancelExport } = useReadiness();
  return (
    <section className="bulk-panel" aria-labelledby="bulk-exports-title">
      <h2 id="bulk-exports-title">Files</h2>
      <p className="muted">CSV files for the Bulk PIN request and for working through the data. Each export is recorded in the audit log.</p>
      <ul className="bulk-exports">
        {EXPORTS.map((e) => (
          <li key={e.kind}>
            <button
              type="button"
              aria-disabled={exporting !== null || undefined}
              aria-describedby={`bulk-export-${e.kind}-hint`}
              onClick={() => void exportFile(e.kind)}
            >
              {e.label}
            </button>
            <span id={`bulk-export-${e.kind}-hint`} className="bulk-export-hint">
              {exporting === e.kind ? 'Exporting…' : e.hint}
            </span>
          </li>
        ))}
      </ul>
      {exporting && exportJob && (
        <div className="bulk-counting">
          <p className="muted">{jobLabel(exportJob)}</p>
          <progress max={Math.max(1, exportJob.rowsTotal)} value={exportJob.rowsDone} aria-label="Export progress" />
          <button type="button" disabled={exportJob.state !== 'running'} onClick={() => void cancelExport()}>
            Cancel export
          </button>
        </div>
      )}
      <p role="status" className="bulk-note">
        {exportNote ?? ''}
      </p>
      <ErrorNote message={exportError} lead="The file was not saved: " className="bulk-failed" />
    </section>
  );
}

/** While the Bulk PIN job counts: how far it got, and Cancel. */
function Counting() {
  const { job, cancelling, cancel } = useReadiness();
  if (!job) return <p className="muted">Counting… this can take a few seconds for a large practice; the desk keeps working meanwhile.</p>;
  return (
    <div className="bulk-counting">
      <p className="muted">{jobLabel(job)}. The desk keeps working meanwhile.</p>
      <progress max={Math.max(1, job.rowsTotal)} value={job.rowsDone} aria-label="Bulk PIN readiness progress" />
      <button type="button" disabled={cancelling} onClick={() => void cancel()}>
        {cancelling ? 'Stopping…' : 'Cancel counting'}
      </button>
    </div>
  );
}

/** Bulk PIN readiness for the practice administrator: checklist, counts, exclusions by reason, exports. */
export function ReadinessScreen() {
  const { summary, loading, error, load } = useReadiness();
  const go = useNavigation((s) => s.go);
  // Count afresh on every visit: fixes made in the worklist or an import change the numbers.
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section className="screen bulk-screen" aria-labelledby="bulk-title">
      <FocusedScreenHeader id="bulk-title" title="Bulk PIN readiness">
        <p className="muted">
          Bulk PIN sends one portal registration email to each eligible Primary Contact: the Family Contact with Sort 1 who has Joint or Exclusive authority or
          lives with the child, and has a usable email address (one address in the field). Active patients under the Minor Age Limit only. The Portal column
          plays no part.
        </p>
      </FocusedScreenHeader>
      <ErrorNote message={error} lead="Could not count: " />
      {loading && <Counting />}
      {summary && (
        <>
          <section className="bulk-panel" aria-labelledby="bulk-summary-title">
            <h2 id="bulk-summary-title">Summary</h2>
            <div className="bulk-overview">
              <div>
                <SummaryTable summary={summary} />
                <p className="bulk-computed">
                  Counted {formatWhen(summary.computedAt)} · computed in {count(Math.round(summary.elapsedMs))} ms
                </p>
                <div className="bulk-links">
                  <button type="button" className="link-button" onClick={() => go({ name: 'worklist' })}>
                    Open the data-quality worklist
                  </button>
                  <button type="button" className="link-button" onClick={() => go({ name: 'import' })}>
                    Import practice data from CSV files
                  </button>
                </div>
              </div>
              <ExclusionChart exclusions={summary.exclusions} />
            </div>
          </section>
          <section className="bulk-panel" aria-labelledby="bulk-checklist-title">
            <h2 id="bulk-checklist-title">Practice checklist</h2>
            <p className="muted">
              The vendor accepts a Bulk PIN request only when all four are true. Answer each one; your name and the time are recorded with the answer.
            </p>
            <ol className="bulk-checklist">
              {checklistInOrder(summary).map((answer) => (
                <ChecklistQuestion key={answer.item} answer={answer} />
              ))}
            </ol>
          </section>
          <Exports />
          <CampaignPanel />
        </>
      )}
    </section>
  );
}
