import { useCallback, useEffect, useRef } from 'react';
import type { MailDropItem } from '../../../shared/api';
import { useNavigation } from '../app/navigation';
import { useSession } from '../app/sessionStore';
import { useListNavigation } from '../components/useListNavigation';
import { useMailDrop } from './mailDropStore';
import './maildrop.css';
import { ErrorNote } from '../components/ErrorNote';

const REFRESH_MS = 10_000;

function formatWhen(iso: string): string {
  const when = new Date(iso);
  return Number.isNaN(when.getTime()) ? iso : when.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });
}

function messageCount(n: number): string {
  return `${n} ${n === 1 ? 'message' : 'messages'}`;
}

/** The Welcome emails written to the mail-drop folder (no mail server set), to read them here. */
export function MailDropScreen() {
  const { items, loading, error, selected, message, messageLoading, messageError, load, open } = useMailDrop();
  const transport = useSession((s) => s.status?.emailTransport ?? null);
  const go = useNavigation((s) => s.go);
  const listRef = useRef<HTMLUListElement>(null);
  const viewerRef = useRef<HTMLPreElement>(null);
  const list = items ?? [];
  // Enter reads the chosen message: the focus goes to its text, to scroll it with the keyboard.
  const onEnter = useCallback(
    (item: MailDropItem) => {
      void open(item.file);
      requestAnimationFrame(() => viewerRef.current?.focus());
    },
    [open],
  );
  const { active, setActive, onKeyDown } = useListNavigation(list, onEnter, { listRef });

  // A message read before (perhaps by an administrator, PINs shown) is not kept for whoever comes next.
  const forgetMessage = useMailDrop((s) => s.forgetMessage);
  useEffect(() => {
    forgetMessage();
    return forgetMessage;
  }, [forgetMessage]);
  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(true), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);
  // The highlighted message is the one shown, so ↑↓ pages through them.
  const activeFile = list[active]?.file ?? null;
  useEffect(() => {
    if (activeFile) void open(activeFile);
  }, [activeFile, open]);
  const hasItems = items !== null && items.length > 0;
  useEffect(() => {
    if (hasItems) listRef.current?.focus();
  }, [hasItems]);

  const shown = message && message.file === selected ? message : null;

  return (
    <section className="screen maildrop-screen" aria-labelledby="maildrop-title">
      <header className="screen-header">
        <h1 id="maildrop-title">Mail-drop folder</h1>
        {transport === 'smtp' ? (
          <p className="maildrop-explain">
            A mail server is set in Settings now, so new Welcome emails are sent. The messages below were kept here before it was set, and were not sent.
          </p>
        ) : (
          <>
            <p className="maildrop-explain">No mail server is set in Settings, so Welcome emails are kept here instead of being sent.</p>
            <p className="maildrop-explain-more">
              Nobody receives these messages.{' '}
              <button type="button" className="link-button" onClick={() => go({ name: 'settings' })}>
                Set a mail server
              </button>{' '}
              so the next ones are sent.
            </p>
          </>
        )}
        <p className="muted">{items ? messageCount(items.length) : loading ? 'Loading…' : ''} · ↑↓ to choose, Enter to read, Esc to go back</p>
      </header>
      <ErrorNote message={error} />
      {items && items.length === 0 && <p className="empty">No messages in the mail-drop folder.</p>}
      {hasItems && (
        <div className="maildrop-layout">
          <ul
            ref={listRef}
            className="rows maildrop-list"
            role="listbox"
            aria-label="Messages in the mail-drop folder"
            tabIndex={0}
            aria-activedescendant={list[active] ? `maildrop-${active}` : undefined}
            onKeyDown={onKeyDown}
          >
            {list.map((item, i) => (
              <li
                key={item.file}
                id={`maildrop-${i}`}
                role="option"
                aria-selected={i === active}
                className={i === active ? 'row maildrop-row active' : 'row maildrop-row'}
                onClick={() => {
                  setActive(i);
                  void open(item.file);
                }}
              >
                <span className="row-title maildrop-subject">{item.subject || '(no subject)'}</span>
                <span className="row-detail">To {item.to || '(nobody)'}</span>
                <span className="row-detail">{formatWhen(item.createdAt)}</span>
              </li>
            ))}
          </ul>
          <article className="maildrop-message" aria-label="Message" aria-busy={messageLoading}>
            <ErrorNote message={messageError} />
            {!shown && !messageError && <p className="muted">{messageLoading ? 'Opening…' : 'Choose a message to read it.'}</p>}
            {shown && (
              <>
                <dl className="maildrop-headers">
                  <div>
                    <dt>To</dt>
                    <dd>{shown.to}</dd>
                  </div>
                  <div>
                    <dt>Subject</dt>
                    <dd>{shown.subject}</dd>
                  </div>
                  <div>
                    <dt>Date</dt>
                    <dd>{formatWhen(shown.createdAt)}</dd>
                  </div>
                  <div>
                    <dt>File</dt>
                    <dd className="maildrop-file">{shown.file}</dd>
                  </div>
                </dl>
                {shown.pinsMasked && (
                  <p className="maildrop-masked">PINs are hidden (•••-•••-•••): only an administrator sees them here. The parent’s copy has the PIN.</p>
                )}
                {/* A region, so the scrollable text can be named and reached from the keyboard. */}
                {/* biome-ignore lint/a11y/useSemanticElements lint/a11y/noNoninteractiveTabindex: a <pre> keeps the message's line breaks; as a focusable region it scrolls from the keyboard */}
                <pre ref={viewerRef} className="maildrop-text" tabIndex={0} role="region" aria-label={`Text of “${shown.subject}”`}>
                  {shown.text}
                </pre>
              </>
            )}
          </article>
        </div>
      )}
    </section>
  );
}
