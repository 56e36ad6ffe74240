import type { Result } from '../../shared/api';

/** Calls the web-mode contract the way the renderer does (token from the printed address). */
export function webApi(openUrl: string) {
  const url = new URL(openUrl);
  const token = url.hash.replace('#token=', '');
  const endpoint = new URL('/api/invoke', url).href;
  return async function invoke<T>(name: string, input: unknown): Promise<T> {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name, input }),
    });
    const result = (await response.json()) as Result<T>;
    if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
    return result.value;
  };
}
