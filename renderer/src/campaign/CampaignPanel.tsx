import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { CampaignProgress } from '../../../shared/campaign/api';
import { useNavigation } from '../app/navigation';
import { count } from '../bulk/bulkWords';
import { useCampaign } from './campaignStore';
import { etaText, startConfirmation, STATE_WORDS } from './campaignWords';
import './campaign.css';
import { ErrorNote } from '../components/ErrorNote';

/** How often the panel asks for progress while it is open. */
const POLL_MS = 5_000;

function ProgressView({ progress }: { progress: CampaignProgress }) {
  const { busy, pause, resume } = useCampaign();
  const go = useNavigation((s) => s.go);
  const share = (n: number) => (progress.total === 0 ? 0 : (n / progress.total) * 100);
  const onTheirWay = progress.released - progress.sent - progress.failed;
  return (
    <div className="campaign-progress">
      <p className="campaign-state">
        <span className={`campaign-badge campaign-${progress.state}`}>{STATE_WORDS[progress.state]}</span>
        <span className="muted">
          Started {new Date(progress.startedAt).toLocaleString('en-US', { dateStyle: 'medium', timeStyle: 'short' })} by {progress.startedBy}
        </span>
      </p>
      <div
        className="campaign-bar"
        role="progressbar"
        aria-label="Set Up My Account emails sent"
        aria-valuemin={0}
        aria-valuemax={progress.total}
        aria-valuenow={progress.sent}
        aria-valuetext={`${count(progress.sent)} of ${count(progress.total)} sent`}
      >
        <span className="campaign-bar-sent" style={{ width: `${share(progress.sent)}%` }} />
        <span className="campaign-bar-failed" style={{ width: `${share(progress.failed)}%` }} />
        <span className="campaign-bar-released" style={{ width: `${share(onTheirWay)}%` }} />
      </div>
      <dl className="campaign-counts" aria-label="Campaign counts">
        <div>
          <dt>Guardians</dt>
          <dd>{count(progress.total)}</dd>
        </div>
        <div>
          <dt>Released</dt>
          <dd>{count(progress.released)}</dd>
        </div>
        <div>
          <dt>Sent</dt>
          <dd>{count(progress.sent)}</dd>
        </div>
        <div className={progress.failed > 0 ? 'campaign-count-failed' : undefined}>
          <dt>Need attention</dt>
          <dd>{count(progress.failed)}</dd>
        </div>
      </dl>
      <p className="campaign-eta">{etaText(progress)}</p>
      {progress.failed > 0 && (
        <p>
          <button type="button" className="link-button" onClick={() => go({ name: 'outbox', tab: 'needs_attention' })}>
            Open the Outbox to see why {progress.failed === 1 ? 'one email' : `${count(progress.failed)} emails`} could not be sent
          </button>
        </p>
      )}
      <div className="campaign-actions">
        {progress.state === 'running' && (
          <button type="button" onClick={() => void pause()} aria-disabled={busy !== null || undefined}>
            {busy === 'pause' ? 'Pausing…' : 'Pause sending'}
          </button>
        )}
        {progress.state === 'paused' && (
          <button type="button" className="primary" onClick={() => void resume()} aria-disabled={busy !== null || undefined}>
            {busy === 'resume' ? 'Resuming…' : 'Resume sending'}
          </button>
        )}
      </div>
    </div>
  );
}

function StartView() {
  const { status, busy, start } = useCampaign();
  const [confirming, setConfirming] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const startButton = useRef<HTMLButtonElement>(null);
  const preview = status?.preview;

  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  if (!preview) return null;
  const cancel = () => {
    setConfirming(false);
    startButton.current?.focus();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault(); // Escape closes the question, not the screen
      cancel();
    }
  };
  return (
    <div>
      <p className="muted">
        Optional, and instead of sending the Bulk PIN file to the vendor (or parents get two emails): email each eligible guardian a personal Set Up My Account
        link from here. One email per guardian lists all their eligible children; the link works 14 days, after which the parent is told to contact the
        practice. Emails leave through the Outbox at the pace set in Settings ({count(preview.perHour)} per hour).
      </p>
      {status.cannotStart ? (
        <p className="campaign-blocked">{status.cannotStart}</p>
      ) : !confirming ? (
        <button type="button" ref={startButton} onClick={() => setConfirming(true)}>
          Start the campaign…
        </button>
      ) : (
        // biome-ignore lint/a11y/useSemanticElements: a question and its two buttons, not a form: a <fieldset> does not belong here
        <div className="campaign-confirm" role="group" aria-labelledby="campaign-confirm-text" onKeyDown={onKeyDown}>
          <p id="campaign-confirm-text">{startConfirmation(preview)}</p>
          <div className="campaign-actions">
            <button
              type="button"
              className="primary"
              ref={confirmButton}
              aria-disabled={busy !== null || undefined}
              onClick={() => {
                void start(preview.guardians).then((ok) => {
                  if (ok) setConfirming(false);
                });
              }}
            >
              {busy === 'start' ? 'Starting…' : `Email ${count(preview.guardians)} ${preview.guardians === 1 ? 'guardian' : 'guardians'}`}
            </button>
            <button type="button" onClick={cancel}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

/** The "Set Up My Account" campaign on the Bulk PIN screen: start with a confirmation, then progress, pause and resume. */
export function CampaignPanel() {
  const { status, loadError, actionError, load } = useCampaign();
  const inProgress = status?.campaign != null && status.campaign.state !== 'finished';

  useEffect(() => {
    void load();
  }, [load]);
  // Progress while a campaign is under way and the panel is open; nothing runs once the screen is left.
  useEffect(() => {
    if (!inProgress) return undefined;
    const timer = window.setInterval(() => void load(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [inProgress, load]);

  return (
    <section className="bulk-panel campaign-panel" aria-labelledby="campaign-title">
      <h2 id="campaign-title">Set Up My Account campaign</h2>
      {!status && <ErrorNote message={loadError} lead="Could not read the campaign: " />}
      {status?.campaign ? <ProgressView progress={status.campaign} /> : <StartView />}
      <p role="alert" className="error campaign-error">
        {actionError ?? ''}
      </p>
    </section>
  );
}
