import { useEffect, useRef, useState, type FormEvent, type Ref } from 'react';
import { workstationTimeZone, type SecretKey, type SettingKey, type Settings } from '../../../shared/settings';
import { useNavigation } from '../app/navigation';
import { useSession } from '../app/sessionStore';
import { useAuth } from '../auth/authStore';
import { useSecrets } from './secretsStore';
import { isChoiceSetting, isNumberSetting, reviewDraft, SETTING_SECTIONS, useSettings, type Draft, type FieldCheck } from './settingsStore';
import { describeSync, useSyncProblems, useSyncRun } from './syncStore';
import './settings.css';

interface FieldInfo {
  label: string;
  hint: string;
  /** For number fields: the bounds the schema enforces (shown to the browser's spin buttons). */
  min?: number;
  max?: number;
  placeholder?: string;
}

/** Common US practice zones; any IANA zone this computer knows is accepted. */
const US_TIME_ZONES = [
  'America/New_York',
  'America/Detroit',
  'America/Indiana/Indianapolis',
  'America/Chicago',
  'America/Denver',
  'America/Boise',
  'America/Phoenix',
  'America/Los_Angeles',
  'America/Anchorage',
  'America/Adak',
  'Pacific/Honolulu',
  'America/Puerto_Rico',
  'America/St_Thomas',
  'Pacific/Guam',
  'Pacific/Saipan',
  'Pacific/Pago_Pago',
];

const FIELDS: Record<SettingKey, FieldInfo> = {
  practiceName: {
    label: 'Practice name',
    hint: 'Shown in the top bar and printed on every family packet.',
  },
  portalUrl: {
    label: 'Portal address',
    hint: 'Where families sign in to the portal; printed on every family packet. Starts with https://.',
    placeholder: 'https://portal.example.org',
  },
  practicePhone: {
    label: 'Practice phone for parents',
    hint: 'Printed on PIN slips and in Welcome emails for questions. Leave empty to print none.',
    placeholder: '(555) 010-2400',
  },
  minorAgeLimit: {
    label: 'Minor Age Limit',
    hint: 'Varies by state; patients at or above it register on their own account, not under a guardian.',
    min: 12,
    max: 21,
  },
  pinValidityDays: {
    label: 'PIN validity (days)',
    hint: 'How long a newly issued PIN works, from 1 to 365 days. The incumbent portal’s PINs never expire; NIST SP 800-63B asks for a limit.',
    min: 1,
    max: 365,
  },
  adolescentAge: {
    label: 'Adolescent-confidentiality warning age',
    hint: 'From this age the PIN wizard warns that a parent’s portal access may be limited (many practices use 12 or 13). 0 = off.',
    min: 0,
    max: 21,
  },
  timeZone: {
    label: 'Practice time zone',
    hint: `Decides the practice’s “today” for check-in, ages and PIN expiry. Leave empty to use this workstation’s zone (${workstationTimeZone()}).`,
    placeholder: workstationTimeZone(),
  },
  smtpHost: {
    label: 'Mail server (SMTP host)',
    hint: 'The server that sends Welcome emails, such as smtp.example.org. Empty means no server: emails are written to the mail-drop folder and not sent.',
    placeholder: 'smtp.example.org',
  },
  smtpPort: {
    label: 'Mail server port',
    hint: 'Usually 587 with STARTTLS or 465 with TLS; the email provider’s instructions say which.',
    min: 1,
    max: 65535,
  },
  smtpSecurity: {
    label: 'Connection security',
    hint: 'STARTTLS connects, then switches to encryption before the password is sent (usual on port 587). TLS is encrypted from the first moment (usual on port 465). None sends everything unencrypted, the password too: only for a mail relay inside the practice. Choosing one changes the port when it is still the usual port of the other.',
  },
  smtpUser: {
    label: 'Mail account user name',
    hint: 'For signing in to the mail server, often the full email address. Leave empty if the server needs no sign-in. The password is set below.',
  },
  smtpFrom: {
    label: 'From address',
    hint: 'Who Welcome emails come from, such as frontdesk@example.org or Sunny Pediatrics <frontdesk@example.org>.',
    placeholder: 'frontdesk@example.org',
  },
  defaultLanguage: {
    label: 'Default email language',
    hint: 'Language of Welcome emails when the guardian’s language is not known.',
  },
  syncUrl: {
    label: 'Sync service address',
    hint: 'Base address of the practice system’s sync service, starting with https://. Leave empty until it is set up: then nothing is pulled, and changes for the practice system wait in the outbox.',
    placeholder: 'https://sync.example.org',
  },
  lockAfterMinutes: {
    label: 'Lock after (minutes without activity)',
    hint: 'The workstation locks when nobody has typed or clicked for this long, from 1 to 60 minutes; the clerk’s unfinished work waits behind the lock. Ctrl+L locks at once.',
    min: 1,
    max: 60,
  },
  backupKeepDays: {
    label: 'Keep daily backups (days)',
    hint: 'A copy of the database is taken every day into the backups folder beside it; copies older than this many days (1 to 365) are removed. A damaged database can be restored from the newest good copy at start.',
    min: 1,
    max: 365,
  },
  campaignPerHour: {
    label: 'Set Up My Account emails per hour',
    hint: 'How fast the Bulk PIN campaign hands its emails to the mail server, from 1 to 10000 an hour (300 by default). A change applies to the emails not yet released.',
    min: 1,
    max: 10000,
  },
};

/** The options of the settings chosen from a list. */
const CHOICES: Partial<Record<SettingKey, readonly { value: string; label: string }[]>> = {
  smtpSecurity: [
    { value: 'starttls', label: 'STARTTLS: encrypted after connecting (usually port 587)' },
    { value: 'tls', label: 'TLS: encrypted from the start (usually port 465)' },
    { value: 'none', label: 'None: not encrypted (only for a relay inside the practice)' },
  ],
  defaultLanguage: [
    { value: 'en', label: 'English' },
    { value: 'es', label: 'Español' },
  ],
};

/** The usual port of each security choice: switching security moves the port along if it was the other's usual one. */
const USUAL_PORT: Record<Settings['smtpSecurity'], string | null> = { starttls: '587', tls: '465', none: null };

function withUsualPort(draft: Draft, security: string): string | null {
  const port = draft.smtpPort.trim();
  const next = USUAL_PORT[security as Settings['smtpSecurity']];
  if (!next || port === next) return null;
  return port === '587' || port === '465' ? next : null;
}

const SECRETS: Record<SecretKey, { label: string; hint: string }> = {
  smtpPassword: {
    label: 'SMTP password',
    hint: 'The mail account’s password. It is kept on this computer, outside the database, and never shown again; type a new one to replace it.',
  },
  syncToken: {
    label: 'Sync token',
    hint: 'The access token the practice system’s sync service gave this practice. It is kept on this computer, outside the database, and never shown again.',
  },
};

function SettingField(props: {
  settingKey: SettingKey;
  text: string;
  check: FieldCheck;
  readOnly: boolean;
  inputRef?: Ref<HTMLInputElement>;
  onEdit(key: SettingKey, text: string): void;
}) {
  const { settingKey: key, text, check, readOnly, inputRef, onEdit } = props;
  const info = FIELDS[key];
  const id = `setting-${key}`;
  const problem = check.ok ? null : check.message;
  const number = isNumberSetting(key);
  const describedBy = problem ? `${id}-problem ${id}-hint` : `${id}-hint`;
  const choices = isChoiceSetting(key) ? (CHOICES[key] ?? []) : null;
  return (
    <div className={problem ? 'settings-field invalid' : 'settings-field'}>
      <label htmlFor={id}>{info.label}</label>
      {choices ? (
        <select
          id={id}
          name={key}
          className="settings-input settings-select"
          value={text}
          aria-readonly={readOnly ? true : undefined}
          aria-invalid={problem ? true : undefined}
          aria-describedby={describedBy}
          onChange={(event) => {
            if (!readOnly) onEdit(key, event.target.value);
          }}
        >
          {!choices.some((choice) => choice.value === text) && <option value={text}>{text || '(none)'}</option>}
          {choices.map((choice) => (
            <option key={choice.value} value={choice.value}>
              {choice.label}
            </option>
          ))}
        </select>
      ) : (
        <input
          ref={inputRef}
          id={id}
          name={key}
          className="settings-input"
          type={number ? 'number' : key === 'portalUrl' || key === 'syncUrl' ? 'url' : 'text'}
          inputMode={number ? 'numeric' : key === 'smtpFrom' ? 'email' : undefined}
          min={info.min}
          max={info.max}
          step={number ? 1 : undefined}
          list={key === 'timeZone' ? 'settings-time-zones' : undefined}
          placeholder={info.placeholder}
          autoComplete="off"
          spellCheck={false}
          value={text}
          readOnly={readOnly}
          aria-invalid={problem ? true : undefined}
          aria-describedby={describedBy}
          onChange={(event) => onEdit(key, event.target.value)}
        />
      )}
      {problem && (
        <p id={`${id}-problem`} className="settings-problem">
          {problem}
        </p>
      )}
      <p id={`${id}-hint`} className="settings-hint">
        {info.hint}
      </p>
    </div>
  );
}


/**
 * A write-only secret: the input belongs to its own small form (the `form` attribute), so Enter in it
 * saves the secret and never the settings around it. The stored value is never shown, only whether there is one.
 */
function SecretField({ secretKey: key }: { secretKey: SecretKey }) {
  const stored = useSecrets((s) => s.stored);
  const state = useSecrets((s) => s.perKey[key]);
  const type = useSecrets((s) => s.type);
  const remove = useSecrets((s) => s.remove);
  const info = SECRETS[key];
  const id = `secret-${key}`;
  const isSet = stored ? stored[key] : null;
  const describedBy = [state.problem ? `${id}-problem` : null, `${id}-status`, `${id}-hint`].filter(Boolean).join(' ');

  let note = '';
  if (state.busy) note = 'Saving…';
  else if (state.note === 'saved') note = `${info.label} saved.`;
  else if (state.note === 'removed') note = `${info.label} removed.`;

  return (
    <div className={state.problem ? 'settings-field settings-secret invalid' : 'settings-field settings-secret'}>
      <label htmlFor={id}>{info.label}</label>
      <p id={`${id}-status`} className="settings-secret-status">
        {info.label}: <strong className={isSet ? 'secret-set' : 'secret-unset'}>{isSet === null ? 'unknown' : isSet ? 'set' : 'not set'}</strong>
      </p>
      <div className="settings-secret-row">
        <input
          id={id}
          form={`${id}-form`}
          name={key}
          className="settings-input settings-secret-input"
          type="password"
          autoComplete="new-password"
          spellCheck={false}
          placeholder={isSet ? 'Type a new one to replace it' : ''}
          value={state.draft}
          readOnly={state.busy}
          aria-invalid={state.problem ? true : undefined}
          aria-describedby={describedBy}
          onChange={(event) => type(key, event.target.value)}
        />
        <button type="submit" form={`${id}-form`} className="settings-secret-button" disabled={state.busy} aria-label={`Save ${info.label}`}>
          Save
        </button>
        <button
          type="button"
          className="settings-secret-button"
          disabled={state.busy || isSet !== true}
          aria-label={`Remove ${info.label}`}
          onClick={() => void remove(key)}
        >
          Remove
        </button>
      </div>
      {state.problem && (
        <p id={`${id}-problem`} className="settings-problem">
          {state.problem}
        </p>
      )}
      {state.error && (
        <p role="alert" className="error settings-failed">
          {state.error}
        </p>
      )}
      <p className="settings-secret-note" aria-live="polite">
        {note}
      </p>
      <p id={`${id}-hint`} className="settings-hint">
        {info.hint}
      </p>
    </div>
  );
}

/** A secret's form element, kept outside the settings form (forms cannot nest); its field sits in its section. */
function SecretForm({ secretKey: key }: { secretKey: SecretKey }) {
  const save = useSecrets((s) => s.save);
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void save(key);
  };
  return <form id={`secret-${key}-form`} className="settings-secret-form" noValidate onSubmit={onSubmit} />;
}

/** Pulls from the practice system now and says what came in, or why it could not. */
function SyncNow({ saved, draftUrl }: { saved: Settings; draftUrl: string }) {
  const { running, summary, error, syncNow } = useSyncRun();
  const status = useSession((s) => s.status);
  const tokenSet = useSecrets((s) => s.stored?.syncToken ?? null);
  const configured = saved.syncUrl !== '';
  // A new address or token: what the last Sync now said ("not set up", a refused token) is about the old one.
  const reset = useSyncRun((s) => s.reset);
  useEffect(() => reset(), [saved.syncUrl, tokenSet, reset]);
  let help = '';
  if (!configured) help = 'Enter the sync service address above and save, then sync.';
  else if (draftUrl.trim() !== saved.syncUrl) help = 'Sync now uses the saved address: save the new one first.';
  else if (tokenSet === false) help = 'Set the sync token above first: the sync service needs it.';
  const lastSync = status?.lastSyncAt ? new Date(status.lastSyncAt).toLocaleString() : 'never';

  return (
    <div className="settings-field settings-sync">
      <div className="settings-sync-row">
        <button type="button" className="settings-sync-button" disabled={running || !configured} aria-describedby="sync-now-help sync-now-result" onClick={() => void syncNow()}>
          Sync now
        </button>
        <span id="sync-now-help" className="settings-save-help">
          {running ? 'Syncing… the status bar shows how far it is.' : help || `Last sync: ${lastSync}.`}
        </span>
      </div>
      <p id="sync-now-result" className="settings-sync-result" aria-live="polite">
        {summary ? describeSync(summary) : ''}
      </p>
      {error && (
        <p role="alert" className="error settings-failed">
          Sync did not finish: {error}
        </p>
      )}
    </div>
  );
}

const PROBLEM_KIND_WORDS: Record<string, string> = {
  family: 'Family',
  patient: 'Patient',
  contact: 'Family Contact',
  patientContact: 'Patient–contact link',
  appointment: 'Appointment',
  tombstone: 'Removal',
  pin: 'PIN from another desk',
  guardian: 'Guardian enrollment',
};

/** Administrators: records the pull set aside (the rest of their page was applied), to report to the vendor. */
function SyncProblems() {
  const { list, loading, error, load } = useSyncProblems();
  const summary = useSyncRun((s) => s.summary);
  // Reloaded after each Sync now, which may add or clear problems.
  useEffect(() => {
    void load();
  }, [load, summary]);
  return (
    <div className="settings-field settings-sync-problems" aria-labelledby="sync-problems-title">
      <h3 id="sync-problems-title">Sync problems</h3>
      {error && (
        <p role="alert" className="error">
          Could not read the list: {error}
        </p>
      )}
      {!error && list && list.total === 0 && <p className="settings-hint">None: every record the practice system sent could be read.</p>}
      {!error && list && list.total > 0 && (
        <>
          <p className="settings-hint">
            {list.total === 1 ? 'One record' : `${list.total.toLocaleString('en-US')} records`} from the practice system could not be applied and
            {list.total === 1 ? ' was' : ' were'} set aside; everything else was. Send this list to the practice system’s vendor. A record
            leaves the list once a corrected copy arrives.
          </p>
          <table className="sync-problems-table">
            <thead>
              <tr>
                <th scope="col">Record</th>
                <th scope="col">Id</th>
                <th scope="col">Problem</th>
                <th scope="col">Seen</th>
              </tr>
            </thead>
            <tbody>
              {list.problems.map((p) => (
                <tr key={`${p.kind}:${p.recordId}`}>
                  <td>{PROBLEM_KIND_WORDS[p.kind] ?? p.kind}</td>
                  <td>{p.recordId}</td>
                  <td>{p.problem}</td>
                  <td>{new Date(p.seenAt).toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.total > list.problems.length && <p className="settings-hint">Showing the newest {list.problems.length}.</p>}
        </>
      )}
      {loading && !list && <p className="settings-hint">Reading…</p>}
    </div>
  );
}

export function SettingsScreen() {
  const { saved, draft, loading, saving, loadError, saveError, savedNote, load, edit, save } = useSettings();
  const loadSecrets = useSecrets((s) => s.load);
  const secretsError = useSecrets((s) => s.loadError);
  const resetSync = useSyncRun((s) => s.reset);
  const go = useNavigation((s) => s.go);
  // Clerks may read the settings; changing them (and the secrets) is for administrators, enforced in main.
  const isAdmin = useAuth((s) => s.state?.clerk?.role === 'admin');
  const firstField = useRef<HTMLInputElement>(null);
  const saveButton = useRef<HTMLButtonElement>(null);
  const note = useRef<HTMLParagraphElement>(null);
  const focusedOnce = useRef(false);
  // The store outlives the screen: show the form only once this visit has read the settings afresh.
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    let live = true;
    void load().then(() => {
      if (live) setLoaded(true);
    });
    if (isAdmin) void loadSecrets();
    resetSync();
    return () => {
      live = false;
    };
  }, [load, loadSecrets, resetSync, isAdmin]);
  // Once the values are in, put the cursor in the first field so the form works from the keyboard.
  const ready = loaded && saved !== null && draft !== null && !loading;
  useEffect(() => {
    if (ready && !focusedOnce.current) {
      focusedOnce.current = true;
      firstField.current?.focus();
    }
  }, [ready]);

  const review = ready ? reviewDraft(saved, draft) : null;
  const canSave = Boolean(review?.canSave) && !saving && isAdmin;

  // Choosing a connection security moves the port along when it is still the other choice's usual port.
  const onEdit = (key: SettingKey, text: string) => {
    edit(key, text);
    if (key === 'smtpSecurity' && draft) {
      const port = withUsualPort(draft, text);
      if (port) edit('smtpPort', port);
    }
  };

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!canSave) return;
    const active = document.activeElement;
    const fromButton = active === saveButton.current || active === document.body || active === null;
    const ok = await save();
    // The Save button turns disabled once saved: keep the focus somewhere useful, on the note.
    if (ok && fromButton) note.current?.focus();
  };

  let saveHelp = '';
  if (!isAdmin) saveHelp = 'Administrator only: ask an administrator to sign in to change settings.';
  else if (saving) saveHelp = 'Saving…';
  else if (review?.anyInvalid) saveHelp = 'Fix the field marked above to save.';
  else if (review && !review.canSave) saveHelp = 'No unsaved changes.';
  else if (review) {
    const n = Object.keys(review.changes).length;
    saveHelp = `${n} ${n === 1 ? 'setting' : 'settings'} changed. Enter or Save to save.`;
  }

  return (
    <section className="screen settings-screen" aria-labelledby="settings-title">
      <header className="screen-header">
        <h1 id="settings-title">Settings</h1>
        <p className="muted">Practice settings for every workstation. Each change is recorded in the audit log under your name.</p>
        {isAdmin ? (
          <button type="button" className="settings-clerks-link" onClick={() => go({ name: 'clerks' })}>
            Clerk accounts…
          </button>
        ) : (
          <p className="settings-callout">Administrator only: you can read these settings; an administrator signs in to change them or manage clerk accounts.</p>
        )}
      </header>
      {loadError && (
        <p role="alert" className="error">
          {loadError}
        </p>
      )}
      {!ready && !loadError && <p className="muted">Loading…</p>}
      {ready && review && (
        <>
          <form className="settings-form" noValidate aria-labelledby="settings-title" onSubmit={(event) => void onSubmit(event)}>
            {SETTING_SECTIONS.map((section) => (
              <fieldset key={section.id} className="settings-section" aria-labelledby={`settings-section-${section.id}`}>
                <h2 id={`settings-section-${section.id}`} className="settings-section-title">
                  {section.title}
                </h2>
                {section.id === 'email' && saved.smtpHost === '' && (
                  <p className="settings-callout">
                    No mail server is set: Welcome emails are written to the mail-drop folder and not sent.{' '}
                    <button type="button" className="link-button" onClick={() => go({ name: 'maildrop' })}>
                      Open the mail-drop folder
                    </button>
                  </p>
                )}
                {section.keys.map((key) => (
                  <SettingField
                    key={key}
                    settingKey={key}
                    text={draft[key]}
                    check={review.checks[key]}
                    readOnly={saving || !isAdmin}
                    inputRef={key === 'practiceName' ? firstField : undefined}
                    onEdit={onEdit}
                  />
                ))}
                {isAdmin && section.id === 'email' && <SecretField secretKey="smtpPassword" />}
                {isAdmin && section.id === 'sync' && <SecretField secretKey="syncToken" />}
                {section.id === 'sync' && <SyncNow saved={saved} draftUrl={draft.syncUrl} />}
                {isAdmin && section.id === 'sync' && <SyncProblems />}
                {isAdmin && (section.id === 'email' || section.id === 'sync') && secretsError && (
                  <p role="alert" className="error settings-failed">
                    Could not tell whether the {section.id === 'email' ? 'SMTP password' : 'sync token'} is set: {secretsError}
                  </p>
                )}
              </fieldset>
            ))}
            <datalist id="settings-time-zones">
              {US_TIME_ZONES.map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
            <div className="settings-actions">
              <button ref={saveButton} type="submit" className="settings-save" disabled={!canSave} aria-describedby="settings-save-help">
                Save
              </button>
              <span id="settings-save-help" className="settings-save-help">
                {saveHelp}
              </span>
            </div>
            {saveError && (
              <p role="alert" className="error settings-failed">
                {saveError}
              </p>
            )}
            <p ref={note} role="status" tabIndex={-1} className="settings-note">
              {savedNote ? 'Saved. Changes are recorded in the audit log.' : ''}
            </p>
          </form>
          <SecretForm secretKey="smtpPassword" />
          <SecretForm secretKey="syncToken" />
        </>
      )}
    </section>
  );
}
