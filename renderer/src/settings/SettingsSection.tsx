import type { ReactNode, Ref } from 'react';
import type { SettingKey } from '../../../shared/settings';
import { SettingField } from './SettingField';
import { useSecrets } from './secretsStore';
import type { Draft, FieldCheck, SETTING_SECTIONS } from './settingsStore';
import { ErrorNote } from '../components/ErrorNote';

export type SettingSection = (typeof SETTING_SECTIONS)[number];

/** What every section's fields need from the screen. */
export interface SectionFields {
  draft: Draft;
  checks: Record<SettingKey, FieldCheck>;
  readOnly: boolean;
  /** The first field of the form, focused once the settings are in. */
  firstField: Ref<HTMLInputElement>;
  onEdit(key: SettingKey, text: string): void;
}

/**
 * One section of the settings form: its title, `before` (a callout), its settings, then `children`
 * (the section's secrets and actions).
 */
export function SettingsSection({
  section,
  fields,
  before,
  children,
  shown = () => true,
}: {
  section: SettingSection;
  fields: SectionFields;
  before?: ReactNode;
  children?: ReactNode;
  /** The settings of the section shown now (a choice above may make others irrelevant). */
  shown?: (key: SettingKey) => boolean;
}) {
  return (
    <fieldset className="settings-section" aria-labelledby={`settings-section-${section.id}`}>
      <h2 id={`settings-section-${section.id}`} className="settings-section-title">
        {section.title}
      </h2>
      {before}
      {section.keys.filter(shown).map((key) => (
        <SettingField
          key={key}
          settingKey={key}
          text={fields.draft[key]}
          check={fields.checks[key]}
          readOnly={fields.readOnly}
          inputRef={key === 'practiceName' ? fields.firstField : undefined}
          onEdit={fields.onEdit}
        />
      ))}
      {children}
    </fieldset>
  );
}

/** Administrators: the secrets' state could not be read (shown in the section of the secret). */
export function SecretsUnknown({ what }: { what: string }) {
  const secretsError = useSecrets((s) => s.loadError);
  return <ErrorNote message={secretsError} lead={`Could not tell whether the ${what} is set: `} className="settings-failed" />;
}
