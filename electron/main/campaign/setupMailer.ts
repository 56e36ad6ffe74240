import nodemailer from 'nodemailer';
import type { SendMailOptions } from 'nodemailer';
import { writeMailDrop } from '../mail/mailDrop';
import { classifySmtpError, senderOf, welcomeMessageId, type MailerConfig } from '../mail/mailer';
import { DeliveryError } from '../outbox/deliveryError';
import { renderSetupEmail, type SetupMessage } from './setupEmail';

/**
 * Sends one Set Up My Account email the way Welcome emails go (mail/mailer.ts): SMTP when a host
 * is set, else an .eml file in the mail-drop folder; a Message-ID fixed per outbox row; every
 * failure classified by the mailer's rules into retry or park, never quoting the message (it
 * holds the link token).
 */
export async function sendSetupEmail(config: MailerConfig, message: SetupMessage): Promise<'smtp' | 'mail-drop'> {
  let messageId: string;
  try {
    messageId = welcomeMessageId(message.outboxId);
  } catch {
    throw new DeliveryError('This queued email has an unusable id; dismiss it.', true);
  }
  const { subject, text, html } = renderSetupEmail(message);
  const options: SendMailOptions = {
    from: senderOf(config),
    to: message.to,
    subject,
    text,
    html,
    messageId,
    headers: { 'X-FPP-Outbox-Id': message.outboxId, 'Auto-Submitted': 'auto-generated', 'Content-Language': message.language },
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  const host = config.smtpHost.trim();
  if (host === '') {
    const builder = nodemailer.createTransport({ streamTransport: true, buffer: true });
    try {
      const info = await builder.sendMail(options);
      if (!Buffer.isBuffer(info.message)) throw new Error('stream transport returned no buffer');
      writeMailDrop(config.mailDropDir, message.outboxId, info.message);
    } catch (err) {
      if (err instanceof DeliveryError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (typeof code === 'string' && /^E[A-Z]+$/.test(code) && code !== 'EENVELOPE') {
        throw new DeliveryError(`The mail-drop folder ${config.mailDropDir} could not be written (${code}). The email stays queued.`, false);
      }
      throw classifySmtpError(err, { host: 'mail-drop', port: 0, to: message.to });
    } finally {
      builder.close();
    }
    return 'mail-drop';
  }
  if (config.smtpUser && !config.smtpPassword) throw new DeliveryError('The SMTP password is not set: enter it in Settings, then retry.', true);
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
  try {
    await transporter.sendMail(options);
  } catch (err) {
    throw classifySmtpError(err, { host, port: config.smtpPort, to: message.to });
  } finally {
    transporter.close();
  }
  return 'smtp';
}
