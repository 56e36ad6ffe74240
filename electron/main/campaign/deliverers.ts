import { setupLinkRegistered, SYNC_PATHS } from '../../../shared/sync/protocol';
import type { AppContext } from '../context';
import { emailLanguage, mailerFor } from '../mail/deliverers';
import { requireEndpoint, type DeliveryServices } from '../outbox/deliverers';
import { DeliveryError } from '../lib/deliveryError';
import type { DeliverersOf } from '../outbox/worker';
import { expiryDay } from '../pins/packet';
import { postDelivery } from '../sync/http';
import { renderSetupEmail } from './setupEmail';
import { practiceTimeZone } from '../../../shared/settings';

/** The guardian's personal link: the portal's /setup page with the token as its only parameter. */
export function setupUrl(portalUrl: string, token: string): string {
  const url = new URL('setup', portalUrl.endsWith('/') ? portalUrl : `${portalUrl}/`);
  url.searchParams.set('token', token);
  return url.toString();
}

/**
 * The campaign's deliverers: first the link's registration with the practice system (its hash,
 * never the token), then, once that was accepted (depends_on), the guardian's email.
 */
export function campaignDeliverers(ctx: AppContext, services: DeliveryServices): DeliverersOf<'portal.setup_link' | 'email.setup_link'> {
  return {
    async 'portal.setup_link'(row, payload) {
      // services.signal: the app closing ends the request at once (it is sent again after the restart), as every other deliverer's.
      const { body } = await postDelivery(await requireEndpoint(services), SYNC_PATHS.setupLinks, row.id, { ...payload, deliveryId: row.id }, services.signal);
      if (!setupLinkRegistered.safeParse(body).success)
        throw new DeliveryError('The practice system gave an answer this version cannot read; retrying.', false);
    },

    async 'email.setup_link'(row, payload) {
      if (!payload.token) throw new DeliveryError('This Set Up My Account email has lost its link and cannot be sent. Dismiss it.', true);
      if (!payload.to) throw new DeliveryError('The guardian has no email address. Dismiss this email.', true);
      const settings = await ctx.settings();
      const contact = await ctx.db.selectFrom('contacts').select(['language', 'email']).where('id', '=', payload.recipientContactId).executeTakeFirst();
      // An address fixed since the release (the worklist's inline fix, then Retry in the Outbox) is the one to use.
      const to = contact?.email?.trim() || payload.to;
      const language = emailLanguage(undefined, contact?.language, settings.defaultLanguage);
      const mailer = mailerFor(ctx, settings, services);
      try {
        await mailer.send({
          outboxId: row.id,
          to,
          language,
          ...renderSetupEmail({
            outboxId: row.id,
            to,
            recipientName: payload.recipientName,
            language,
            practiceName: settings.practiceName,
            setupUrl: setupUrl(settings.portalUrl, payload.token),
            childFirstNames: payload.childFirstNames,
            expiresOn: expiryDay(payload.expiresAt, practiceTimeZone(await ctx.settings())),
            practicePhone: settings.practicePhone,
          }),
        });
      } finally {
        mailer.close();
      }
    },
  };
}
