import type { Page } from '@playwright/test';
import type { App } from '../../electron/main/app';
import { signInAs } from '../../electron/main/clerks/sessionService';
import { DEMO_ACCOUNTS } from '../../electron/main/demo/demoPractice';
import { webApi } from './webApi';

/** The demo practice's known accounts ('demo' is a clerk, 'admin' an administrator). */
export const DEMO_PASSWORDS: Record<'demo' | 'admin', string> = Object.fromEntries(DEMO_ACCOUNTS.map((a) => [a.username, a.password])) as Record<
  'demo' | 'admin',
  string
>;

/** Signs in on a web-mode app through its bridge, as the renderer does (e.g. the demo administrator before admin calls). */
export async function signInOnWeb(openUrl: string, username: 'demo' | 'admin'): Promise<void> {
  await webApi(openUrl)('auth.signIn', { username, password: DEMO_PASSWORDS[username] });
}

/** Signs in with a password on a createApp-based app, through the contract. */
export async function signInWithPassword(app: App, username: string, password: string): Promise<void> {
  const result = await app.invoke('auth.signIn', { username, password });
  if (!result.ok) throw new Error(`auth.signIn: ${result.error.message}`);
}

export const TEST_ADMIN_ID = 'test-admin';

/**
 * For createApp-based tests whose clerk is not an administrator: runs the administrator calls in
 * `work` (settings, secrets) as a test administrator, then signs the previous clerk back in.
 */
export async function asAdministrator<T>(app: App, work: () => Promise<T>): Promise<T> {
  const previous = app.context.session.clerkId;
  app.context.sqlite
    .prepare(`INSERT OR IGNORE INTO clerks (id, username, display_name, role, created_at) VALUES (?, 'test-admin', 'Test Administrator', 'admin', ?)`)
    .run(TEST_ADMIN_ID, app.context.now().toISOString());
  await signInAs(app.context, TEST_ADMIN_ID);
  try {
    return await work();
  } finally {
    if (previous) await signInAs(app.context, previous);
  }
}

/** For createApp-based tests without the demo: adds a passwordless clerk and signs it in (reads need a signed-in clerk too). */
export async function signInTestClerk(app: App, role: 'clerk' | 'admin' = 'clerk'): Promise<string> {
  const id = role === 'admin' ? TEST_ADMIN_ID : 'test-clerk';
  app.context.sqlite
    .prepare(`INSERT OR IGNORE INTO clerks (id, username, display_name, role, created_at) VALUES (?, ?, ?, ?, ?)`)
    .run(id, id, role === 'admin' ? 'Test Administrator' : 'Test Clerk', role, app.context.now().toISOString());
  await signInAs(app.context, id);
  return id;
}

/** Signs in on the web-mode page's sign-in or lock screen, as a clerk at the desk would. */
export async function signInOnPage(page: Page, username: 'demo' | 'admin'): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(DEMO_PASSWORDS[username]);
  await page.getByLabel('Password').press('Enter');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
}
