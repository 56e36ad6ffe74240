/**
 * Web mode only: trades the one-time launch code in the address fragment for this launch's
 * session cookie (HttpOnly: the page never sees it), then takes the code out of the address.
 * The server answers whether this browser holds the session (electron/main/web/server.ts).
 */
export type WebSessionState = 'ready' | 'code_used' | 'no_session' | 'unreachable';

function takeLaunchCode(): string | null {
  const match = /(?:^#|&)code=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  if (window.location.hash) history.replaceState(null, '', window.location.pathname + window.location.search);
  return match ? match[1]! : null;
}

async function openWebSession(): Promise<WebSessionState> {
  const code = takeLaunchCode();
  let response: Response;
  try {
    response = await fetch('/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(code ? { code } : {}),
    });
  } catch {
    return 'unreachable';
  }
  if (response.ok) return 'ready';
  const answer = (await response.json().catch(() => null)) as { reason?: string } | null;
  return answer?.reason === 'code_used' ? 'code_used' : 'no_session';
}

let opening: Promise<WebSessionState> | null = null;
/** This page's session, opened once (at start, by main.tsx); every web-mode call waits for it. */
export function webSession(): Promise<WebSessionState> {
  opening ??= openWebSession();
  return opening;
}
