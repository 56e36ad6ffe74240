import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { App } from '../app';
import { CONTENT_SECURITY_POLICY_HEADER } from '../security';

/**
 * Web mode: the built renderer and the app's handler table over HTTP on 127.0.0.1 only.
 *
 * The printed address carries a one-time launch code in its fragment (never in a request line).
 * The page trades it, once, at POST /api/session for a session cookie (HttpOnly, SameSite=Strict,
 * Path=/) that only this launch knows; the code is then spent, so the address that the browser's
 * history and session files keep opens nothing. Every API call needs that cookie. Requests whose
 * Host or Origin is not this server are refused, so another site in the browser (or DNS
 * rebinding) cannot reach it.
 */
export interface WebServerOptions {
  app: App;
  rendererDir: string;
  port?: number;
  /** Chosen at random when not given (tests pass one). */
  launchCode?: string;
}

export interface WebServer {
  url: string;
  /** The address to open once: the launch code travels in the fragment, never in a request line. */
  openUrl: string;
  /** The session cookie's name (per port: two launches on one machine do not overwrite each other's). */
  cookieName: string;
  port: number;
  close(): Promise<void>;
}

// Large enough for a practice export (200,000 patients is ~60 MB of CSV) sent to import.preview.
export const MAX_BODY = 128_000_000;

/** One policy for both shells (see security.ts). */
export const CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY_HEADER;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

function send(res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, {
    'content-type': type,
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  });
  res.end(body);
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** What POST /api/session answers, for the page to act on (renderer/src/api/webSession.ts). */
export type SessionAnswer = { ok: true } | { ok: false; reason: 'code_used' | 'no_session' };

/** A path that cannot be decoded (`/%`) is the client's mistake: 400, and nothing logged. */
function decodedPath(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return null;
  }
}

async function readBody(req: http.IncomingMessage): Promise<string | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const launchCode = options.launchCode ?? randomBytes(24).toString('base64url');
  const rendererDir = path.resolve(options.rendererDir);
  let allowedHosts: Set<string> = new Set();
  let allowedOrigins: Set<string> = new Set();
  let cookieName = 'fpp_session';
  let codeSpent = false;
  // The one browser session this launch hands out (the code works once); gone with the process.
  let session: string | null = null;
  const hasSession = (req: http.IncomingMessage) => {
    const given = cookieValue(req.headers.cookie, cookieName);
    return session !== null && given !== null && sameSecret(given, session);
  };
  const answerSession = (res: http.ServerResponse, status: number, answer: SessionAnswer, cookie?: string) => {
    if (cookie) res.setHeader('set-cookie', `${cookieName}=${cookie}; HttpOnly; SameSite=Strict; Path=/`);
    send(res, status, JSON.stringify(answer), 'application/json; charset=utf-8');
  };

  const server = http.createServer(async (req, res) => {
    try {
      if (!allowedHosts.has(req.headers.host ?? '')) return send(res, 421, 'Wrong host.');
      const origin = req.headers.origin;
      if (origin !== undefined && !allowedOrigins.has(origin)) return send(res, 403, 'Wrong origin.');
      const url = new URL(req.url ?? '/', 'http://localhost');

      if (url.pathname === '/api/session') {
        if (req.method !== 'POST') return send(res, 405, 'POST only.');
        if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return send(res, 415, 'JSON only.');
        const body = await readBody(req);
        if (body === null) return send(res, 413, 'Request too large.');
        let code: unknown;
        try {
          code = (JSON.parse(body) as { code?: unknown } | null)?.code;
        } catch {
          return send(res, 400, 'Body is not JSON.');
        }
        // The browser that holds this launch's session keeps it, whatever address it was opened with.
        if (hasSession(req)) return answerSession(res, 200, { ok: true });
        if (typeof code === 'string' && sameSecret(code, launchCode)) {
          if (codeSpent) return answerSession(res, 410, { ok: false, reason: 'code_used' });
          codeSpent = true;
          session = randomBytes(32).toString('base64url');
          return answerSession(res, 200, { ok: true }, session);
        }
        return answerSession(res, 401, { ok: false, reason: 'no_session' });
      }

      if (url.pathname === '/api/invoke') {
        if (req.method !== 'POST') return send(res, 405, 'POST only.');
        if (!hasSession(req)) return send(res, 401, 'No session: open the address web mode printed.');
        if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return send(res, 415, 'JSON only.');
        const body = await readBody(req);
        if (body === null) return send(res, 413, 'Request too large.');
        let message: unknown;
        try {
          message = JSON.parse(body);
        } catch {
          return send(res, 400, 'Body is not JSON.');
        }
        const { name, input } = (message ?? {}) as { name?: unknown; input?: unknown };
        const result = await options.app.invoke(name, input);
        return send(res, 200, JSON.stringify(result), 'application/json; charset=utf-8');
      }

      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method not allowed.');
      const decoded = decodedPath(url.pathname);
      if (decoded === null) return send(res, 400, 'Malformed address.');
      const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
      const file = path.resolve(rendererDir, relative);
      if (!file.startsWith(rendererDir + path.sep)) return send(res, 404, 'Not found.');
      let content: Buffer;
      try {
        content = await fs.readFile(file);
      } catch {
        return send(res, 404, 'Not found.');
      }
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      });
      res.end(req.method === 'HEAD' ? undefined : content);
    } catch (error) {
      console.error('web mode request failed:', error instanceof Error ? error.message : 'unknown');
      if (!res.headersSent) send(res, 500, 'Internal error.');
      else res.end();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  allowedOrigins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  cookieName = `fpp_session_${port}`;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    openUrl: `${url}#code=${launchCode}`,
    cookieName,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
