import { contactUpdateApplied, nameCorrectionResult, SYNC_PATHS } from '../../../shared/sync/protocol';
import { appendAudit } from '../audit/audit';
import type { AppContext } from '../context';
import { DeliveryError } from '../lib/deliveryError';
import type { SecretStore } from '../secrets/secretStore';
import { postDelivery, type SyncEndpoint } from '../sync/http';
import { deliverEnrollment } from './enrollmentDelivery';
import type { DeliverersOf } from './worker';

/** What deliverers reach the outside with; the delivery runtime makes it, app.ts hands it to every area's deliverers. */
export interface DeliveryServices {
  /** Where the practice system is, or null while it is not configured. */
  endpoint(): Promise<SyncEndpoint | null>;
  secrets: SecretStore;
  mailDropDir: string;
  /** Aborted when the app stops: requests to the practice system in flight end at once (they are retried later). */
  signal?: AbortSignal;
}

export async function requireEndpoint(services: DeliveryServices): Promise<SyncEndpoint> {
  const endpoint = await services.endpoint();
  if (!endpoint) throw new DeliveryError('The practice system is not set up yet (Settings > Practice system). The item waits.', false);
  return endpoint;
}

/** The deliverers of the rows that go to the practice system (registrations and corrections). */
export function syncDeliverers(ctx: AppContext, services: DeliveryServices): DeliverersOf<'portal.enrollment' | 'patient.name_correction' | 'contact.update'> {
  return {
    async 'portal.enrollment'(row, payload, record) {
      record(await deliverEnrollment(ctx, row, payload, await requireEndpoint(services), services.signal));
    },

    async 'patient.name_correction'(row, payload) {
      const { body } = await postDelivery(
        await requireEndpoint(services),
        SYNC_PATHS.nameCorrections,
        row.id,
        { ...payload, deliveryId: row.id },
        services.signal,
      );
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

    async 'contact.update'(row, payload) {
      const { body } = await postDelivery(
        await requireEndpoint(services),
        SYNC_PATHS.contactUpdates,
        row.id,
        { ...payload, deliveryId: row.id },
        services.signal,
      );
      if (!contactUpdateApplied.safeParse(body).success)
        throw new DeliveryError('The practice system gave an answer this version cannot read; retrying.', false);
    },
  };
}
