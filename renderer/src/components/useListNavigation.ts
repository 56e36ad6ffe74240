import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type RefObject } from 'react';

export interface ListNavigationOptions {
  listRef?: RefObject<HTMLElement | null>;
  initial?: number;
  /** How the highlighted row is found inside the list: listboxes mark it aria-selected, lists of rows with actions data-active. */
  activeSelector?: string;
  /** Rows that take the focus themselves (a roving tabindex): moving the highlight moves the focus when a row has it. */
  focusRows?: boolean;
}

/** Where each key moves the highlight from row `i` of a list whose last row is `last`. */
const MOVES: Record<string, (i: number, last: number) => number> = {
  ArrowDown: (i, last) => Math.min(i + 1, last),
  ArrowUp: (i) => Math.max(i - 1, 0),
  Home: () => 0,
  End: (_, last) => last,
  PageDown: (i, last) => Math.min(i + 10, last),
  PageUp: (i) => Math.max(i - 10, 0),
};

/**
 * Arrow keys move a highlighted row, Home/End jump, Enter opens it. The highlight stays within
 * the list when it shrinks (results as you type), and is always scrolled into view: the clerk
 * never presses Enter on a row they cannot see.
 */
export function useListNavigation<T>(items: readonly T[], onOpen: (item: T) => void, options: ListNavigationOptions = {}) {
  const [active, setActive] = useState(options.initial ?? 0);
  useEffect(() => {
    setActive((i) => Math.min(i, Math.max(items.length - 1, 0)));
  }, [items]);
  const { listRef, activeSelector = '[aria-selected="true"]', focusRows = false } = options;
  const scrolledTo = useRef<number | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies(items): a new list (results as you type) is scrolled to its highlighted row too
  useEffect(() => {
    const list = listRef?.current;
    const row = list?.querySelector<HTMLElement>(activeSelector);
    if (!list || !row) return;
    // A list refreshed in the background (the outbox every 10 s) does not pull the page back to
    // its highlighted row while the clerk reads elsewhere: only a move, or a list that has the focus.
    const moved = scrolledTo.current !== active;
    scrolledTo.current = active;
    if (focusRows && !moved && !list.contains(document.activeElement)) return;
    // The focus follows the highlight only while it is on a row of this list (never taken from elsewhere).
    const focused = document.activeElement;
    if (focusRows && focused instanceof HTMLElement && focused !== row && focused.dataset.row !== undefined && list.contains(focused)) {
      row.focus({ preventScroll: true });
    }
    row.scrollIntoView?.({ block: 'nearest' });
  }, [active, items, listRef, activeSelector, focusRows]);

  const onKeyDown = useCallback(
    (event: KeyboardEvent) => {
      if (items.length === 0) return;
      const move = MOVES[event.key];
      if (move) {
        event.preventDefault();
        setActive((i) => move(i, items.length - 1));
      } else if (event.key === 'Enter') {
        const item = items[active];
        if (item !== undefined) {
          event.preventDefault();
          onOpen(item);
        }
      }
    },
    [items, active, onOpen],
  );

  return { active, setActive, onKeyDown };
}
