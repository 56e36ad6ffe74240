import type { FormEvent } from 'react';
import type { EnteredSecretKey } from '../../../shared/settings';
import { useSecrets } from './secretsStore';
import { SECRETS } from './settingFields';
import { ErrorNote } from '../components/ErrorNote';

/**
 * A write-only secret: the input belongs to its own small form (the `form` attribute), so Enter in it
 * saves the secret and never the settings around it. The stored value is never shown, only whether there is one.
 */
export function SecretField({ secretKey: key }: { secretKey: EnteredSecretKey }) {
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
      <ErrorNote message={state.error} className="settings-failed" />
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
export function SecretForm({ secretKey: key }: { secretKey: EnteredSecretKey }) {
  const save = useSecrets((s) => s.save);
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void save(key);
  };
  return <form id={`secret-${key}-form`} className="settings-secret-form" noValidate onSubmit={onSubmit} />;
}
