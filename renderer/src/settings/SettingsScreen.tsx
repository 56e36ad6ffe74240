import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { SettingKey } from '../../../shared/settings';
import { useNavigation } from '../app/navigation';
import { useAuth } from '../auth/authStore';
import { EmailSection } from './EmailSection';
import { SecretForm } from './SecretField';
import { SettingsSection, type SectionFields } from './SettingsSection';
import { SyncSection } from './SyncSection';
import { useSecrets } from './secretsStore';
import { US_TIME_ZONES, withUsualPort } from './settingFields';
import { reviewDraft, SETTING_SECTIONS, useSettings } from './settingsStore';
import { useSyncRun } from './syncStore';
import './settings.css';
import { ErrorNote } from '../components/ErrorNote';

export function SettingsScreen() {
  const { saved, draft, loading, saving, loadError, saveError, savedNote, load, edit, save } = useSettings();
  const loadSecrets = useSecrets((s) => s.load);
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

  const fields: SectionFields | null = ready && review ? { draft, checks: review.checks, readOnly: saving || !isAdmin, firstField, onEdit } : null;

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
          <p className="settings-callout">
            Administrator only: you can read these settings; an administrator signs in to change them or manage clerk accounts.
          </p>
        )}
      </header>
      <ErrorNote message={loadError} />
      {!ready && !loadError && <p className="muted">Loading…</p>}
      {ready && fields && (
        <>
          <form className="settings-form" noValidate aria-labelledby="settings-title" onSubmit={(event) => void onSubmit(event)}>
            {SETTING_SECTIONS.map((section) => {
              if (section.id === 'email') return <EmailSection key={section.id} section={section} fields={fields} saved={saved} isAdmin={isAdmin} />;
              if (section.id === 'sync') return <SyncSection key={section.id} section={section} fields={fields} saved={saved} isAdmin={isAdmin} />;
              return <SettingsSection key={section.id} section={section} fields={fields} />;
            })}
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
            <ErrorNote message={saveError} className="settings-failed" />
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
