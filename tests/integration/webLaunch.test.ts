import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebProcess, type WebProcess } from '../support/fuzz/webProcess';
import { makeTempDir } from '../support/tempDir';

/**
 * Web mode's printed address (issue 11): printed once, and its launch code opens one browser
 * session only, so the copy that the browser's history keeps is dead. A malformed path is the
 * client's mistake: 400, nothing on stderr. Needs the built web mode (`npm run build`).
 */
let temp: ReturnType<typeof makeTempDir>;
let web: WebProcess;

beforeAll(async () => {
  temp = makeTempDir('fpp-launch-');
  web = await startWebProcess({ dataDir: temp.file('desk'), demoFamilies: 5 });
}, 60_000);
afterAll(async () => {
  await web?.stop();
  temp?.remove();
});

const origin = () => new URL(web.url).origin;
const code = () => new URL(web.url).hash.replace('#code=', '');

function openSession(body: unknown, cookie?: string) {
  return fetch(`${origin()}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
}
function invoke(cookie: string | null) {
  return fetch(`${origin()}/api/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ name: 'session.current', input: {} }),
  });
}
/** A raw GET (fetch would normalise the path before sending it). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(origin());
    const request = http.request({ host: url.hostname, port: url.port, path, method: 'GET' }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('web mode’s launch address', () => {
  it('is printed once, on one line a script can read', () => {
    expect(code()).toMatch(/^[\w-]{32}$/);
    expect(web.output().split(code()).length - 1).toBe(1);
    const lines = web
      .output()
      .split('\n')
      .filter((line) => line.includes(origin()));
    expect(lines).toEqual([
      `Family Portal PINs is running in web mode. Open ${web.url} in a browser (this address works once: the browser that opens it first stays signed in).`,
    ]);
  });

  it('opens one session: used again it is refused, while the session it opened keeps working', async () => {
    expect((await invoke(null)).status).toBe(401);
    const first = await openSession({ code: code() });
    expect(first.status).toBe(200);
    const cookie = first.headers.getSetCookie()[0]!.split(';')[0]!;
    expect((await (await invoke(cookie)).json()) as { ok: boolean }).toMatchObject({ ok: true });

    // The same address opened again (a second tab in another browser, the history entry): dead.
    const again = await openSession({ code: code() });
    expect(again.status).toBe(410);
    expect(await again.json()).toEqual({ ok: false, reason: 'code_used' });
    expect(again.headers.getSetCookie()).toEqual([]);
    // The code is not a credential for the API either.
    expect((await invoke(`${cookie.split('=')[0]}=${code()}`)).status).toBe(401);
    // The browser holding the session still works, with or without the old address.
    expect((await openSession({ code: code() }, cookie)).status).toBe(200);
    expect((await openSession({}, cookie)).status).toBe(200);
    expect((await invoke(cookie)).status).toBe(200);
  });

  it('answers a malformed path with 400 and writes nothing to stderr', async () => {
    const before = web.errors();
    for (const path of ['/%', '/%zz', '/assets/%E0%A4%A.js']) {
      const answer = await rawGet(path);
      expect([path, answer.status]).toEqual([path, 400]);
      expect(answer.body).not.toMatch(/Error|\n\s+at /);
    }
    // The server is still there, and said nothing.
    expect((await rawGet('/')).status).toBe(200);
    expect(web.errors()).toBe(before);
    expect(web.errors()).toBe('');
    expect(web.exitCode()).toBeNull();
  });
});
