import type { Page } from '@playwright/test';

/**
 * Web mode's printed address carries a one-time launch code (electron/main/web/server.ts). A test
 * trades it here, once per launch, for the session cookie, and shares that cookie between its API
 * calls (webApi, the fuzz bridge) and every browser context it opens (openWebApp): each Playwright
 * test has a fresh context, and a spent code opens nothing.
 */
export interface WebSessionCookie {
  name: string;
  value: string;
  origin: string;
  /** For a request's Cookie header. */
  header: string;
}

const sessions = new Map<string, Promise<WebSessionCookie>>();

async function exchange(openUrl: string): Promise<WebSessionCookie> {
  const url = new URL(openUrl);
  const code = /(?:^#|&)code=([A-Za-z0-9_-]+)/.exec(url.hash)?.[1];
  if (!code) throw new Error(`no launch code in ${openUrl}`);
  const response = await fetch(new URL('/api/session', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
  const cookie = response.headers.getSetCookie()[0];
  if (!response.ok || !cookie) throw new Error(`web mode refused the launch code (${response.status}): ${await response.text()}`);
  const [name, value] = cookie.split(';')[0]!.split('=') as [string, string];
  return { name, value, origin: url.origin, header: `${name}=${value}` };
}

/** The session for the launch printed as `openUrl` (the first call spends its code). */
export function webSession(openUrl: string): Promise<WebSessionCookie> {
  let session = sessions.get(openUrl);
  if (!session) {
    session = exchange(openUrl);
    sessions.set(openUrl, session);
  }
  return session;
}

/** Opens the app in the page's browser context with the launch's session, as the first browser to open the address would. */
export async function openWebApp(page: Page, openUrl: string) {
  const { name, value, origin } = await webSession(openUrl);
  await page.context().addCookies([{ name, value, url: origin, httpOnly: true, sameSite: 'Strict' }]);
  return page.goto(origin);
}
