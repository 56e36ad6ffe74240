import path from 'node:path';
import { formatPin } from '../../../shared/domain/pin';
import { contactUpdateApplied, nameCorrectionResult, SYNC_PATHS } from '../../../shared/sync/protocol';
import { appendAudit } from '../audit/audit';
import { campaignDeliverers } from '../campaign/deliverers';
import type { AppContext } from '../context';
import { openPayload } from '../crypto/payloadSeal';
import type { Settings } from '../../../shared/settings';
import { createMailer, type Mailer } from '../mail/mailer';
import { renderAddChild } from '../mail/addChildTemplate';
import type { SecretStore } from '../secrets/secretStore';
import { postDelivery, type SyncEndpoint } from '../sync/http';
import { expiryDay } from '../pins/packet';
import { DeliveryError } from '../lib/deliveryError';
import { ADD_CHILD_KIND, deliverEnrollment, ENROLLMENT_KIND, WELCOME_KIND } from './enrollmentDelivery';
import type { Deliverer, OutboxRow } from './worker';
import { practiceTimeZone } from '../../../shared/settings';

export interface DeliveryServices {
  /** Where the practice system is, or null while it is not configured. */
  endpoint(): Promise<SyncEndpoint | null>;
  secrets: SecretStore;
  mailDropDir: string;
  /** Aborted when the app stops: requests to the practice system in flight end at once (they are retried later). */
  signal?: AbortSignal;
}

/** The payload of a Welcome email, and of the add-child email one may become (enrollmentDelivery.ts). */
interface PinEmailPayload {
  pin?: string;
  pinId: string;
  to: string | null;
  recipientContactId: string;
  recipientName: string;
  childFirstName: string;
  printedSiblings: string[];
  expiresAt: string;
  /** Set on an add-child email: what the practice system answered instead of granting the Welcome. */
  welcomeAnswer?: 'already_welcomed' | 'has_account';
  /** The language chosen in the plan for this family (absent on rows from before): the guardian's otherwise. */
  language?: string;
}

async function requireEndpoint(services: DeliveryServices): Promise<SyncEndpoint> {
  const endpoint = await services.endpoint();
  if (!endpoint) throw new DeliveryError('The practice system is not set up yet (Settings > Practice system). The item waits.', false);
  return endpoint;
}

function payloadOf<T>(row: OutboxRow): T {
  return JSON.parse(row.payload) as T;
}

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

/** One deliverer per outbox kind. */
export function createDeliverers(ctx: AppContext, services: DeliveryServices): Record<string, Deliverer> {
  return {
    ...campaignDeliverers(ctx, services),
    async [ENROLLMENT_KIND](row) {
      await deliverEnrollment(ctx, row, await requireEndpoint(services), services.signal);
    },

    async 'patient.name_correction'(row) {
      const payload = payloadOf<{ patientId: string; firstName: string; lastName: string; baseVersion: number }>(row);
      const { body } = await postDelivery(await requireEndpoint(services), SYNC_PATHS.nameCorrections, row.id, { ...payload, deliveryId: row.id }, services.signal);
      const result = nameCorrectionResult.safeParse(body);
      if (!result.success) throw new DeliveryError('The practice system gave an answer this version cannot read; retrying.', false);
      if (result.data.status === 'conflict') {
        const { current } = result.data;
        await appendAudit(ctx.db, {
          action: 'name_conflict',
          clerkId: null,
          workstation: ctx.workstation,
          at: ctx.now(),
          patientId: payload.patientId,
          details: { local: { firstName: payload.firstName, lastName: payload.lastName }, upstream: current },
        });
        throw new DeliveryError(
          `The practice system changed this child's name meanwhile: it has "${current.firstName} ${current.lastName}", ` +
            `this desk saved "${payload.firstName} ${payload.lastName}". Check the chart, then retry or dismiss.`,
          true,
        );
      }
      await ctx.db.updateTable('patients').set({ version: result.data.version }).where('id', '=', payload.patientId).execute();
    },

    async 'contact.update'(row) {
      const payload = payloadOf<Record<string, unknown>>(row);
      const { body } = await postDelivery(await requireEndpoint(services), SYNC_PATHS.contactUpdates, row.id, { ...payload, deliveryId: row.id }, services.signal);
      if (!contactUpdateApplied.safeParse(body).success) throw new DeliveryError('The practice system gave an answer this version cannot read; retrying.', false);
    },

    [WELCOME_KIND]: (row) => sendPinEmail(ctx, services, row),
    [ADD_CHILD_KIND]: (row) => sendPinEmail(ctx, services, row),
  };
}

/**
 * Sends a Welcome email, or the "add this child to your account" email it became when the
 * practice system said the guardian was already welcomed or has an account.
 */
async function sendPinEmail(ctx: AppContext, services: DeliveryServices, row: OutboxRow): Promise<void> {
  const payload = openPayload<PinEmailPayload>(ctx, row.payload);
  const what = row.kind === ADD_CHILD_KIND ? 'add-child email' : 'Welcome email';
  if (!payload.pin) throw new DeliveryError(`This ${what} has lost its PIN and cannot be sent. Issue a new PIN.`, true);
  if (!payload.to) throw new DeliveryError('The guardian has no email address. Edit the address, then retry.', true);
  const settings = await ctx.settings();
  const contact = await ctx.db.selectFrom('contacts').select('language').where('id', '=', payload.recipientContactId).executeTakeFirst();
  const language = emailLanguage(payload.language, contact?.language, settings.defaultLanguage);
  const expiresOn = expiryDay(payload.expiresAt, practiceTimeZone(await ctx.settings()));
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
    if (row.kind === ADD_CHILD_KIND) {
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
    details: { outboxId: row.id, pinId: payload.pinId, transport: mailer.transport, to: payload.to, email: row.kind === ADD_CHILD_KIND ? 'add-child' : 'welcome' },
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
