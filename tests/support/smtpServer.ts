import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface TestSmtpServer {
  port: number;
  /** Raw messages accepted, in arrival order. */
  messages: Buffer[];
  /** Envelope recipients per accepted message. */
  recipients: string[][];
  /** SMTP conversations opened so far (a refused message must open none). */
  readonly connections: number;
  close(): Promise<void>;
}

export interface TestSmtpOptions {
  /** Recipients refused at RCPT TO (default reply: 550 No such user here). */
  rejectRecipients?: { match: RegExp; code?: number; message?: string };
  /** Require AUTH with exactly these credentials (anything else gets 535). */
  credentials?: { user: string; pass: string };
}

/** A real SMTP server on 127.0.0.1 (plain connection, no STARTTLS) for the mailer's tests. */
export async function startTestSmtpServer(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const messages: Buffer[] = [];
  const recipients: string[][] = [];
  let connections = 0;
  const { credentials } = options;
  const server = new SMTPServer({
    logger: false,
    disabledCommands: credentials ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !credentials,
    allowInsecureAuth: true,
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    onAuth(auth, _session, callback) {
      if (credentials && auth.username === credentials.user && auth.password === credentials.pass) {
        return callback(null, { user: auth.username });
      }
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      const reject = options.rejectRecipients;
      if (reject?.match.test(address.address)) {
        return callback(Object.assign(new Error(reject.message ?? 'No such user here'), { responseCode: reject.code ?? 550 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        messages.push(Buffer.concat(chunks));
        recipients.push(session.envelope.rcptTo.map((r) => r.address));
        callback();
      });
    },
  });
  // A client that dies mid-conversation (the crash tests kill it on purpose) is not a test failure.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    recipients,
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
