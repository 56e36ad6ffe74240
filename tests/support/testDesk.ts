import { createApp, type App, type AppConfig } from '../../electron/main/app';
import { signInAs } from '../../electron/main/clerks/sessionService';
import type { Settings } from '../../shared/settings';
import { insertFamilies, type FamilyFixture } from './fixtures';
import { asAdministrator } from './signIn';

/** A clerk row added without a password (tests sign it in directly). */
export interface TestClerk {
  id: string;
  username: string;
  displayName: string;
  role: 'clerk' | 'admin';
}

export const DANA: TestClerk = { id: 'k1', username: 'dana', displayName: 'Dana Reyes', role: 'clerk' };
export const ADA_ADMIN: TestClerk = { id: 'k-admin', username: 'ada', displayName: 'Ada Admin', role: 'admin' };
export const MORGAN_ADMIN: TestClerk = { id: 'a1', username: 'morgan', displayName: 'Morgan Ellis', role: 'admin' };

/** The practice of the createApp-based tests is in Massachusetts. */
export const NEW_YORK_TIME: Partial<Settings> = { timeZone: 'America/New_York' };

export interface TestDeskOptions extends Omit<AppConfig, 'databaseFile'> {
  /** Stored as the practice's settings before the app reads them. */
  settings?: Partial<Settings>;
  /** Added without a password; the first one is signed in. */
  clerks?: readonly TestClerk[];
  families?: FamilyFixture[];
}

/**
 * A createApp-based workstation on `databaseFile` as integration tests start one: settings stored,
 * clerks added and the first signed in, families inserted. Reopening the same file keeps what it
 * holds (settings and clerks already there are left as they are).
 */
export async function openTestDesk(databaseFile: string, { settings = {}, clerks = [], families, ...config }: TestDeskOptions): Promise<App> {
  const app = await createApp({ databaseFile, ...config });
  const s = app.context.sqlite;
  const setting = s.prepare('INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)');
  for (const [key, value] of Object.entries(settings)) setting.run(key, JSON.stringify(value));
  const clerk = s.prepare('INSERT OR IGNORE INTO clerks (id, username, display_name, role, created_at) VALUES (?, ?, ?, ?, ?)');
  for (const c of clerks) clerk.run(c.id, c.username, c.displayName, c.role, app.context.now().toISOString());
  app.context.settingsChanged();
  if (clerks[0]) await signInAs(app.context, clerks[0].id);
  if (families) insertFamilies(s, families);
  return app;
}

/** A contract call that must succeed: its value, or an error naming the call and what main answered. */
export async function invokeOk<T>(app: App, name: string, input: unknown = {}): Promise<T> {
  const result = await app.invoke(name, input);
  if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
  return result.value as T;
}

/**
 * Connects the desk as an administrator would: the sync service (its address and token) and the
 * test SMTP server on 127.0.0.1 (no TLS), with `settings` besides. The clerk signed in stays.
 */
export async function connectDesk(
  app: App,
  { syncUrl, token, smtpPort, settings = {} }: { syncUrl: string; token: string; smtpPort: number; settings?: Partial<Settings> },
): Promise<void> {
  await asAdministrator(app, async () => {
    await invokeOk(app, 'settings.update', {
      changes: { syncUrl, ...settings, smtpHost: '127.0.0.1', smtpPort, smtpSecurity: 'none', smtpFrom: 'desk@practice.example' },
    });
    await invokeOk(app, 'secrets.set', { key: 'syncToken', value: token });
  });
}
