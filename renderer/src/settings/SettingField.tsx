import type { Ref } from 'react';
import type { SettingKey } from '../../../shared/settings';
import { CHOICES, FIELDS } from './settingFields';
import { isChoiceSetting, isNumberSetting, type FieldCheck } from './settingsStore';

/** One setting: a list or an input, its problem if any, and its hint. */
export function SettingField(props: {
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
