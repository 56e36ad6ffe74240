import { z } from 'zod';

/** Practice settings: one schema, one set of defaults, read by main and shown by the renderer. */
export const settingsSchema = z.object({
  practiceName: z.string().min(1).max(120),
  // Printed on every packet and in every QR code: web addresses only.
  portalUrl: z.url({ protocol: /^https?$/ }).max(300),
  /** Printed on slips and in emails for parents' questions; empty = not printed. */
  practicePhone: z.string().max(40),
  minorAgeLimit: z.number().int().min(12).max(21),
  pinValidityDays: z.number().int().min(1).max(365),
  /** 0 = off. Many practices limit a parent's access from 12 or 13. */
  adolescentAge: z.number().int().min(0).max(21),
  /** IANA zone that decides the practice's "today"; empty = the workstation's zone. */
  timeZone: z.string().max(64).refine(isKnownTimeZone, 'Not a time zone this computer knows (e.g. America/New_York).'),
  /** Language of Welcome emails when the guardian's is not known. */
  defaultLanguage: z.enum(['en', 'es']),
  /** Empty host = no SMTP server: emails are written to the mail-drop folder instead of sent. */
  smtpHost: z.string().max(200),
  smtpPort: z.number().int().min(1).max(65535),
  /** 'starttls' upgrades a plain connection (587), 'tls' is TLS from the start (465), 'none' for local relays. */
  smtpSecurity: z.enum(['starttls', 'tls', 'none']),
  smtpUser: z.string().max(200),
  smtpFrom: z.string().max(254),
  /** Base address of the practice system's sync service; empty = not configured. */
  syncUrl: z.union([z.literal(''), z.url({ protocol: /^https?$/ }).max(300)]),
  /** The workstation locks after this many minutes without keyboard or mouse activity (HIPAA automatic logoff). */
  lockAfterMinutes: z.number().int().min(1).max(60),
  /** Set Up My Account campaign: emails released to the outbox per hour (the mail server's and the parents' patience). */
  campaignPerHour: z.number().int().min(1).max(10_000),
  /** Daily automatic backups of the database are kept this many days. */
  backupKeepDays: z.number().int().min(1).max(365),
});

function isKnownTimeZone(zone: string): boolean {
  if (zone === '') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export type Settings = z.infer<typeof settingsSchema>;

/** The time zone this workstation runs in. */
export function workstationTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The zone that decides the practice's "today": the setting, or the workstation's when none is set. */
export function practiceTimeZone(settings: Pick<Settings, 'timeZone'>): string {
  return settings.timeZone || workstationTimeZone();
}
export type SettingKey = keyof Settings;

export const DEFAULT_SETTINGS: Settings = {
  practiceName: 'Your practice',
  portalUrl: 'https://portal.example.org',
  practicePhone: '',
  minorAgeLimit: 18,
  pinValidityDays: 30,
  adolescentAge: 13,
  timeZone: '',
  defaultLanguage: 'en',
  smtpHost: '',
  smtpPort: 587,
  smtpSecurity: 'starttls',
  smtpUser: '',
  smtpFrom: '',
  syncUrl: '',
  lockAfterMinutes: 5,
  campaignPerHour: 300,
  backupKeepDays: 14,
};

/** Secrets are never settings rows: they live in the secret store (see electron/main/secrets). */
export const SECRET_KEYS = ['smtpPassword', 'syncToken', 'fhirPrivateKey'] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
