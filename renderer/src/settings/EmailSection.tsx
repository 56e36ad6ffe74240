import type { Settings } from '../../../shared/settings';
import { useNavigation } from '../app/navigation';
import { SecretField } from './SecretField';
import { SecretsUnknown, SettingsSection, type SectionFields, type SettingSection } from './SettingsSection';

/** Email (Welcome emails): the mail server, the password (administrators), and where emails go without a server. */
export function EmailSection({ section, fields, saved, isAdmin }: { section: SettingSection; fields: SectionFields; saved: Settings; isAdmin: boolean }) {
  const go = useNavigation((s) => s.go);
  const noServer = saved.smtpHost === '' && (
    <p className="settings-callout">
      No mail server is set: Welcome emails are written to the mail-drop folder and not sent.{' '}
      <button type="button" className="link-button" onClick={() => go({ name: 'maildrop' })}>
        Open the mail-drop folder
      </button>
    </p>
  );
  return (
    <SettingsSection section={section} fields={fields} before={noServer}>
      {isAdmin && <SecretField secretKey="smtpPassword" />}
      {isAdmin && <SecretsUnknown what="SMTP password" />}
    </SettingsSection>
  );
}
