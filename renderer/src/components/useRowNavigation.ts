import { useCallback, type KeyboardEvent, type RefObject } from 'react';
import { useListNavigation } from './useListNavigation';

/**
 * Keyboard navigation for lists whose rows hold their own buttons and forms (outbox, worklist,
 * audit), where a listbox cannot be used: each row takes the focus itself (a roving tabindex),
 * ↑↓ Home End PageUp PageDown move it, Enter runs the row's main action, and Esc on a row's
 * button brings the focus back to the row. Keys typed in a row's fields (and a form's own Esc) stay theirs.
 */
export function useRowNavigation<T>(items: readonly T[], onOpen: (item: T, row: HTMLElement) => void, listRef: RefObject<HTMLElement | null>) {
  const open = useCallback(
    (item: T) => {
      const row = listRef.current?.querySelector<HTMLElement>('[data-row][data-active="true"]');
      if (row) onOpen(item, row);
    },
    [onOpen, listRef],
  );
  const {
    active,
    setActive,
    onKeyDown: navigate,
  } = useListNavigation(items, open, {
    listRef,
    activeSelector: '[data-row][data-active="true"]',
    focusRows: true,
  });

  const onKeyDown = useCallback(
    (event: KeyboardEvent<HTMLElement>) => {
      const target = event.target as HTMLElement;
      if (target.dataset.row !== undefined) {
        navigate(event);
        return;
      }
      const row = target.closest<HTMLElement>('[data-row]');
      // Esc from a row's button goes back to the row; forms handle their own Esc first (they close).
      if (
        event.key === 'Escape' &&
        row &&
        !event.defaultPrevented &&
        !(target instanceof HTMLInputElement || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement)
      ) {
        event.preventDefault();
        row.focus();
      }
    },
    [navigate],
  );

  /** Props for row i: in the tab order only when highlighted; focusing a row (click, Tab) highlights it. */
  const rowProps = (i: number) => ({
    'data-row': '',
    'data-active': i === active ? 'true' : 'false',
    tabIndex: i === active ? 0 : -1,
    onFocus: () => setActive(i),
  });

  return { active, setActive, onKeyDown, rowProps };
}
