import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../electron/main/app';
import { CONTENT_SECURITY_POLICY_HEADER } from '../../electron/main/security';
import { startWebServer, type WebServer } from '../../electron/main/web/server';

/** Web mode's door: loopback only, the token on every API call, this server's Host and Origin only. */
const TOKEN = 'test-token-0123456789abcdef';
let app: App;
let server: WebServer;

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
const good = () => ({ host: `127.0.0.1:${server.port}`, authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' });

beforeAll(async () => {
  app = await createApp({ databaseFile: ':memory:', workstation: 'desk-web', demo: { families: 3 } });
  server = await startWebServer({ app, rendererDir: path.resolve(import.meta.dirname, '../../renderer'), token: TOKEN });
});
afterAll(async () => {
  await server.close();
  await app.close();
});

describe('web mode', () => {
  it('answers a call that carries the token from its own page', async () => {
    const reply = await request({ headers: { ...good(), origin: `http://127.0.0.1:${server.port}` }, body: call });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ ok: true });
  });

  it('refuses a call without the token, or with a wrong one', async () => {
    const { authorization: _, ...noToken } = good();
    for (const headers of [noToken, { ...good(), authorization: 'Bearer wrong' }, { ...good(), authorization: `Bearer ${TOKEN}x` }, { ...good(), authorization: TOKEN }]) {
      const reply = await request({ headers, body: call });
      expect(reply.status).toBe(401);
      expect(reply.body).not.toContain('"ok"');
    }
  });

  it('refuses another site’s page (wrong Origin), even with the token', async () => {
    for (const origin of ['http://evil.example', 'null', `http://127.0.0.1:${server.port + 1}`, `https://127.0.0.1:${server.port}`]) {
      const reply = await request({ headers: { ...good(), origin }, body: call });
      expect([origin, reply.status]).toEqual([origin, 403]);
    }
  });

  it('refuses a request addressed to another host name (DNS rebinding), even with the token', async () => {
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
