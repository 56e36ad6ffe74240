import { useEffect, useRef, type ChangeEvent } from 'react';
import type { ImportFilePreview, ImportPreview, ImportProblem } from '../../../shared/bulk/api';
import { FIELDS_OF, IMPORT_KINDS, isImportField, KIND_LABELS, missingFieldLabel, type ImportKind } from '../../../shared/import/fields';
import { jobLabel } from '../../../shared/jobs/jobs';
import { useNavigation } from '../app/navigation';
import { count, plural } from '../bulk/bulkWords';
import { MAX_IMPORT_FILES, useImport } from './importStore';
import { fieldChoiceWords } from './importWords';
import './importer.css';
import { ErrorNote } from '../components/ErrorNote';
import { ColumnHeads } from '../components/ColumnHeads';
import { FocusedScreenHeader } from '../components/FocusedScreenHeader';

/** Problems listed on screen; the rest are counted. */
const PROBLEMS_SHOWN = 1000;

function isImportKind(value: string): value is ImportKind {
  return (IMPORT_KINDS as readonly string[]).includes(value);
}

/** How a file was read, when it was not plain UTF-8: " · read as Windows-1252". */
function encodingNote(file: ImportFilePreview): string {
  const { encoding, confirmed } = file.encoding;
  if (encoding === 'windows-1252') return confirmed ? ' · read as Windows-1252 (checked)' : ' · not UTF-8: check how it reads';
  if (encoding === 'utf-16le' || encoding === 'utf-16be') return ' · read as UTF-16';
  return '';
}

function FileMapping({ file, index, disabled }: { file: ImportFilePreview; index: number; disabled: boolean }) {
  const setKind = useImport((s) => s.setKind);
  const setMapping = useImport((s) => s.setMapping);
  const base = `import-file-${index}`;
  const fields = file.kind ? FIELDS_OF[file.kind] : [];
  return (
    <section className="import-file" aria-labelledby={`${base}-title`}>
      <h3 id={`${base}-title`} className="import-file-title">
        {file.name}{' '}
        <span className="import-file-rows">
          · {plural(file.rows, 'row')}
          {encodingNote(file)}
        </span>
      </h3>
      <div className="import-kind">
        <label htmlFor={`${base}-kind`}>Kind of file</label>
        <select
          id={`${base}-kind`}
          value={file.kind ?? ''}
          disabled={disabled}
          aria-describedby={`${base}-kind-hint`}
          onChange={(event) => void setKind(index, isImportKind(event.target.value) ? event.target.value : null)}
        >
          {file.kind === null && <option value="">Not recognised: choose one</option>}
          {IMPORT_KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {KIND_LABELS[kind].title}
            </option>
          ))}
        </select>
        <span id={`${base}-kind-hint`} className="import-hint">
          {file.kind ? 'Recognised from its column headers; change it if it is wrong.' : 'The column headers did not say what this file holds.'}
        </span>
      </div>
      {file.missingFields.length > 0 && (
        <p className="import-missing">
          No column is set to {file.missingFields.map(missingFieldLabel).join(', ')}, which {file.missingFields.length === 1 ? 'is' : 'are'} needed. Choose the
          matching column below.
        </p>
      )}
      {file.columns.length > 0 && (
        <table className="import-mapping">
          <caption>Columns of {file.name}</caption>
          <ColumnHeads names={['Column in the file', 'Imported as']} />
          <tbody>
            {file.columns.map((column, c) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a file's columns are its own, in the file's order; two may share a header
              <tr key={`${c}-${column.header}`} className={column.field === null ? 'import-ignored' : undefined}>
                <th scope="row">
                  <label htmlFor={`${base}-col-${c}`}>{column.header || `(column ${c + 1} has no header)`}</label>
                </th>
                <td>
                  <select
                    id={`${base}-col-${c}`}
                    value={column.field ?? ''}
                    disabled={disabled || file.kind === null}
                    onChange={(event) => void setMapping(index, column.header, isImportField(event.target.value) ? event.target.value : null)}
                  >
                    <option value="">(ignore)</option>
                    {fields.map((field) => (
                      <option key={field} value={field}>
                        {fieldChoiceWords(field)}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/**
 * A file that is not UTF-8 (issue 11): its names as they read in Windows-1252, for the
 * administrator to check before it is read that way. Nothing is imported until confirmed.
 */
function EncodingCheck({ file, index, disabled }: { file: ImportFilePreview; index: number; disabled: boolean }) {
  const confirmEncoding = useImport((s) => s.confirmEncoding);
  const base = `import-encoding-${index}`;
  const { notUtf8Line, samples } = file.encoding;
  return (
    <section className="import-panel import-encoding" aria-labelledby={`${base}-title`}>
      <h2 id={`${base}-title`}>Check how {file.name} reads</h2>
      <p>
        {file.name} is not saved as UTF-8{notUtf8Line ? ` (line ${count(notUtf8Line)} is the first line that is not)` : ''}. It was probably saved by an older
        program as Windows-1252 (also called ANSI or Latin-1). Read that way, its names look like this:
      </p>
      {samples.length > 0 ? (
        <table className="import-mapping import-samples">
          <caption>Names in {file.name}, read as Windows-1252</caption>
          <ColumnHeads names={['Line', 'Reads as']} />
          <tbody>
            {samples.map((sample) => (
              <tr key={sample.line}>
                <td className="import-line">{count(sample.line)}</td>
                <td>{sample.text}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">Choose the kind of file first to see its names.</p>
      )}
      <div className="import-actions">
        <button type="button" className="primary" disabled={disabled} aria-describedby={`${base}-hint`} onClick={() => void confirmEncoding(index)}>
          The names read right: read the file as Windows-1252
        </button>
        <span id={`${base}-hint`} className="import-hint">
          If they look wrong (such as “JosÃ©” or “Jos?”), save the file as CSV UTF-8 in the program it came from, and choose it again.
        </span>
      </div>
    </section>
  );
}

/** Problems grouped by file, in the order of the files, each with its line and column. */
function Problems({ preview }: { preview: ImportPreview }) {
  const listed = preview.problems.slice(0, PROBLEMS_SHOWN);
  const more = preview.problems.length - listed.length + preview.moreProblems;
  const total = preview.problems.length + preview.moreProblems;
  const byFile = new Map<string, ImportProblem[]>();
  for (const problem of listed) byFile.set(problem.file, [...(byFile.get(problem.file) ?? []), problem]);
  return (
    <section className="import-panel import-problems" aria-labelledby="import-problems-title">
      <h2 id="import-problems-title">Problems to fix first ({count(total)})</h2>
      <p className="muted">Nothing is imported while any problem is left. Fix them in the practice system or the file, then choose the files again.</p>
      {[...byFile].map(([file, problems], f) => (
        <table key={file} className="import-problem-table" aria-labelledby={`import-problems-${f}`}>
          <caption id={`import-problems-${f}`}>
            {file} ({plural(problems.length, 'problem')}
            {more > 0 ? ' listed' : ''})
          </caption>
          <ColumnHeads names={['Line', 'Column', 'Problem']} />
          <tbody>
            {problems.map((p, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the list is replaced whole by each check and never reordered; two problems may read alike
              <tr key={i}>
                <td className="import-line">{p.line > 0 ? count(p.line) : '—'}</td>
                <td>{p.column ?? '—'}</td>
                <td>{p.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      {more > 0 && <p className="import-more">…and {plural(more, 'more problem')} not listed.</p>}
    </section>
  );
}

function Counts({ preview, applied }: { preview: ImportPreview; applied: boolean }) {
  const { counts, changes, hiddenCharacters } = preview;
  return (
    <dl className="import-counts">
      <div>
        <dt>In the files</dt>
        <dd>
          {plural(counts.families, 'family', 'families')}, {plural(counts.patients, 'patient')}, {plural(counts.contacts, 'contact')},{' '}
          {plural(counts.links, 'contact link')}, {plural(counts.appointments, 'appointment')}
        </dd>
      </div>
      <div>
        <dt>{applied ? 'Changed' : 'Applying would change'}</dt>
        <dd>
          {count(changes.inserted)} new, {count(changes.updated)} updated, {count(changes.unchanged)} unchanged
        </dd>
      </div>
      {hiddenCharacters.removed > 0 && (
        <div>
          <dt>Cleaned</dt>
          <dd>
            {plural(hiddenCharacters.removed, 'hidden character')} {applied ? 'removed' : 'will be removed'} from {plural(hiddenCharacters.fields, 'field')}{' '}
            (control or right-to-left characters nobody typed)
          </dd>
        </div>
      )}
    </dl>
  );
}

const needsConfirmation = (file: ImportFilePreview) => file.encoding.encoding === 'windows-1252' && !file.encoding.confirmed;

/** Why Apply is not available yet, or null when it is. */
function blockedBecause(preview: ImportPreview): string | null {
  const unconfirmed = preview.files.find(needsConfirmation);
  if (unconfirmed) return `Check how ${unconfirmed.name} reads first (above).`;
  const problems = preview.problems.length + preview.moreProblems;
  if (problems > 0) return `Fix the ${plural(problems, 'problem')} listed below first.`;
  if (preview.files.some((f) => f.kind === null)) return 'Choose the kind of each file first.';
  if (preview.files.some((f) => f.missingFields.length > 0)) return 'Set a column for every needed field first.';
  return null;
}

/** Import the practice's own CSV exports: preview with the column mapping, problems by line, then apply. */
export function ImportScreen() {
  const { files, reading, preview, previewing, error, applying, job, cancelling, applyError, result, choose, apply, cancel, clear } = useImport();
  const go = useNavigation((s) => s.go);
  const resultRef = useRef<HTMLElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (result) resultRef.current?.focus();
  }, [result]);

  const onFiles = (event: ChangeEvent<HTMLInputElement>) => {
    void choose(Array.from(event.target.files ?? []));
  };

  const blocked = preview ? blockedBecause(preview) : 'Choose the files first.';
  const canApply = preview !== null && blocked === null && !previewing && !applying && files.length > 0;
  let busy = '';
  if (reading) busy = 'Reading the files…';
  else if (previewing) busy = 'Checking the files…';
  else if (applying && job) busy = `${jobLabel(job)}. Families appear in search as they are applied, each one whole; the app stays usable.`;
  else if (applying) busy = 'Checking the files once more, then applying… this can take a minute for a large practice; the app stays usable.';
  const ended = result?.job && result.job.state !== 'done' ? result.job : null;

  return (
    <section className="screen import-screen" aria-labelledby="import-title">
      <FocusedScreenHeader id="import-title" title="Import practice data">
        <p className="muted">
          Choose up to three CSV files exported from the practice system: patients, Family Contacts and appointments. The files are checked first and nothing
          changes until you choose Apply import; if any row has a problem, nothing of the import is applied.
        </p>
      </FocusedScreenHeader>

      <div className="import-panel">
        <label htmlFor="import-files" className="import-files-label">
          CSV files (up to {MAX_IMPORT_FILES})
        </label>
        <input
          ref={fileInput}
          id="import-files"
          type="file"
          multiple
          accept=".csv,text/csv"
          disabled={applying}
          aria-describedby="import-files-hint"
          onChange={onFiles}
        />
        <p id="import-files-hint" className="import-hint">
          Hold Ctrl (or ⌘) to pick several files at once. Choosing files again starts over.
        </p>
        {files.length > 0 && !preview && !result && <p className="import-hint">Chosen: {files.map((f) => f.name).join(', ')}</p>}
      </div>

      <p role="status" className={applying ? 'import-busy' : 'import-status'}>
        {busy}
      </p>
      {applying && job && (
        <div className="import-actions import-progress">
          <progress max={Math.max(1, job.rowsTotal)} value={job.rowsDone} aria-label="Import progress" />
          <button type="button" disabled={cancelling || job.state === 'cancelling'} onClick={() => void cancel()}>
            {cancelling || job.state === 'cancelling' ? 'Stopping the import…' : 'Cancel import'}
          </button>
          <span className="import-hint">Cancel keeps the families already applied (each one whole) and stops before the next ones.</span>
        </div>
      )}
      <ErrorNote message={error} />

      {result && (
        <section ref={resultRef} tabIndex={-1} className="import-panel import-result" aria-labelledby="import-result-title">
          <h2 id="import-result-title">{ended?.state === 'cancelled' ? 'Import cancelled' : ended ? 'Import stopped' : 'Imported'}</h2>
          {ended?.message && <p className={ended.state === 'cancelled' ? 'import-hint' : 'error'}>{ended.message}</p>}
          <Counts preview={result} applied />
          <div className="import-actions">
            <button type="button" onClick={() => go({ name: 'bulk' })}>
              Back to Bulk PIN readiness
            </button>
            <button
              type="button"
              className="link-button"
              onClick={() => {
                clear();
                if (fileInput.current) fileInput.current.value = '';
                fileInput.current?.focus();
              }}
            >
              Import other files
            </button>
          </div>
        </section>
      )}

      {preview && !result && (
        <>
          {preview.files.map(
            (file, i) =>
              needsConfirmation(file) && (
                // biome-ignore lint/suspicious/noArrayIndexKey: the files chosen, in the order chosen; two may share a name
                <EncodingCheck key={`enc-${i}-${file.name}`} file={file} index={i} disabled={applying || previewing} />
              ),
          )}
          <section className="import-panel" aria-labelledby="import-files-title">
            <h2 id="import-files-title">Files and columns</h2>
            <p className="muted">Each column is imported as the field shown; change a choice to check the files again with it.</p>
            {preview.files.map((file, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the files chosen, in the order chosen; two may share a name
              <FileMapping key={`${i}-${file.name}`} file={file} index={i} disabled={applying} />
            ))}
          </section>
          <section className="import-panel" aria-labelledby="import-summary-title">
            <h2 id="import-summary-title">What the import would do</h2>
            <Counts preview={preview} applied={false} />
            <div className="import-actions">
              <button type="button" className="primary" disabled={!canApply} aria-describedby="import-apply-help" onClick={() => void apply()}>
                Apply import
              </button>
              <span id="import-apply-help" className="import-hint">
                {applying ? 'Importing…' : previewing ? 'Checking…' : (blocked ?? 'The files are ready to import.')}
              </span>
            </div>
            <ErrorNote message={applyError} />
          </section>
          {preview.problems.length + preview.moreProblems > 0 && <Problems preview={preview} />}
        </>
      )}
    </section>
  );
}
