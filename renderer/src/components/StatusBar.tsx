import { useEffect, useRef, useState, type RefObject } from 'react';
import type { StatusInfo } from '../../../shared/api';
import { clockBehindRecordsWarning, clockSkewWarning } from '../../../shared/domain/clockSkew';
import { journalSetAsideWarning, unsavedPinsWarning } from '../../../shared/domain/unsavedPins';
import { connectionLabel } from '../../../shared/domain/connection';
import { jobLabel } from '../../../shared/jobs/jobs';
import { call } from '../api/client';
import { useNavigation } from '../app/navigation';
import { useSession } from '../app/sessionStore';

const STATUS_REFRESH_MS = 5_000;
/** While a job runs, its progress is read more often. */
const JOB_REFRESH_MS = 1_000;

const count = (n: number) => n.toLocaleString('en-US');

/** "Syncing: 12,000 rows, about 188,000 left" */
function syncLabel(progress: NonNullable<StatusInfo['syncProgress']>): string {
  return `Syncing: ${count(progress.rowsDone)} rows, about ${count(progress.remaining)} left`;
}

/**
 * Publishes the bar's height as --status-bar-height: the page keeps that much room under its last
 * row, and whatever is scrolled into view (a highlighted row, a focused field) stops above the bar,
 * however many lines it wraps to (WCAG 2.4.11). Zero when the bar is not fixed (narrow windows).
 */
function useStatusBarHeight(bar: RefObject<HTMLElement | null>) {
  useEffect(() => {
    const element = bar.current;
    if (!element) return;
    const root = document.documentElement;
    const publish = () => {
      const fixed = getComputedStyle(element).position === 'fixed';
      root.style.setProperty('--status-bar-height', `${fixed ? Math.ceil(element.getBoundingClientRect().height) : 0}px`);
    };
    publish();
    const observer = new ResizeObserver(publish);
    observer.observe(element);
    window.addEventListener('resize', publish);
    return () => {
      observer.disconnect();
      window.removeEventListener('resize', publish);
      root.style.removeProperty('--status-bar-height');
    };
  }, [bar]);
}

/** Always visible: connectivity, email transport, what waits in the outbox, what needs attention, sync, clerk. */
export function StatusBar() {
  const { status, session, refreshStatus } = useSession();
  const go = useNavigation((s) => s.go);
  // The practice system's clock says more than this desk's records; the records speak when it cannot (offline).
  const skewWarning = clockSkewWarning(status?.clockSkewMs ?? null);
  const recordsWarning = skewWarning ? null : clockBehindRecordsWarning(status?.clockBehindRecordsMs ?? null);
  const clockWarning = skewWarning ?? recordsWarning;
  const pinsWarning = unsavedPinsWarning(status?.unsavedPins ?? null);
  const journalWarning = journalSetAsideWarning(status?.journalSetAside ?? null);
  /** An administrator's "the clock is right" waits for a second, explicit yes naming the time. */
  const [confirmingClock, setConfirmingClock] = useState(false);
  /**
   * Where the keyboard goes once the two buttons go: back to "The clock is right…" (Cancel, or a refusal), or to
   * the line saying the clock was confirmed (the warning and its buttons are gone). Never the page's body.
   */
  const [clockFocus, setClockFocus] = useState<'ask' | 'confirmed' | null>(null);
  const [clockConfirmed, setClockConfirmed] = useState(false);
  const askButton = useRef<HTMLButtonElement>(null);
  const confirmedLine = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (clockFocus === null) return;
    (clockFocus === 'ask' ? askButton : confirmedLine).current?.focus();
    setClockFocus(null);
  }, [clockFocus]);
  const bar = useRef<HTMLElement>(null);
  const connection = connectionLabel({
    syncConfigured: status?.syncConfigured ?? false,
    online: status?.online ?? null,
    lastSyncAt: status?.lastSyncAt ?? null,
  });
  useStatusBarHeight(bar);
  const jobRunning = status?.jobs?.some((j) => j.state === 'running' || j.state === 'cancelling') ?? false;
  useEffect(() => {
    void refreshStatus();
    const timer = setInterval(() => void refreshStatus(), jobRunning ? JOB_REFRESH_MS : STATUS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [refreshStatus, jobRunning]);
  // Running jobs, and those that ended other than plainly (cancelled, stopped, resumed after a restart).
  const jobs = (status?.jobs ?? []).filter((j) => j.state !== 'done' || j.resumed);
  // A large pull is a job: its line says how far it is, instead of the plain "Syncing" count.
  const pullJobShown = jobs.some((j) => j.kind === 'sync.pull' && (j.state === 'running' || j.state === 'cancelling'));
  const isAdmin = status?.clerk?.role === 'admin';
  const confirmClock = async () => {
    let confirmed = false;
    try {
      await call('clock.confirm', {});
      confirmed = true;
    } finally {
      setConfirmingClock(false);
      setClockConfirmed(confirmed);
      await refreshStatus();
      setClockFocus(confirmed ? 'confirmed' : 'ask');
    }
  };
  const cancelJob = async (jobId: string) => {
    try {
      await call('jobs.cancel', { jobId });
    } finally {
      void refreshStatus();
    }
  };

  return (
    // The footer is the page's contentinfo landmark; the live status is inside it (a footer cannot be a status).
    <footer ref={bar} className="status-bar no-print">
      <div className="status-bar-items" role="status" aria-label="Status">
        {status?.auditLog === 'tampered' && (
          <button type="button" className="status-item status-button audit-tampered" title="Open the audit log" onClick={() => go({ name: 'audit' })}>
            Audit log changed: check failed
          </button>
        )}
        {status?.auditCheck && status.auditCheck.rowsTotal > 0 && (
          <span className="status-item">{`Checking the audit log: ${Math.floor((100 * status.auditCheck.rowsChecked) / status.auditCheck.rowsTotal)}%`}</span>
        )}
        <span className={`status-item connection-${connection.tone}`}>{connection.text}</span>
        {status?.emailTransport === 'smtp' && <span className="status-item">Email: SMTP</span>}
        {status?.emailTransport === 'mail-drop' && (
          <button type="button" className="status-item status-button mail-drop" title="Open the mail-drop folder" onClick={() => go({ name: 'maildrop' })}>
            Email: mail-drop (not sent)
          </button>
        )}
        {status ? (
          <button type="button" className="status-item status-button" title="Open the outbox: waiting" onClick={() => go({ name: 'outbox', tab: 'pending' })}>
            {`${count(status.outboxWaiting)} waiting`}
          </button>
        ) : (
          <span className="status-item">…</span>
        )}
        {status && (
          <button
            type="button"
            className={`status-item status-button${status.outboxNeedsAttention > 0 ? ' attention' : ''}`}
            title="Open the outbox: needs attention"
            onClick={() => go({ name: 'outbox', tab: 'needs_attention' })}
          >
            {`${count(status.outboxNeedsAttention)} need attention`}
          </button>
        )}
        <span className="status-item">Last sync: {status?.lastSyncAt ? new Date(status.lastSyncAt).toLocaleString() : 'never'}</span>
        {status?.syncProgress && !pullJobShown && <span className="status-item sync-progress">{syncLabel(status.syncProgress)}</span>}
        {jobs.map((j) => (
          <span
            key={j.id}
            className={`status-item job-${j.state}${j.state === 'failed' || j.state === 'rolled_back' ? ' attention' : ''}`}
            title={j.message ?? undefined}
          >
            {jobLabel(j)}
            {/* The import screen has its own Cancel; a pull runs from no screen, so its Cancel is here (administrators). */}
            {isAdmin && j.kind === 'sync.pull' && j.state === 'running' && (
              <button
                type="button"
                className="status-button job-cancel"
                title="Stop the sync after the page it is writing; what arrived is kept"
                onClick={() => void cancelJob(j.id).catch(() => undefined)}
              >
                Cancel sync
              </button>
            )}
          </span>
        ))}
        {pinsWarning && <span className="status-item attention unsaved-pins">{pinsWarning}</span>}
        {journalWarning && <span className="status-item attention journal-set-aside">{journalWarning}</span>}
        {status?.syncProblem && (
          <span className="status-item attention sync-problem" title="Why the last sync stopped">
            Sync stopped: {status.syncProblem}
          </span>
        )}
        {clockWarning && (
          <span className="status-item attention clock-skew">
            {clockWarning}
            {/* Only the desk's own records say so (no practice system to ask): an administrator who checked the clock lets issuing go on. */}
            {recordsWarning && isAdmin && !confirmingClock && (
              <button type="button" className="status-button" ref={askButton} onClick={() => setConfirmingClock(true)}>
                The clock is right…
              </button>
            )}
            {recordsWarning && isAdmin && confirmingClock && (
              <>
                <button type="button" className="status-button" autoFocus onClick={() => void confirmClock().catch(() => undefined)}>
                  {`Yes: it is ${new Date().toLocaleString()} now`}
                </button>
                <button
                  type="button"
                  className="status-button"
                  onClick={() => {
                    setConfirmingClock(false);
                    setClockFocus('ask');
                  }}
                >
                  Cancel
                </button>
              </>
            )}
          </span>
        )}
        {clockConfirmed && !clockWarning && (
          // Focus lands here once the warning is gone, and the line goes when the clerk moves on.
          // biome-ignore lint/a11y/noStaticElementInteractions: the blur only tidies the line away; nothing here is operated.
          <span className="status-item clock-confirmed" tabIndex={-1} ref={confirmedLine} onBlur={() => setClockConfirmed(false)}>
            Clock confirmed: issuing can go on.
          </span>
        )}
        <span className="status-spacer" />
        <span className="status-item">
          {status?.clerk ? `Signed in: ${status.clerk.displayName}` : 'Not signed in'}
          {session ? ` · ${session.workstation}` : ''}
        </span>
      </div>
    </footer>
  );
}
