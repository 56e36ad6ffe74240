import type { Result } from '../../shared/api';
import { webSession } from './webSession';

/** Calls the web-mode contract the way the renderer does (with the launch's session cookie). */
export function webApi(openUrl: string) {
  const endpoint = new URL('/api/invoke', openUrl).href;
  return async function invoke<T>(name: string, input: unknown): Promise<T> {
    const { header } = await webSession(openUrl);
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: header },
      body: JSON.stringify({ name, input }),
    });
    const result = (await response.json()) as Result<T>;
    if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
    return result.value;
  };
}
