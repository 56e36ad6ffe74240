import { workstationTimeZone, type EnteredSecretKey, type SettingKey, type Settings } from '../../../shared/settings';
import type { Draft } from './settingsStore';

// What the Settings screen says about each setting and secret, and the choices it offers.

export interface FieldInfo {
  label: string;
  hint: string;
  /** For number fields: the bounds the schema enforces (shown to the browser's spin buttons). */
  min?: number;
  max?: number;
  placeholder?: string;
}

/** Common US practice zones; any IANA zone this computer knows is accepted. */
export const US_TIME_ZONES = [
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

export const FIELDS: Record<SettingKey, FieldInfo> = {
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
  syncSource: {
    label: 'Fill the mirror from',
    hint: 'Where Sync now reads patients, families and appointments: the practice system’s sync service, or the EHR’s FHIR R4 API (US Core, Bulk Data) with SMART Backend Services. PINs and name corrections always go to the sync service.',
  },
  fhirBaseUrl: {
    label: 'FHIR base address',
    hint: 'The EHR’s FHIR R4 address, such as https://ehr.example.org/fhir/r4. Only this host is ever contacted: redirects and files on other hosts are refused.',
    placeholder: 'https://ehr.example.org/fhir/r4',
  },
  fhirClientId: {
    label: 'Client id',
    hint: 'The client id the EHR administrator registered for this practice, with this desk’s public key (below).',
  },
  fhirGroupId: {
    label: 'Group id',
    hint: 'The EHR’s Group of this practice’s patients (Group/[id]/$export). Leave empty to export every patient the client id may read (Patient/$export).',
  },
  fhirScopes: {
    label: 'Scopes',
    hint: 'What the desk asks the EHR for, separated by spaces. The EHR must grant every one to the client id.',
  },
  fhirTokenUrl: {
    label: 'Token endpoint (optional)',
    hint: 'Leave empty: the desk finds it at the FHIR base address (.well-known/smart-configuration). Enter it only when the EHR’s documentation gives one.',
    placeholder: 'https://ehr.example.org/oauth2/token',
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
export const CHOICES: Partial<Record<SettingKey, readonly { value: string; label: string }[]>> = {
  smtpSecurity: [
    { value: 'starttls', label: 'STARTTLS: encrypted after connecting (usually port 587)' },
    { value: 'tls', label: 'TLS: encrypted from the start (usually port 465)' },
    { value: 'none', label: 'None: not encrypted (only for a relay inside the practice)' },
  ],
  defaultLanguage: [
    { value: 'en', label: 'English' },
    { value: 'es', label: 'Español' },
  ],
  syncSource: [
    { value: 'protocol', label: 'Sync protocol (the practice system’s sync service)' },
    { value: 'fhir', label: 'FHIR R4 (SMART Backend Services)' },
  ],
};

/** The usual port of each security choice: switching security moves the port along if it was the other's usual one. */
const USUAL_PORT: Record<Settings['smtpSecurity'], string | null> = { starttls: '587', tls: '465', none: null };

export function withUsualPort(draft: Draft, security: string): string | null {
  const port = draft.smtpPort.trim();
  const next = USUAL_PORT[security as Settings['smtpSecurity']];
  if (!next || port === next) return null;
  return port === '587' || port === '465' ? next : null;
}

export const SECRETS: Record<EnteredSecretKey, { label: string; hint: string }> = {
  smtpPassword: {
    label: 'SMTP password',
    hint: 'The mail account’s password. It is kept on this computer, outside the database, and never shown again; type a new one to replace it.',
  },
  syncToken: {
    label: 'Sync token',
    hint: 'The access token the practice system’s sync service gave this practice. It is kept on this computer, outside the database, and never shown again.',
  },
};
