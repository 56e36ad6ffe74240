import { useEffect, useRef } from 'react';
import type { CheckinFamily } from '../../../shared/api';
import { formatUsDate } from '../../../shared/domain/dates';
import { useNavigation } from '../app/navigation';
import { useListNavigation } from '../components/useListNavigation';
import { useCheckin } from './checkinStore';
import { ErrorNote } from '../components/ErrorNote';

function childCount(n: number): string {
  return `${n} ${n === 1 ? 'child' : 'children'}`;
}

export function CheckinScreen() {
  const { list, loading, error, load, activeFamilyId, setActiveFamily } = useCheckin();
  const go = useNavigation((s) => s.go);
  const listRef = useRef<HTMLUListElement>(null);
  const families = list?.families ?? [];
  // At check-in the clerk is here to issue PINs: Enter goes straight to the family's wizard.
  const open = (family: CheckinFamily) => go({ name: 'wizard', familyId: family.familyId });
  const returnedTo = Math.max(
    0,
    families.findIndex((f) => f.familyId === activeFamilyId),
  );
  const { active, setActive, onKeyDown } = useListNavigation(families, open, { listRef, initial: returnedTo });

  useEffect(() => {
    void load();
  }, [load]);
  // The list arrives after the screen: put the highlight back on the row the clerk left.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only when a new list arrives; moving the highlight is the clerk's
  useEffect(() => {
    if (activeFamilyId !== null)
      setActive(
        Math.max(
          0,
          (list?.families ?? []).findIndex((f) => f.familyId === activeFamilyId),
        ),
      );
  }, [list]);
  useEffect(() => {
    const family = families[active];
    if (family) setActiveFamily(family.familyId);
  }, [active, families, setActiveFamily]);
  // biome-ignore lint/correctness/useExhaustiveDependencies(list): each new list takes the focus, so the arrow keys work at once
  useEffect(() => {
    listRef.current?.focus();
  }, [list]);

  return (
    <section className="screen" aria-labelledby="checkin-title">
      <header className="screen-header">
        <h1 id="checkin-title">Check-in today</h1>
        <p className="muted">
          {list ? `${formatUsDate(list.date)} · ${families.length} families` : loading ? 'Loading…' : ''} · ↑↓ to choose, Enter to open, or start typing to
          search
        </p>
      </header>
      <ErrorNote message={error} />
      {list && families.length === 0 && <p className="empty">No appointments today.</p>}
      <ul
        ref={listRef}
        className="rows"
        role="listbox"
        aria-label="Families checking in today"
        tabIndex={0}
        aria-activedescendant={families[active] ? `checkin-${families[active].familyId}` : undefined}
        onKeyDown={onKeyDown}
      >
        {families.map((family, i) => (
          <li
            key={family.familyId}
            id={`checkin-${family.familyId}`}
            role="option"
            aria-selected={i === active}
            className={i === active ? 'row active' : 'row'}
            onMouseEnter={() => setActive(i)}
            onClick={() => open(family)}
          >
            <span className="row-time">{family.firstTime}</span>
            <span className="row-title">
              {family.familyName} family, {childCount(family.children.length)}
            </span>
            <span className="row-detail">
              {family.children.map((c) => `${c.firstName} ${c.time}`).join(' · ')}
              {family.pinStatus && (
                <>
                  {' · '}
                  <span className={family.pinStatus.startsWith('PINs issued') ? 'pin-status done' : 'pin-status partial'}>
                    {family.pinStatus.startsWith('PINs issued') ? '✓ ' : ''}
                    {family.pinStatus}
                  </span>
                </>
              )}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
