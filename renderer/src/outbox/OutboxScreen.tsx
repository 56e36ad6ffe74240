import { useCallback, useEffect, useRef, useState, type ChangeEvent, type FormEvent, type KeyboardEvent } from 'react';
import { contract, type OutboxItemView, type OutboxKind } from '../../../shared/api';
import { useNavigation, type OutboxTab } from '../app/navigation';
import { useSession } from '../app/sessionStore';
import { useRowNavigation } from '../components/useRowNavigation';
import { useOutbox } from './outboxStore';
import './outbox.css';
import { ErrorNote } from '../components/ErrorNote';

const REFRESH_MS = 10_000;
/** outbox.list answers with at most this many items, oldest first. */
const LIST_LIMIT = 500;

const TABS: readonly { tab: OutboxTab; label: string; empty: string; listLabel: string }[] = [
  {
    tab: 'needs_attention',
    label: 'Needs attention',
    empty: 'Nothing needs attention.',
    listLabel: 'Items that need attention',
  },
  {
    tab: 'pending',
    label: 'Waiting',
    empty: 'Nothing is waiting: everything has been delivered.',
    listLabel: 'Items waiting to be delivered',
  },
];

const KIND_LABEL: Record<OutboxKind, string> = {
  'portal.enrollment': 'Portal registration',
  'email.welcome': 'Welcome email',
  'patient.name_correction': 'Name correction for the practice system',
  'contact.update': 'Contact details for the practice system',
  'portal.setup_link': 'Campaign link for the practice system',
  'email.setup_link': '“Set Up My Account” email',
  'email.add_child': '“Add this child to your account” email',
};

/** The same rules main applies (shared/api.ts), so the clerk hears about a slip before sending. */
const emailSchema = contract['outbox.editAndRetry'].input.shape.email;
const reasonSchema = contract['outbox.dismiss'].input.shape.reason;

function formatWhen(iso: string): string {
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return iso;
  const sameDay = when.toDateString() === new Date().toDateString();
  return sameDay
    ? `today at ${when.toLocaleTimeString('en-US', { timeStyle: 'short' })}`
    : when.toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' });
}

function nextAttemptText(item: OutboxItemView): string {
  if (item.status === 'needs_attention') return 'None: it is not tried again until you choose Retry.';
  const at = Date.parse(item.nextAttemptAt);
  if (Number.isNaN(at) || at <= Date.now()) return 'As soon as possible.';
  return `${formatWhen(item.nextAttemptAt)}.`;
}

function attemptsText(n: number): string {
  if (n === 0) return 'Not tried yet';
  return `${n} ${n === 1 ? 'attempt' : 'attempts'}`;
}

type Mode = 'actions' | 'edit' | 'dismiss';

/** A form's buttons: submit (refused while any item works), and Cancel (refused while this one works). */
function SubmitOrCancel({
  label,
  className,
  busy,
  thisBusy,
  onCancel,
}: {
  label: string;
  className: string;
  busy: boolean;
  thisBusy: boolean;
  onCancel: () => void;
}) {
  return (
    <>
      <button type="submit" className={className} disabled={busy}>
        {label}
      </button>
      <button type="button" disabled={thisBusy} onClick={onCancel}>
        Cancel
      </button>
    </>
  );
}

/** Retry, Edit email and retry, Dismiss: for an item that stopped being retried. */
function AttentionActions({ item, onDone }: { item: OutboxItemView; onDone: () => void }) {
  const { busyId, retry, editAndRetry, dismiss } = useOutbox();
  const [mode, setMode] = useState<Mode>('actions');
  const [email, setEmail] = useState(item.editableEmail ?? '');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const dismissButton = useRef<HTMLButtonElement>(null);
  const busy = busyId !== null;
  const thisBusy = busyId === item.id;
  const base = `outbox-${item.id}`;

  const open = (next: Mode) => {
    setProblem(null);
    if (next === 'edit') setEmail(item.editableEmail ?? '');
    if (next === 'dismiss') setReason('');
    setMode(next);
  };
  const close = () => {
    const back = mode === 'edit' ? editButton : dismissButton;
    setMode('actions');
    setProblem(null);
    // The button that opened the form comes back: put the focus on it again.
    requestAnimationFrame(() => back.current?.focus());
  };
  // Esc closes the form rather than leaving the screen.
  const onFormKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
    }
  };

  const finish = (ok: boolean) => {
    if (ok) {
      setMode('actions');
      onDone();
    }
  };
  const onRetry = async () => finish(await retry(item.id));
  const onEdit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const parsed = emailSchema.safeParse(email.trim());
    if (!parsed.success) {
      setProblem('Enter one complete email address, such as maria@example.com.');
      return;
    }
    finish(await editAndRetry(item.id, parsed.data));
  };
  const onDismiss = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const parsed = reasonSchema.safeParse(reason);
    if (!parsed.success) {
      setProblem('Say why in at least 3 characters (up to 300), for example “family declined the portal”.');
      return;
    }
    finish(await dismiss(item.id, parsed.data));
  };
  /** Typing in a form's field takes its value and clears the problem shown. */
  const typed = (set: (value: string) => void) => (event: ChangeEvent<HTMLInputElement>) => {
    set(event.target.value);
    setProblem(null);
  };

  return (
    <div className="outbox-actions-area">
      {mode === 'actions' && (
        <div className="outbox-actions">
          <button type="button" className="primary" disabled={busy} onClick={() => void onRetry()}>
            Retry
          </button>
          {item.editableEmail !== null && (
            <button ref={editButton} type="button" disabled={busy} onClick={() => open('edit')}>
              Edit email and retry
            </button>
          )}
          <button ref={dismissButton} type="button" disabled={busy} onClick={() => open('dismiss')}>
            Dismiss
          </button>
          {thisBusy && <span className="muted">Working…</span>}
        </div>
      )}
      {mode === 'edit' && (
        <form className="outbox-form" noValidate aria-label="Edit email and retry" onSubmit={(event) => void onEdit(event)} onKeyDown={onFormKeyDown}>
          <label htmlFor={`${base}-email`}>Email address for this Welcome email</label>
          <div className="outbox-form-row">
            <input
              id={`${base}-email`}
              type="email"
              inputMode="email"
              autoComplete="off"
              spellCheck={false}
              maxLength={254}
              autoFocus
              value={email}
              readOnly={thisBusy}
              aria-invalid={problem ? true : undefined}
              aria-describedby={problem ? `${base}-problem` : undefined}
              onChange={typed(setEmail)}
            />
            <SubmitOrCancel label="Save and retry" className="primary" busy={busy} thisBusy={thisBusy} onCancel={close} />
          </div>
        </form>
      )}
      {mode === 'dismiss' && (
        <form className="outbox-form" noValidate aria-label="Dismiss" onSubmit={(event) => void onDismiss(event)} onKeyDown={onFormKeyDown}>
          <label htmlFor={`${base}-reason`}>Why is it dismissed? (at least 3 characters)</label>
          <div className="outbox-form-row">
            <input
              id={`${base}-reason`}
              type="text"
              autoComplete="off"
              maxLength={300}
              autoFocus
              value={reason}
              readOnly={thisBusy}
              aria-invalid={problem ? true : undefined}
              aria-describedby={problem ? `${base}-problem ${base}-reason-hint` : `${base}-reason-hint`}
              onChange={typed(setReason)}
            />
            <SubmitOrCancel label="Dismiss for good" className="danger" busy={busy} thisBusy={thisBusy} onCancel={close} />
          </div>
          <p id={`${base}-reason-hint`} className="outbox-hint">
            A dismissed item is never tried again. The reason is kept with it.
          </p>
        </form>
      )}
      {problem && (
        <p id={`${base}-problem`} className="outbox-problem">
          {problem}
        </p>
      )}
    </div>
  );
}

type RowProps = ReturnType<ReturnType<typeof useRowNavigation>['rowProps']>;

function OutboxRow({ item, onDone, rowProps }: { item: OutboxItemView; onDone: () => void; rowProps: RowProps }) {
  const actionError = useOutbox((s) => s.actionError);
  const base = `outbox-${item.id}`;
  const active = rowProps['data-active'] === 'true';
  return (
    <li className={`outbox-item outbox-${item.status}${active ? ' active' : ''}`} aria-labelledby={`${base}-summary`} {...rowProps}>
      <p id={`${base}-summary`} className="outbox-summary">
        {item.summary}
      </p>
      <p className="outbox-kind">
        {KIND_LABEL[item.kind] ?? item.kind} · added {formatWhen(item.createdAt)}
      </p>
      <dl className="outbox-facts">
        <div>
          <dt>Attempts</dt>
          <dd>{attemptsText(item.attempts)}</dd>
        </div>
        <div>
          <dt>Last problem</dt>
          <dd className={item.lastError ? 'outbox-error' : undefined}>{item.lastError ?? 'None'}</dd>
        </div>
        <div>
          <dt>Next attempt</dt>
          <dd>{nextAttemptText(item)}</dd>
        </div>
      </dl>
      {item.status === 'needs_attention' && <AttentionActions item={item} onDone={onDone} />}
      {actionError?.id === item.id && (
        <p role="alert" className="error outbox-failed">
          {actionError.message}
        </p>
      )}
    </li>
  );
}

export function OutboxScreen({ tab }: { tab: OutboxTab }) {
  const { items, tab: loadedTab, loading, error, note, load, busyId, retryAll } = useOutbox();
  const status = useSession((s) => s.status);
  const replace = useNavigation((s) => s.replace);
  const tabRefs = useRef<Partial<Record<OutboxTab, HTMLButtonElement | null>>>({});
  const noteRef = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    void load(tab);
  }, [tab, load]);
  // Keep the list current while it is open: deliveries and retries change it in the background.
  useEffect(() => {
    const timer = setInterval(() => void load(tab, true), REFRESH_MS);
    return () => clearInterval(timer);
  }, [tab, load]);
  const counts = status ? `${status.outboxWaiting}/${status.outboxNeedsAttention}` : null;
  const lastCounts = useRef(counts);
  useEffect(() => {
    if (counts !== null && lastCounts.current !== null && counts !== lastCounts.current) void load(tab, true);
    lastCounts.current = counts;
  }, [counts, tab, load]);
  // On arrival, the selected tab has the focus, so the arrow keys and Tab work from the start.
  useEffect(() => {
    tabRefs.current[tab]?.focus();
  }, [tab]);

  const select = (next: OutboxTab) => {
    if (next !== tab) replace({ name: 'outbox', tab: next });
  };
  const onTabKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    const i = TABS.findIndex((t) => t.tab === tab);
    let next: number | null = null;
    if (event.key === 'ArrowRight') next = (i + 1) % TABS.length;
    else if (event.key === 'ArrowLeft') next = (i - 1 + TABS.length) % TABS.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = TABS.length - 1;
    if (next === null) return;
    event.preventDefault();
    select(TABS[next]!.tab);
  };
  // After an action the row may leave the list: the note saying what happened takes the focus.
  const onDone = () => requestAnimationFrame(() => noteRef.current?.focus());

  const current = TABS.find((t) => t.tab === tab)!;
  const shown = loadedTab === tab ? items : null;
  const listRef = useRef<HTMLUListElement>(null);
  // Enter on a row that needs attention goes to its first action (Retry); Esc comes back to the row.
  const openRow = useCallback((_item: OutboxItemView, row: HTMLElement) => row.querySelector<HTMLButtonElement>('button:not(:disabled)')?.focus(), []);
  const { onKeyDown: onRowsKeyDown, rowProps } = useRowNavigation(shown ?? [], openRow, listRef);
  // The list on screen is the freshest count for its own tab; the status gives the other one.
  const countOf = (t: OutboxTab) => {
    if (t === tab && shown && shown.length < LIST_LIMIT) return shown.length;
    return status ? (t === 'pending' ? status.outboxWaiting : status.outboxNeedsAttention) : null;
  };

  return (
    <section className="screen outbox-screen" aria-labelledby="outbox-title">
      <header className="screen-header">
        <h1 id="outbox-title">Outbox</h1>
        <p className="muted">
          Portal registrations, Welcome emails and name corrections wait here until they are delivered. Items that need attention are no longer tried on their
          own. ←→ to switch tabs, Esc to go back.
        </p>
      </header>
      <div className="outbox-tabs" role="tablist" aria-label="Outbox">
        {TABS.map((t) => {
          const selected = t.tab === tab;
          const n = countOf(t.tab);
          return (
            <button
              key={t.tab}
              ref={(el) => {
                tabRefs.current[t.tab] = el;
              }}
              id={`outbox-tab-${t.tab}`}
              type="button"
              role="tab"
              className={selected ? 'outbox-tab selected' : 'outbox-tab'}
              aria-selected={selected}
              aria-controls="outbox-panel"
              tabIndex={selected ? 0 : -1}
              onClick={() => select(t.tab)}
              onKeyDown={onTabKeyDown}
            >
              {t.label}
              {n !== null && <span className={t.tab === 'needs_attention' && n > 0 ? 'outbox-count attention' : 'outbox-count'}> ({n})</span>}
            </button>
          );
        })}
      </div>
      <div id="outbox-panel" className="outbox-panel" role="tabpanel" aria-labelledby={`outbox-tab-${tab}`}>
        <p ref={noteRef} role="status" tabIndex={-1} className="outbox-note">
          {note ?? ''}
        </p>
        <ErrorNote message={error} />
        {!shown && !error && <p className="muted">{loading ? 'Loading…' : ''}</p>}
        {shown && shown.length === 0 && <p className="empty">{current.empty}</p>}
        {shown && shown.length >= LIST_LIMIT && <p className="muted">Showing the oldest {LIST_LIMIT}; the others follow once these are handled.</p>}
        {shown && shown.length > 0 && tab === 'needs_attention' && (
          <div className="outbox-bulk-actions">
            <button type="button" className="primary" disabled={busyId !== null} onClick={() => void retryAll().then((ok) => ok && onDone())}>
              Retry all ({shown.length >= LIST_LIMIT ? `${LIST_LIMIT}+` : shown.length})
            </button>
            {busyId === 'all' && <span className="muted">Working…</span>}
          </div>
        )}
        {shown && shown.length > 0 && (
          <>
            <p className="muted outbox-keys">↑↓ to move between items{tab === 'needs_attention' ? ', Enter for its actions, Esc back to the item' : ''}.</p>
            <ul ref={listRef} className="outbox-items" aria-label={current.listLabel} onKeyDown={onRowsKeyDown}>
              {shown.map((item, i) => (
                <OutboxRow key={item.id} item={item} onDone={onDone} rowProps={rowProps(i)} />
              ))}
            </ul>
          </>
        )}
      </div>
    </section>
  );
}
