import { useEffect, useRef, useState, type FormEvent, type Ref } from 'react';
import type { SettingKey } from '../../../shared/settings';
import { isNumberSetting, reviewDraft, SETTING_KEYS, useSettings, type FieldCheck } from './settingsStore';
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

function workstationZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

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
    hint: `Decides the practice’s “today” for check-in, ages and PIN expiry. Leave empty to use this workstation’s zone (${workstationZone()}).`,
    placeholder: workstationZone(),
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
  return (
    <div className={problem ? 'settings-field invalid' : 'settings-field'}>
      <label htmlFor={id}>{info.label}</label>
      <input
        ref={inputRef}
        id={id}
        name={key}
        className="settings-input"
        type={number ? 'number' : key === 'portalUrl' ? 'url' : 'text'}
        inputMode={number ? 'numeric' : undefined}
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
        aria-describedby={problem ? `${id}-problem ${id}-hint` : `${id}-hint`}
        onChange={(event) => onEdit(key, event.target.value)}
      />
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

export function SettingsScreen() {
  const { saved, draft, loading, saving, loadError, saveError, savedNote, load, edit, save } = useSettings();
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
    return () => {
      live = false;
    };
  }, [load]);
  // Once the values are in, put the cursor in the first field so the form works from the keyboard.
  const ready = loaded && saved !== null && draft !== null && !loading;
  useEffect(() => {
    if (ready && !focusedOnce.current) {
      focusedOnce.current = true;
      firstField.current?.focus();
    }
  }, [ready]);

  const review = ready ? reviewDraft(saved, draft) : null;
  const canSave = Boolean(review?.canSave) && !saving;

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
  if (saving) saveHelp = 'Saving…';
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
      </header>
      {loadError && (
        <p role="alert" className="error">
          {loadError}
        </p>
      )}
      {!ready && !loadError && <p className="muted">Loading…</p>}
      {ready && review && (
        <form className="settings-form" noValidate aria-labelledby="settings-title" onSubmit={(event) => void onSubmit(event)}>
          {SETTING_KEYS.map((key, i) => (
            <SettingField
              key={key}
              settingKey={key}
              text={draft[key]}
              check={review.checks[key]}
              readOnly={saving}
              inputRef={i === 0 ? firstField : undefined}
              onEdit={edit}
            />
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
      )}
    </section>
  );
}
