import path from 'node:path';
import { formatPin } from '../../../shared/domain/pin';
import { practiceTimeZone, type Settings } from '../../../shared/settings';
import { appendAudit } from '../audit/audit';
import type { AppContext } from '../context';
import { DeliveryError } from '../lib/deliveryError';
import type { DeliveryServices } from '../outbox/deliverers';
import type { PinEmailPayload } from '../outbox/payloads';
import type { DeliverersOf, OutboxRowOf } from '../outbox/worker';
import { expiryDay } from '../pins/packet';
import { renderAddChild } from './addChildTemplate';
import { createMailer, type Mailer } from './mailer';

const LOCAL_SMTP_HOST = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/;

/**
 * The mailer for the current settings: SMTP, or the mail-drop folder when no host is set. The
 * demo practice's made-up guardians have real-looking addresses, so the demo never mails the
 * internet: only a server on this computer.
 */
export function mailerFor(ctx: AppContext, settings: Settings, services: DeliveryServices): Mailer {
  if (ctx.demo && settings.smtpHost && !LOCAL_SMTP_HOST.test(settings.smtpHost)) {
    throw new DeliveryError('The demo practice only sends to a mail server on this computer; clear the SMTP host to use the mail-drop folder.', true);
  }
  return createMailer({
    smtpHost: settings.smtpHost,
    smtpPort: settings.smtpPort,
    smtpSecurity: settings.smtpSecurity,
    smtpUser: settings.smtpUser,
    smtpPassword: services.secrets.get('smtpPassword'),
    smtpFrom: settings.smtpFrom,
    practiceName: settings.practiceName,
    mailDropDir: services.mailDropDir,
  });
}

/** The deliverers of the emails that carry a PIN: the Welcome email and the add-child email it may become. */
export function pinEmailDeliverers(ctx: AppContext, services: DeliveryServices): DeliverersOf<'email.welcome' | 'email.add_child'> {
  return {
    'email.welcome': (row, payload) => sendPinEmail(ctx, services, row, payload),
    'email.add_child': (row, payload) => sendPinEmail(ctx, services, row, payload),
  };
}

/**
 * Sends a Welcome email, or the "add this child to your account" email it became when the
 * practice system said the guardian was already welcomed or has an account.
 */
async function sendPinEmail(
  ctx: AppContext,
  services: DeliveryServices,
  row: OutboxRowOf<'email.welcome' | 'email.add_child'>,
  payload: PinEmailPayload,
): Promise<void> {
  const what = row.kind === 'email.add_child' ? 'add-child email' : 'Welcome email';
  if (!payload.pin) throw new DeliveryError(`This ${what} has lost its PIN and cannot be sent. Issue a new PIN.`, true);
  if (!payload.to) throw new DeliveryError('The guardian has no email address. Edit the address, then retry.', true);
  const settings = await ctx.settings();
  const contact = await ctx.db.selectFrom('contacts').select('language').where('id', '=', payload.recipientContactId).executeTakeFirst();
  const language = emailLanguage(payload.language, contact?.language, settings.defaultLanguage);
  const expiresOn = expiryDay(payload.expiresAt, practiceTimeZone(settings));
  const message = {
    outboxId: row.id,
    to: payload.to,
    recipientName: payload.recipientName,
    language,
    practiceName: settings.practiceName,
    portalUrl: settings.portalUrl,
    childFirstName: payload.childFirstName,
    pin: formatPin(payload.pin),
    printedSiblings: payload.printedSiblings,
    expiresOn,
    practicePhone: settings.practicePhone,
  } as const;
  const mailer = mailerFor(ctx, settings, services);
  try {
    if (row.kind === 'email.add_child') {
      const reason = payload.welcomeAnswer === 'has_account' ? 'has_account' : 'already_welcomed';
      await mailer.send({ outboxId: row.id, to: payload.to, language, ...renderAddChild({ ...message, reason }) });
    } else {
      await mailer.sendWelcome(message);
    }
  } finally {
    mailer.close();
  }
  await appendAudit(ctx.db, {
    action: 'pin_emailed',
    clerkId: null,
    workstation: ctx.workstation,
    at: ctx.now(),
    details: {
      outboxId: row.id,
      pinId: payload.pinId,
      transport: mailer.transport,
      to: payload.to,
      email: row.kind === 'email.add_child' ? 'add-child' : 'welcome',
    },
  });
}

export function defaultMailDropDir(databaseFile: string): string {
  return path.join(path.dirname(databaseFile), 'mail-drop');
}

/** The email's language: the one chosen for this family, else the guardian's, else the practice's (emails exist in English and Spanish). */
export function emailLanguage(chosen: string | undefined, guardians: string | undefined, practiceDefault: 'en' | 'es'): 'en' | 'es' {
  for (const language of [chosen, guardians]) if (language === 'en' || language === 'es') return language;
  return practiceDefault;
}
