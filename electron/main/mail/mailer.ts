import nodemailer from 'nodemailer';
import type { NodemailerError, SendMailOptions } from 'nodemailer';
import addressparser from 'nodemailer/lib/addressparser';
import { shownEmail } from '../../../shared/domain/contactQuality';
import { checkMailbox, emailProblemWords } from '../../../shared/domain/email';
import { DeliveryError, unreachable } from '../lib/deliveryError';
import { CertificateRefused, certificateProblem } from '../lib/certificateProblem';
import { writeMailDrop } from './mailDrop';
import { renderWelcome, type WelcomeMessage } from './welcomeTemplate';

/**
 * Sends the outbox's emails (SPEC 3.3: Welcome emails; the Set Up My Account campaign's): over SMTP when a server is set, otherwise into
 * the mail-drop folder. Every failure becomes a DeliveryError saying whether to retry, in words
 * for the clerk; no message ever holds the PIN or the email body.
 */

export type { WelcomeMessage } from './welcomeTemplate';

export interface MailerConfig {
  /** Empty = no SMTP server: messages are written to `mailDropDir` instead. */
  smtpHost: string;
  smtpPort: number;
  smtpSecurity: 'starttls' | 'tls' | 'none';
  smtpUser: string;
  smtpPassword: string | null;
  /** Empty = `"<practiceName>" <no-reply@localhost>` (see senderOf). */
  smtpFrom: string;
  practiceName: string;
  mailDropDir: string;
}

/** A rendered email for one outbox row: its id fixes the Message-ID and names the mail-drop file. */
export interface OutgoingEmail {
  outboxId: string;
  to: string;
  language: 'en' | 'es';
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  readonly transport: 'smtp' | 'mail-drop';
  /** Any of the app's emails, already rendered (the Set Up My Account campaign's, for one). */
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
  sendWelcome(message: WelcomeMessage): Promise<{ messageId: string }>;
  close(): void;
}

const MESSAGE_ID_DOMAIN = 'family-portal-pins.local';
const OUTBOX_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/;

/**
 * The Message-ID of an outbox row's Welcome email. Stable per row, so a retry after a lost reply
 * (the server got the message, we never heard back) carries the same id and the recipient's mail
 * system can tell it is the same message.
 */
export function welcomeMessageId(outboxId: string): string {
  if (!OUTBOX_ID.test(outboxId)) throw new RangeError('An outbox id may hold only letters, digits, ".", "_" and "-".');
  return `<${outboxId}@${MESSAGE_ID_DOMAIN}>`;
}

/** Fallback sender when Settings has no "From" address. Relays that check the sender may refuse it: set smtpFrom. */
export const FALLBACK_FROM_ADDRESS = 'no-reply@localhost';

/**
 * The From header: smtpFrom as written when it holds a display name ("Clinic <a@b>"); a bare
 * address gets the practice name as display name; empty falls back to
 * `"<practice name>" <no-reply@localhost>`.
 */
export function senderOf(config: Pick<MailerConfig, 'smtpFrom' | 'practiceName'>): string | { name: string; address: string } {
  const from = config.smtpFrom.trim();
  const name = config.practiceName.trim();
  if (from === '') return { name, address: FALLBACK_FROM_ADDRESS };
  if (from.includes('<')) return from;
  return name ? { name, address: from } : from;
}

export function createMailer(config: MailerConfig): Mailer {
  const send = config.smtpHost.trim() === '' ? mailDropSender(config) : smtpSender(config);
  return {
    transport: send.transport,
    send: (email) => send.send(email),
    sendWelcome: (message) => send.send({ outboxId: message.outboxId, to: message.to, language: message.language, ...renderWelcome(message) }),
    close: () => send.close(),
  };
}

type Sender = Omit<Mailer, 'sendWelcome'>;

/** Every mailbox an address header would reach once parsed, groups opened ("a@x, b@y" is two). */
function parsedMailboxes(header: string): string[] {
  const out: string[] = [];
  const walk = (list: ReturnType<typeof addressparser>) => {
    for (const entry of list) {
      if ('group' in entry && entry.group) walk(entry.group);
      else if ('address' in entry && entry.address) out.push(entry.address);
    }
  };
  walk(addressparser(header));
  return out;
}

const LINE_BREAK = /[\r\n]/;

/** The envelope of a message the mailer agreed to send: one recipient, the row's; header values on one line. */
interface Checked {
  to: string;
  from: string | { name: string; address: string };
  envelope: { from: string; to: string[] };
}

/**
 * What is refused before any SMTP conversation starts (issue 11): a message whose "To" would
 * reach more than one mailbox ("victim@x, attacker@y", or a line break smuggling in "Bcc:"), whose
 * one recipient is not the outbox row's address exactly as checkMailbox reads it (a display
 * name, a second "@"), or with a line break in any header value built here. The envelope given
 * to nodemailer names that one address, so nothing it parses can add another. Permanent errors:
 * retrying would fail the same way.
 */
export function checkOutgoing(config: Pick<MailerConfig, 'smtpFrom' | 'practiceName'>, email: OutgoingEmail): Checked {
  const shown = shownEmail(email.to);
  const reached = parsedMailboxes(email.to);
  if (reached.length > 1) {
    throw new DeliveryError(
      `This email would go to ${reached.length} addresses ("${shown}"); it goes to one guardian only. Correct the address (Edit email and retry). Nothing was sent.`,
      true,
    );
  }
  const mailbox = checkMailbox(email.to);
  if (!mailbox.ok) {
    throw new DeliveryError(
      `The address "${shown}" cannot be used: ${emailProblemWords(mailbox.problem)}. Correct it (Edit email and retry). Nothing was sent.`,
      true,
    );
  }
  if (reached.length !== 1 || reached[0] !== mailbox.address) {
    throw new DeliveryError(`The address "${shown}" would not reach exactly that mailbox. Correct it (Edit email and retry). Nothing was sent.`, true);
  }
  if (LINE_BREAK.test(email.subject) || LINE_BREAK.test(email.language) || LINE_BREAK.test(email.outboxId)) {
    throw new DeliveryError(
      'A line break in this email’s subject (it holds the practice name) stopped it: correct the practice name in Settings, then retry. Nothing was sent.',
      true,
    );
  }
  const from = senderOf(config);
  // A name and an address are given to nodemailer apart (it quotes the name); a written "Clinic <a@b>" is parsed.
  const senders = typeof from === 'string' ? parsedMailboxes(from) : parsedMailboxes(from.address);
  const fromText = typeof from === 'string' ? from : `${from.name}${from.address}`;
  if (LINE_BREAK.test(fromText) || senders.length !== 1) {
    throw new DeliveryError(
      'The sender ("From" in Settings > Email, or the practice name) must be one address on one line: correct it, then retry. Nothing was sent.',
      true,
    );
  }
  return { to: mailbox.address, from, envelope: { from: senders[0]!, to: [mailbox.address] } };
}

function messageOptions(config: MailerConfig, email: OutgoingEmail, messageId: string): SendMailOptions {
  const checked = checkOutgoing(config, email);
  return {
    from: checked.from,
    to: checked.to,
    envelope: checked.envelope,
    subject: email.subject,
    text: email.text,
    html: email.html,
    messageId,
    headers: {
      'X-FPP-Outbox-Id': email.outboxId,
      // RFC 3834: sent by a program, so vacation responders stay quiet.
      'Auto-Submitted': 'auto-generated',
      'Content-Language': email.language,
    },
    // The message is built from our own strings only: never let it read files or fetch URLs.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

function messageIdOrRefuse(outboxId: string): string {
  try {
    return welcomeMessageId(outboxId);
  } catch {
    throw new DeliveryError('This queued email has an unusable id; dismiss it (a Welcome email: issue the PIN again).', true);
  }
}

// ---- SMTP -----------------------------------------------------------------------------------

function smtpSender(config: MailerConfig): Sender {
  const host = config.smtpHost.trim();
  const transporter = nodemailer.createTransport({
    host,
    port: config.smtpPort,
    secure: config.smtpSecurity === 'tls',
    requireTLS: config.smtpSecurity === 'starttls',
    ignoreTLS: config.smtpSecurity === 'none',
    auth: config.smtpUser ? { user: config.smtpUser, pass: config.smtpPassword ?? '' } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    transport: 'smtp',
    async send(message) {
      const messageId = messageIdOrRefuse(message.outboxId);
      if (config.smtpUser && !config.smtpPassword) {
        throw new DeliveryError('The SMTP password is not set: enter it in Settings, then retry.', true);
      }
      try {
        await transporter.sendMail(messageOptions(config, message, messageId));
      } catch (err) {
        throw classifySmtpError(err, { host, port: config.smtpPort, to: message.to });
      }
      return { messageId };
    },
    close() {
      transporter.close();
    },
  };
}

const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE']);
const AUTH_CODES = new Set([534, 535]);
const ENVELOPE_COMMANDS = /^(MAIL|RCPT|DATA)\b/i;

/**
 * Turns a nodemailer failure into what the outbox needs. Messages use only the address, the host
 * and the reply/error codes: never err.message, which may quote the server, nor the message.
 */
export function classifySmtpError(err: unknown, where: { host: string; port: number; to: string }): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = (err ?? {}) as NodemailerError;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : null;
  const command = typeof e.command === 'string' ? e.command : '';
  const code = typeof e.code === 'string' ? e.code : '';
  const server = `${where.host}:${where.port}`;

  if (responseCode !== null && responseCode >= 500) {
    if (AUTH_CODES.has(responseCode) || (/^AUTH\b/i.test(command) && responseCode !== 503)) {
      return new DeliveryError('The mail server refused the sign-in: check the SMTP user and password in Settings.', true);
    }
    if (responseCode === 530) {
      return new DeliveryError('The mail server asks for a sign-in: enter the SMTP user and password in Settings.', true);
    }
    if (responseCode === 503) {
      // Bad sequence of commands: the session, not the message, was at fault (see nodemailer's isPermanentResponseCode).
      return new DeliveryError(`The mail server ${server} could not take the email (${responseCode}). The email stays queued.`, false);
    }
    if (ENVELOPE_COMMANDS.test(command)) {
      return new DeliveryError(`The mail server refused ${where.to} (${responseCode}): check the address, then retry.`, true);
    }
    return new DeliveryError(`The mail server ${server} refused the connection (${responseCode}): check the SMTP settings, then retry.`, true);
  }
  if (responseCode !== null && responseCode >= 400) {
    return new DeliveryError(`The mail server ${server} asked to try again later (${responseCode}). The email stays queued.`, false, retryHint(e.response));
  }
  const certificate = certificateProblem(e, server);
  if (certificate) return new CertificateRefused(`${certificate} The email stays queued.`);
  const systemCode = typeof e.originalCode === 'string' && CONNECTION_CODES.has(e.originalCode) ? e.originalCode : code;
  if (CONNECTION_CODES.has(code) || CONNECTION_CODES.has(systemCode)) {
    return unreachable(`The mail server ${server} could not be reached (${systemCode}). The email stays queued.`);
  }
  if (code === 'ETLS') {
    return new DeliveryError(`The secure connection to ${server} failed (${code}): check the security setting in Settings. The email stays queued.`, false);
  }
  if (code === 'EENVELOPE' && responseCode === null) {
    // Refused before any server saw it: no usable recipient ("No recipients defined").
    return new DeliveryError(`The address ${where.to} is not a valid email address: correct it, then retry.`, true);
  }
  if (code === 'EAUTH' || code === 'ENOAUTH') {
    return new DeliveryError('The mail server sign-in failed: check the SMTP user and password in Settings.', true);
  }
  return new DeliveryError(`Sending the email to ${where.to} failed${code ? ` (${code})` : ''}. The email stays queued and will be tried again.`, false);
}

/** Greylisting replies sometimes say when to come back ("try again in 5 minutes"). */
function retryHint(response: unknown): number | undefined {
  if (typeof response !== 'string' || !/try|again|wait|later|grey|gray/i.test(response)) return undefined;
  const match = /(\d{1,5})\s*(seconds?|secs?|s|minutes?|mins?|m)\b/i.exec(response);
  if (!match) return undefined;
  const seconds = Number(match[1]) * (/^m/i.test(match[2]!) ? 60 : 1);
  if (seconds <= 0) return undefined;
  return Math.min(seconds, 3600) * 1000;
}

// ---- mail-drop ------------------------------------------------------------------------------

function mailDropSender(config: MailerConfig): Sender {
  const builder = nodemailer.createTransport({ streamTransport: true, buffer: true });
  return {
    transport: 'mail-drop',
    async send(message) {
      const messageId = messageIdOrRefuse(message.outboxId);
      let raw: Buffer;
      try {
        const info = await builder.sendMail(messageOptions(config, message, messageId));
        if (!Buffer.isBuffer(info.message)) throw new Error('stream transport returned no buffer');
        raw = info.message;
      } catch (err) {
        throw classifySmtpError(err, { host: 'mail-drop', port: 0, to: message.to });
      }
      try {
        writeMailDrop(config.mailDropDir, message.outboxId, raw);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        throw new DeliveryError(`The mail-drop folder ${config.mailDropDir} could not be written (${code}). The email stays queued.`, false);
      }
      return { messageId };
    },
    close() {
      builder.close();
    },
  };
}
