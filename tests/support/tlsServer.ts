import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

/** The certificates of tests/support/tls (see its README). */
export type TestCertificate = 'expired' | 'future' | 'untrusted';

const dir = path.join(import.meta.dirname, 'tls');
export const tlsKey = () => fs.readFileSync(path.join(dir, 'server.key'));
export const tlsCert = (which: TestCertificate) => fs.readFileSync(path.join(dir, `${which}.pem`));

/** An HTTPS server on 127.0.0.1 presenting `which`; any request that gets through is answered 200 {}. */
export async function startHttpsServer(which: TestCertificate): Promise<{ origin: string; host: string; requests: number; close(): Promise<void> }> {
  let requests = 0;
  const server = https.createServer({ key: tlsKey(), cert: tlsCert(which) }, (_req, res) => {
    requests += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  // A client that refuses the certificate resets the handshake: not this server's failure.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `https://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An SMTP server speaking TLS from the first byte (port 465 style) with `which`. */
export async function startSmtpsServer(which: TestCertificate): Promise<{ port: number; close(): Promise<void> }> {
  const server = new SMTPServer({
    secure: true,
    key: tlsKey(),
    cert: tlsCert(which),
    authOptional: true,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => callback());
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
