import { useEffect, useRef, type KeyboardEvent } from 'react';
import { SEARCH_TEXT_MAX, type SearchHit } from '../../../shared/api';
import { ageOn, formatUsDate, isValidIsoDate } from '../../../shared/domain/dates';
import { useNavigation } from '../app/navigation';
import { useSession } from '../app/sessionStore';
import { useListNavigation } from '../components/useListNavigation';
import { useSearch } from './searchStore';
import { ErrorNote } from '../components/ErrorNote';

export function SearchScreen({ initialText }: { initialText: string }) {
  const { text, results, error, setText } = useSearch();
  const go = useNavigation((s) => s.go);
  const today = useSession((s) => s.session?.today);
  const input = useRef<HTMLInputElement>(null);
  const resultsList = useRef<HTMLUListElement>(null);
  const hits = results?.hits ?? [];
  const open = (hit: SearchHit) => {
    if (hit.familyId) go({ name: 'family', familyId: hit.familyId, focusPatientId: hit.patientId });
  };
  const { active, setActive, onKeyDown: navigate } = useListNavigation(hits, open, { listRef: resultsList });
  // Enter typed before the answer for the current text arrived opens that answer's first row, never
  // a row of the previous (shorter) text still on screen: a fast clerk gets the patient they typed.
  const enterFor = useRef<string | null>(null);
  const fresh = results !== null && results.query === text;
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' && !fresh && text.trim() !== '') {
      event.preventDefault();
      enterFor.current = text;
      return;
    }
    navigate(event);
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies(open): open is recreated each render; only a new answer matters here
  useEffect(() => {
    if (enterFor.current === null || results === null || results.query !== enterFor.current) return;
    enterFor.current = null;
    const first = results.hits[0];
    if (first) open(first);
  }, [results]);

  useEffect(() => {
    if (initialText) setText(initialText);
    input.current?.focus();
    // "/" comes back to the last search: its text is selected, so typing starts a new one.
    if (!initialText) input.current?.select();
  }, [initialText, setText]);

  return (
    <section className="screen" aria-labelledby="search-title">
      <header className="screen-header">
        <h1 id="search-title">Find a family</h1>
        <p className="muted">Child’s name, date of birth, chart number, or a guardian’s name, phone or email</p>
      </header>
      <input
        ref={input}
        className="search-input"
        type="search"
        aria-label="Search patients"
        placeholder="e.g. Lopez, 03/14/2019, C0001234, 617-555, maria@"
        value={text}
        maxLength={SEARCH_TEXT_MAX}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        aria-controls="search-results"
        aria-activedescendant={hits[active] ? `hit-${hits[active].patientId}` : undefined}
        autoComplete="off"
        spellCheck={false}
      />
      <ErrorNote message={error} />
      {results && hits.length === 0 && <p className="empty">No patient matches “{results.query}”.</p>}
      <ul ref={resultsList} id="search-results" className="rows" role="listbox" aria-label="Search results">
        {hits.map((hit, i) => (
          <li
            key={hit.patientId}
            id={`hit-${hit.patientId}`}
            role="option"
            aria-selected={i === active}
            className={i === active ? 'row active' : 'row'}
            onMouseEnter={() => setActive(i)}
            onClick={() => open(hit)}
          >
            <span className="row-title">
              {hit.firstName} {hit.lastName}
            </span>
            <span className="row-detail">
              {hit.dateOfBirth && isValidIsoDate(hit.dateOfBirth)
                ? `${formatUsDate(hit.dateOfBirth)}${today ? ` (${ageOn(hit.dateOfBirth, today)})` : ''}`
                : 'no valid date of birth'}{' '}
              · {hit.chartNumber}
              {hit.status !== 'Active' ? ` · ${hit.status}` : ''}
            </span>
            <span className="row-detail">
              {hit.familyName ? `${hit.familyName} family` : 'no family'}
              {hit.guardian ? ` · Primary Contact ${hit.guardian}` : ''}
            </span>
          </li>
        ))}
      </ul>
      {results?.more && <p className="muted">More patients match: keep typing to narrow the list.</p>}
    </section>
  );
}
