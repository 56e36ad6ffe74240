import { create } from 'zustand';
import { settingsSchema, type SettingKey, type Settings } from '../../../shared/settings';
import { call } from '../api/client';
import { useSession } from '../app/sessionStore';

/** The order the form shows the settings in. */
export const SETTING_KEYS = [
  'practiceName',
  'portalUrl',
  'practicePhone',
  'minorAgeLimit',
  'pinValidityDays',
  'adolescentAge',
  'timeZone',
  'smtpHost',
  'smtpPort',
  'smtpSecurity',
  'smtpUser',
  'smtpFrom',
  'defaultLanguage',
  'syncUrl',
  'syncSource',
  'fhirBaseUrl',
  'fhirClientId',
  'fhirGroupId',
  'fhirScopes',
  'fhirTokenUrl',
  'lockAfterMinutes',
  'backupKeepDays',
  'campaignPerHour',
] as const satisfies readonly SettingKey[];
// Every setting has a place in the form: a key added to shared/settings.ts without one does not compile.
const everyKeyListed: Exclude<SettingKey, (typeof SETTING_KEYS)[number]> extends never ? true : never = true;
void everyKeyListed;

/** The form's sections, in order; together they hold every key in SETTING_KEYS once. */
export const SETTING_SECTIONS = [
  { id: 'practice', title: 'Practice', keys: ['practiceName', 'portalUrl', 'practicePhone', 'minorAgeLimit', 'pinValidityDays', 'adolescentAge', 'timeZone'] },
  { id: 'email', title: 'Email (Welcome emails)', keys: ['smtpHost', 'smtpPort', 'smtpSecurity', 'smtpUser', 'smtpFrom', 'defaultLanguage'] },
  {
    id: 'sync',
    title: 'Practice system (sync)',
    keys: ['syncSource', 'syncUrl', 'fhirBaseUrl', 'fhirClientId', 'fhirGroupId', 'fhirScopes', 'fhirTokenUrl'],
  },
  { id: 'security', title: 'Security', keys: ['lockAfterMinutes', 'backupKeepDays'] },
  { id: 'campaign', title: 'Bulk PIN campaign', keys: ['campaignPerHour'] },
] as const satisfies readonly { id: string; title: string; keys: readonly SettingKey[] }[];

const NUMBER_KEYS: ReadonlySet<SettingKey> = new Set([
  'minorAgeLimit',
  'pinValidityDays',
  'adolescentAge',
  'smtpPort',
  'lockAfterMinutes',
  'backupKeepDays',
  'campaignPerHour',
]);

/** What the clerk typed, one text per setting (numbers too, so "" and "4" are representable). */
export type Draft = Record<SettingKey, string>;

export type FieldCheck = { ok: true; value: Settings[SettingKey] } | { ok: false; message: string };

/** Clerk-readable messages; the schema in shared/settings.ts decides what is valid. */
const INVALID: Record<SettingKey, string> = {
  practiceName: 'Enter the practice name (up to 120 characters).',
  portalUrl: 'Enter the full portal address, starting with https:// (up to 300 characters).',
  practicePhone: 'Enter a phone number parents can call (up to 40 characters), or leave it empty.',
  minorAgeLimit: 'Enter a whole number from 12 to 21.',
  pinValidityDays: 'Enter a whole number of days from 1 to 365.',
  adolescentAge: 'Enter a whole number from 0 (off) to 21.',
  timeZone: 'Enter a time zone such as America/Chicago (up to 64 characters), or leave it empty.',
  defaultLanguage: 'Choose English or Español.',
  smtpHost: 'Enter the mail server’s name, such as smtp.example.org (no “https://”, no spaces), or leave it empty to keep emails in the mail-drop folder.',
  smtpPort: 'Enter a port number from 1 to 65535 (usually 587 with STARTTLS, 465 with TLS).',
  smtpSecurity: 'Choose STARTTLS, TLS or None.',
  smtpUser: 'Enter the mail account’s user name without spaces (up to 200 characters), or leave it empty if the server needs none.',
  smtpFrom: 'Enter one email address, such as frontdesk@example.org or Sunny Pediatrics <frontdesk@example.org> (up to 254 characters), or leave it empty.',
  syncUrl: 'Enter the full sync service address, starting with https:// (up to 300 characters), or leave it empty.',
  syncSource: 'Choose the sync protocol or FHIR R4.',
  fhirBaseUrl: 'Enter the EHR’s FHIR R4 base address, starting with https:// (up to 300 characters), or leave it empty.',
  fhirClientId: 'Enter the client id the EHR gave this practice (up to 200 characters).',
  fhirGroupId: 'Enter the group’s id as the EHR shows it (letters, digits, - and . only, up to 64), or leave it empty to export every patient.',
  fhirScopes: 'Enter the scopes separated by spaces, such as system/Patient.read (up to 500 characters).',
  fhirTokenUrl: 'Enter the token endpoint’s full address, starting with https://, or leave it empty to find it from the FHIR base address.',
  lockAfterMinutes: 'Enter a whole number of minutes from 1 to 60.',
  backupKeepDays: 'Enter a whole number of days from 1 to 365.',
  campaignPerHour: 'Enter a whole number of emails per hour from 1 to 10000.',
};

/** Settings chosen from a list (a <select>), not typed. */
const CHOICE_KEYS: ReadonlySet<SettingKey> = new Set(['defaultLanguage', 'smtpSecurity', 'syncSource']);

export function isChoiceSetting(key: SettingKey): boolean {
  return CHOICE_KEYS.has(key);
}

/** A host name, an IPv4 address or a bracketed/plain IPv6 address: what people paste by mistake (smtp://…, spaces) fails. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|\[?[0-9A-Fa-f:.]+\]?)$/;
/** One address, bare or with a display name ("Sunny Pediatrics <frontdesk@example.org>"); catches typing slips. */
const EMAIL = /^(?:[^<>@]*<[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+>|[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+)$/;

export function isNumberSetting(key: SettingKey): boolean {
  return NUMBER_KEYS.has(key);
}

/** True when this browser's clock rules know the zone (the main process uses the same Intl data). */
function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Checks one field's text against its schema and returns the value that would be saved. */
export function checkField(key: SettingKey, text: string): FieldCheck {
  const trimmed = text.trim();
  let candidate: unknown = trimmed;
  if (isNumberSetting(key)) {
    if (!/^-?\d+$/.test(trimmed)) return { ok: false, message: INVALID[key] };
    candidate = Number(trimmed);
  }
  const parsed = settingsSchema.shape[key].safeParse(candidate);
  if (!parsed.success) return { ok: false, message: INVALID[key] };
  // Stricter than the schema, so a setting the app depends on cannot be saved broken:
  // the address is printed on every packet, and an unknown zone would stop "today" working.
  if (key === 'portalUrl' && !/^https?:\/\//i.test(trimmed)) return { ok: false, message: INVALID[key] };
  if (key === 'timeZone' && trimmed !== '' && !isKnownTimeZone(trimmed)) {
    return { ok: false, message: `“${trimmed}” is not a time zone this computer knows. ${INVALID[key]}` };
  }
  if (key === 'smtpHost' && trimmed !== '' && !HOST.test(trimmed)) return { ok: false, message: INVALID[key] };
  if (key === 'smtpUser' && /\s/.test(trimmed)) return { ok: false, message: INVALID[key] };
  if (key === 'smtpFrom' && trimmed !== '' && !EMAIL.test(trimmed)) return { ok: false, message: INVALID[key] };
  if ((key === 'syncUrl' || key === 'fhirBaseUrl' || key === 'fhirTokenUrl') && trimmed !== '' && !/^https?:\/\//i.test(trimmed)) {
    return { ok: false, message: INVALID[key] };
  }
  return { ok: true, value: parsed.data };
}

export function draftOf(settings: Settings): Draft {
  return {
    practiceName: settings.practiceName,
    portalUrl: settings.portalUrl,
    practicePhone: settings.practicePhone,
    minorAgeLimit: String(settings.minorAgeLimit),
    pinValidityDays: String(settings.pinValidityDays),
    adolescentAge: String(settings.adolescentAge),
    timeZone: settings.timeZone,
    defaultLanguage: settings.defaultLanguage,
    smtpHost: settings.smtpHost,
    smtpPort: String(settings.smtpPort),
    smtpSecurity: settings.smtpSecurity,
    smtpUser: settings.smtpUser,
    smtpFrom: settings.smtpFrom,
    syncUrl: settings.syncUrl,
    syncSource: settings.syncSource,
    fhirBaseUrl: settings.fhirBaseUrl,
    fhirClientId: settings.fhirClientId,
    fhirGroupId: settings.fhirGroupId,
    fhirScopes: settings.fhirScopes,
    fhirTokenUrl: settings.fhirTokenUrl,
    lockAfterMinutes: String(settings.lockAfterMinutes),
    backupKeepDays: String(settings.backupKeepDays),
    campaignPerHour: String(settings.campaignPerHour),
  };
}

export interface DraftReview {
  /** Per field: valid with its value, or the message to show. */
  checks: Record<SettingKey, FieldCheck>;
  /** Only the settings whose valid value differs from what is saved. */
  changes: Partial<Settings>;
  anyInvalid: boolean;
  /** Something valid changed and nothing is invalid. */
  canSave: boolean;
}

export function reviewDraft(saved: Settings, draft: Draft): DraftReview {
  const checks = {} as Record<SettingKey, FieldCheck>;
  const changes: Record<string, unknown> = {};
  let anyInvalid = false;
  for (const key of SETTING_KEYS) {
    const check = checkField(key, draft[key]);
    checks[key] = check;
    if (!check.ok) anyInvalid = true;
    else if (check.value !== saved[key]) changes[key] = check.value;
  }
  const canSave = !anyInvalid && Object.keys(changes).length > 0;
  return { checks, changes: changes as Partial<Settings>, anyInvalid, canSave };
}

interface SettingsState {
  /** What the practice has now (last read or saved). */
  saved: Settings | null;
  draft: Draft | null;
  loading: boolean;
  saving: boolean;
  loadError: string | null;
  saveError: string | null;
  /** Set after a successful save, cleared by the next edit. */
  savedNote: boolean;
  load(): Promise<void>;
  edit(key: SettingKey, text: string): void;
  /** Sends only the changed settings; resolves true when saved. */
  save(): Promise<boolean>;
}

export const useSettings = create<SettingsState>((set, get) => ({
  saved: null,
  draft: null,
  loading: false,
  saving: false,
  loadError: null,
  saveError: null,
  savedNote: false,
  async load() {
    set({ saved: null, draft: null, loading: true, loadError: null, saveError: null, savedNote: false });
    try {
      const settings = await call('settings.get', {});
      set({ saved: settings, draft: draftOf(settings), loading: false });
    } catch (error) {
      set({ loadError: (error as Error).message, loading: false });
    }
  },
  edit(key, text) {
    const draft = get().draft;
    if (!draft) return;
    set({ draft: { ...draft, [key]: text }, savedNote: false });
  },
  async save() {
    const { saved, draft, saving } = get();
    if (!saved || !draft || saving) return false;
    const review = reviewDraft(saved, draft);
    if (!review.canSave) return false;
    set({ saving: true, saveError: null, savedNote: false });
    try {
      const settings = await call('settings.update', { changes: review.changes });
      // Show what was stored, except in a field the clerk edited again while this was saving.
      const fresh = draftOf(settings);
      const current = get().draft ?? draft;
      const next = { ...fresh };
      for (const key of SETTING_KEYS) if (current[key] !== draft[key]) next[key] = current[key];
      set({ saved: settings, draft: next, saving: false, savedNote: true });
      if (settings.practiceName !== saved.practiceName) void useSession.getState().loadSession();
      return true;
    } catch (error) {
      set({ saveError: (error as Error).message, saving: false });
      return false;
    }
  },
}));
