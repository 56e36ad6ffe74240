import { type ReactNode, useEffect, useRef } from 'react';

/**
 * The heading of a screen opened from a menu (Bulk PIN readiness, the worklist, the import): its
 * title takes the keyboard focus when the screen opens, so a screen reader starts reading there
 * and Tab goes on from the top of the screen. `children` is the introduction under the title.
 */
export function FocusedScreenHeader({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <header className="screen-header">
      <h1 id={id} ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </header>
  );
}
