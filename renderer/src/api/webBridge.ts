import type { Result } from '../../../shared/api';
import type { Bridge } from '../../../shared/bridge';

const TOKEN_KEY = 'fpp.token';

/** Web mode: the token arrives in the address fragment once and is kept for this tab only. */
function takeToken(): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, match[1]!);
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function createWebBridge(): Bridge {
  const token = takeToken();
  return {
    async invoke(name, input) {
      if (!token) {
        return {
          ok: false,
          error: { code: 'forbidden', message: 'Open the app with the address printed by `npm start` (it carries the access token).' },
        };
      }
      let response: Response;
      try {
        response = await fetch('/api/invoke', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ name, input }),
        });
      } catch {
        return { ok: false, error: { code: 'internal', message: 'The app’s back end is not answering. Is `npm start` still running?' } };
      }
      if (!response.ok) {
        return { ok: false, error: { code: 'forbidden', message: `The app’s back end refused the request (${response.status}).` } };
      }
      return (await response.json()) as Result<unknown>;
    },
  };
}
