import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp, type App } from '../../electron/main/app';
import { CONTENT_SECURITY_POLICY_HEADER } from '../../electron/main/security';
import { startWebServer, type WebServer } from '../../electron/main/web/server';

/** Web mode's door: loopback only, the launch's session on every API call, this server's Host and Origin only. */
const LAUNCH_CODE = 'test-launch-code-0123456789abcdef';
let app: App;
let server: WebServer;
let session: string;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(options: { method?: string; path?: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: server.port, method: options.method ?? 'POST', path: options.path ?? '/api/invoke', headers: options.headers },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const call = JSON.stringify({ name: 'checkin.today', input: {} });
const good = () => ({ host: `127.0.0.1:${server.port}`, cookie: `${server.cookieName}=${session}`, 'content-type': 'application/json' });

beforeAll(async () => {
  app = await createApp({ databaseFile: ':memory:', workstation: 'desk-web', demo: { families: 3 } });
  server = await startWebServer({ app, rendererDir: path.resolve(import.meta.dirname, '../../renderer'), launchCode: LAUNCH_CODE });
  // The page's first step: the launch code for the session cookie.
  const opened = await request({
    path: '/api/session',
    headers: { host: `127.0.0.1:${server.port}`, 'content-type': 'application/json' },
    body: JSON.stringify({ code: LAUNCH_CODE }),
  });
  session = /=([^;]+)/.exec(String(opened.headers['set-cookie']))![1]!;
});
afterAll(async () => {
  await server.close();
  await app.close();
});

describe('web mode', () => {
  it('answers a call that carries the session from its own page', async () => {
    const reply = await request({ headers: { ...good(), origin: `http://127.0.0.1:${server.port}` }, body: call });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ ok: true });
  });

  it('refuses a call without the session, or with a wrong one', async () => {
    const { cookie: _, ...noSession } = good();
    const name = server.cookieName;
    for (const headers of [
      noSession,
      { ...good(), cookie: `${name}=wrong` },
      { ...good(), cookie: `${name}=${session}x` },
      { ...good(), cookie: `${name}=${LAUNCH_CODE}` },
      { ...noSession, authorization: `Bearer ${LAUNCH_CODE}` },
    ]) {
      const reply = await request({ headers, body: call });
      expect(reply.status).toBe(401);
      expect(reply.body).not.toContain('"ok"');
    }
  });

  it('refuses another site’s page (wrong Origin), even with the session', async () => {
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${server.port + 1}`, `https://127.0.0.1:${server.port}`]) {
      const reply = await request({ headers: { ...good(), origin }, body: call });
      expect([origin, reply.status]).toEqual([origin, 403]);
    }
  });

  it('refuses a request addressed to another host name (DNS rebinding), even with the session', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1.nip.io:${server.port}`, `[::1]:${server.port}`]) {
      const reply = await request({ headers: { ...good(), host }, body: call });
      expect([host, reply.status]).toEqual([host, 421]);
    }
    const page = await request({ method: 'GET', path: '/', headers: { host: `evil.example:${server.port}` } });
    expect(page.status).toBe(421);
  });

  it('serves its page with the strict policy and accepts API calls only as JSON posts', async () => {
    const page = await request({ method: 'GET', path: '/', headers: { host: `127.0.0.1:${server.port}` } });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY_HEADER);
    expect((await request({ method: 'GET', headers: good() })).status).toBe(405);
    expect((await request({ headers: { ...good(), 'content-type': 'text/plain' }, body: call })).status).toBe(415);
    expect((await request({ method: 'GET', path: '/../../package.json', headers: { host: `127.0.0.1:${server.port}` } })).status).toBe(404);
  });

  it('trades the launch code for a session once: the spent code opens nothing, the session keeps working', async () => {
    const exchange = (headers: Record<string, string> = {}, code: string = LAUNCH_CODE) =>
      request({
        path: '/api/session',
        headers: { host: `127.0.0.1:${server.port}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ code }),
      });
    // beforeAll spent it; the cookie it gave is HttpOnly, SameSite=Strict, for the whole app.
    const again = await exchange();
    expect(again.status).toBe(410);
    expect(JSON.parse(again.body)).toEqual({ ok: false, reason: 'code_used' });
    expect(again.headers['set-cookie']).toBeUndefined();
    expect((await exchange({}, 'guessed-code')).status).toBe(401);
    expect((await exchange({ origin: 'http://evil.example' })).status).toBe(403);
    // The browser that holds the session is welcome back, with the old address or none.
    const holder = await exchange({ cookie: `${server.cookieName}=${session}` });
    expect(holder.status).toBe(200);
    expect(holder.headers['set-cookie']).toBeUndefined();
    expect((await request({ headers: good(), body: call })).status).toBe(200);
  });

  it('hands out its session cookie HttpOnly, SameSite=Strict, for the whole app', async () => {
    const fresh = await startWebServer({ app, rendererDir: path.resolve(import.meta.dirname, '../../renderer') });
    try {
      const code = new URL(fresh.openUrl).hash.replace('#code=', '');
      const reply = await fetch(new URL('/api/session', fresh.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
      });
      expect(reply.status).toBe(200);
      const cookie = reply.headers.getSetCookie();
      expect(cookie).toHaveLength(1);
      expect(cookie[0]!.split('; ').slice(1).sort()).toEqual(['HttpOnly', 'Path=/', 'SameSite=Strict']);
      expect(cookie[0]).toMatch(new RegExp(`^fpp_session_${fresh.port}=[\\w-]{43};`));
      expect(cookie[0]).not.toContain(code);
    } finally {
      await fresh.close();
    }
  });

  it('answers a malformed address with 400 and writes nothing to stderr', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const errors = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void written.push(args.join(' ')));
    try {
      for (const path of ['/%', '/%E0%A4%A', '/assets/%zz.js']) {
        const reply = await request({ method: 'GET', path, headers: { host: `127.0.0.1:${server.port}` } });
        expect([path, reply.status]).toEqual([path, 400]);
        expect(reply.body).not.toMatch(/at |Error/);
      }
    } finally {
      spy.mockRestore();
      errors.mockRestore();
    }
    expect(written).toEqual([]);
  });

  it('listens on the loopback interface only', async () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
    // And a connection to this machine's network address finds nothing listening there.
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    if (!external) return; // a machine without a network interface has no other address to try
    const outcome = await new Promise<string>((resolve) => {
      const socket = net.connect({ host: external.address, port: server.port });
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(outcome).toBe('ECONNREFUSED');
  });
});
