import { randomUUID } from 'node:crypto';
import type { FamilyView } from '../../../shared/api';
import { isUnofficialName } from '../../../shared/domain/names';
import { appendAudit } from '../audit/audit';
import { requireClerk } from '../clerks/sessionService';
import type { AppContext } from '../context';
import { AppError, notFound } from '../errors';
import { loadFamily } from '../families/familyService';
import { reindexPatients } from '../search/indexer';
import { newOutboxRow } from '../outbox/payloads';

export interface NameCorrection {
  familyId: string;
  patientId: string;
  firstName: string;
  lastName: string;
  expectedVersion: number;
}

/**
 * Replaces a placeholder name ("Baby Girl") with the child's given name: the chart row, its
 * search terms, an audit entry and the outbox row that carries it upstream (with the version it
 * was based on) commit together. Returns the refreshed family so the wizard carries on.
 */
export async function correctPatientName(ctx: AppContext, input: NameCorrection): Promise<FamilyView> {
  const clerk = await requireClerk(ctx);
  const firstName = input.firstName.trim().replace(/\s+/g, ' ');
  const lastName = input.lastName.trim().replace(/\s+/g, ' ');
  if (isUnofficialName(firstName, lastName)) {
    throw new AppError('invalid_input', `"${firstName}" is still a placeholder. Type the child's given name as the parents chose it.`);
  }
  const now = ctx.now().toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    const patient = await trx.selectFrom('patients').select(['id', 'first_name', 'last_name', 'version']).where('id', '=', input.patientId).executeTakeFirst();
    if (!patient) throw notFound('That patient');
    if (patient.version !== input.expectedVersion) {
      throw new AppError(
        'conflict',
        `Someone changed this child's chart meanwhile (now "${patient.first_name} ${patient.last_name}"). Check the name and save again.`,
      );
    }
    await trx
      .updateTable('patients')
      .set({ first_name: firstName, last_name: lastName, version: patient.version + 1, updated_at: now })
      .where('id', '=', patient.id)
      .execute();
    reindexPatients(ctx.sqlite, [patient.id]);
    await appendAudit(trx, {
      action: 'name_corrected',
      clerkId: clerk.id,
      workstation: ctx.workstation,
      at: ctx.now(),
      patientId: patient.id,
      details: { from: { firstName: patient.first_name, lastName: patient.last_name }, to: { firstName, lastName } },
    });
    await trx
      .insertInto('outbox')
      .values(
        newOutboxRow(
          ctx,
          'patient.name_correction',
          { patientId: patient.id, firstName, lastName, baseVersion: patient.version },
          { id: randomUUID(), ref: patient.id, at: now },
        ),
      )
      .execute();
  });
  ctx.outboxChanged();
  return loadFamily(ctx, input.familyId);
}
