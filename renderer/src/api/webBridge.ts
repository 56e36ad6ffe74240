import type { Result } from '../../../shared/api';
import type { Bridge } from '../../../shared/bridge';
import { webSession } from './webSession';

/**
 * Web mode: calls travel over HTTP with this launch's session cookie, which the browser sends by
 * itself, once the launch code has opened the session (webSession.ts).
 */
export function createWebBridge(): Bridge {
  return {
    async invoke(name, input) {
      if ((await webSession()) !== 'ready') {
        return { ok: false, error: { code: 'forbidden', message: 'Open the app with the address web mode printed (it works once).' } };
      }
      let response: Response;
      try {
        response = await fetch('/api/invoke', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name, input }),
        });
      } catch {
        return { ok: false, error: { code: 'internal', message: 'The app’s back end is not answering. Is `npm start` still running?' } };
      }
      if (response.status === 401) {
        return {
          ok: false,
          error: { code: 'forbidden', message: 'This page’s session has ended (web mode was restarted). Open the new address web mode printed.' },
        };
      }
      if (!response.ok) {
        return { ok: false, error: { code: 'forbidden', message: `The app’s back end refused the request (${response.status}).` } };
      }
      return (await response.json()) as Result<unknown>;
    },
  };
}
