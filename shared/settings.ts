import { z } from 'zod';

/** Where the mirror is filled from (Settings > Practice system). */
export const SYNC_SOURCES = ['protocol', 'fhir'] as const;
export type SyncSource = (typeof SYNC_SOURCES)[number];

/** What the desk asks the EHR for: read access to the four resource types it loads (SMART v1 scopes, which v2 servers accept too). */
export const DEFAULT_FHIR_SCOPES = 'system/Patient.read system/RelatedPerson.read system/Appointment.read system/Group.read';

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
  /** Where Sync now fills the mirror from: the sync protocol above, or the EHR's FHIR R4 API (issue 15). Deliveries always use the sync protocol. */
  syncSource: z.enum(SYNC_SOURCES),
  /** FHIR R4 base address of the EHR (US Core, Bulk Data); empty = not configured. */
  fhirBaseUrl: z.union([z.literal(''), z.url({ protocol: /^https?$/ }).max(300)]),
  /** The client id the EHR registered for this practice (SMART Backend Services). */
  fhirClientId: z.string().trim().max(200),
  /** The EHR's Group of this practice's patients (Group/[id]/$export); empty = Patient/$export. */
  fhirGroupId: z
    .string()
    .trim()
    .max(64)
    .regex(/^[A-Za-z0-9\-.]*$/, 'Letters, digits, - and . only (a FHIR id).'),
  /** The scopes asked for, space-separated. */
  fhirScopes: z.string().trim().min(1).max(500),
  /** The token endpoint; empty = found at {fhirBaseUrl}/.well-known/smart-configuration. */
  fhirTokenUrl: z.union([z.literal(''), z.url({ protocol: /^https?$/ }).max(300)]),
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

const ZONE_KEPT_MS = 60_000;
let knownZone: { tz: string | undefined; at: number; zone: string } | null = null;

/** The time zone this workstation runs in. */
export function workstationTimeZone(): string {
  // Asking Intl builds a DateTimeFormat (about 70 µs; twice per family load): the answer is kept,
  // and asked again when TZ changes or after a minute (a laptop carried into another zone).
  const tz = globalThis.process?.env?.TZ;
  const now = Date.now();
  if (!knownZone || knownZone.tz !== tz || now - knownZone.at > ZONE_KEPT_MS) {
    knownZone = { tz, at: now, zone: Intl.DateTimeFormat().resolvedOptions().timeZone };
  }
  return knownZone.zone;
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
  syncSource: 'protocol',
  fhirBaseUrl: '',
  fhirClientId: '',
  fhirGroupId: '',
  fhirScopes: DEFAULT_FHIR_SCOPES,
  fhirTokenUrl: '',
  lockAfterMinutes: 5,
  campaignPerHour: 300,
  backupKeepDays: 14,
};

/** Secrets are never settings rows: they live in the secret store (see electron/main/secrets). */
export const SECRET_KEYS = ['smtpPassword', 'syncToken', 'fhirPrivateKey'] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];
/** The secrets an administrator types in; the FHIR private key is made by the desk and never leaves it. */
export const ENTERED_SECRET_KEYS = ['smtpPassword', 'syncToken'] as const satisfies readonly SecretKey[];
export type EnteredSecretKey = (typeof ENTERED_SECRET_KEYS)[number];
