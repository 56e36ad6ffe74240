import { useEffect } from 'react';
import { useSession } from '../app/sessionStore';

const STATUS_REFRESH_MS = 5_000;

function onlineLabel(online: boolean | null): string {
  if (online === null) return 'Practice system: not connected yet';
  return online ? 'Online' : 'Offline: PINs still work, deliveries wait';
}

/** Always visible: connectivity, what waits in the outbox, what needs attention, last sync, clerk. */
export function StatusBar() {
  const { status, session, refreshStatus } = useSession();
  useEffect(() => {
    void refreshStatus();
    const timer = setInterval(() => void refreshStatus(), STATUS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [refreshStatus]);

  return (
    <footer className="status-bar no-print" role="status" aria-label="Status">
      <span className={`status-item online-${String(status?.online ?? 'unknown')}`}>{onlineLabel(status?.online ?? null)}</span>
      <span className="status-item">{status ? `${status.outboxWaiting} waiting` : '…'}</span>
      <span className={`status-item${status && status.outboxNeedsAttention > 0 ? ' attention' : ''}`}>
        {status ? `${status.outboxNeedsAttention} need attention` : ''}
      </span>
      <span className="status-item">Last sync: {status?.lastSyncAt ? new Date(status.lastSyncAt).toLocaleString() : 'never'}</span>
      <span className="status-spacer" />
      <span className="status-item">
        {status?.clerk ? `Signed in: ${status.clerk.displayName}` : 'Not signed in'}
        {session ? ` · ${session.workstation}` : ''}
      </span>
    </footer>
  );
}
