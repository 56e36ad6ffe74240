/**
 * The practice eligibility checklist (SPEC 3.5; seed "Is my practice eligible for Bulk PIN?"):
 * one Practice NPI and one Practice, current version, portal fully live, register records
 * archived. Answers are stored as one JSON value in `settings` under `bulkChecklist` (not a
 * practice setting: settingsSchema does not know it and readSettings skips it).
 */
import { z } from 'zod';
import { CHECKLIST_ITEMS, type ChecklistAnswer, type ChecklistItem } from '../../../shared/bulk/api';
import { appendAudit } from '../audit/audit';
import { requireClerk } from '../clerks/sessionService';
import type { AppContext } from '../context';
import type { Db } from '../db/open';
import { keepBulkAfterOwnWrite } from './pictureCache';
import { mirrorStamp } from './snapshot';

export const CHECKLIST_KEY = 'bulkChecklist';

const storedAnswer = z.object({
  answer: z.boolean().nullable(),
  answeredBy: z.string().nullable(),
  answeredById: z.string().nullable().optional(),
  answeredAt: z.string().nullable(),
  note: z.string().default(''),
});
type StoredAnswer = z.infer<typeof storedAnswer>;

async function readStored(db: Db): Promise<Partial<Record<ChecklistItem, StoredAnswer>>> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', CHECKLIST_KEY).executeTakeFirst();
  if (!row) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(row.value);
  } catch {
    return {}; // a damaged value reads as unanswered
  }
  const result: Partial<Record<ChecklistItem, StoredAnswer>> = {};
  if (typeof raw !== 'object' || raw === null) return result;
  for (const item of CHECKLIST_ITEMS) {
    const parsed = storedAnswer.safeParse((raw as Record<string, unknown>)[item]);
    if (parsed.success) result[item] = parsed.data;
  }
  return result;
}

export async function readChecklist(db: Db): Promise<ChecklistAnswer[]> {
  const stored = await readStored(db);
  return CHECKLIST_ITEMS.map((item) => {
    const s = stored[item];
    return { item, answer: s?.answer ?? null, answeredBy: s?.answeredBy ?? null, answeredAt: s?.answeredAt ?? null, note: s?.note ?? '' };
  });
}

export const checklistReady = (answers: readonly ChecklistAnswer[]): boolean =>
  answers.length === CHECKLIST_ITEMS.length && answers.every((a) => a.answer === true);

/** Records one answer (attributed and audited). A null answer clears it. */
export async function answerChecklist(ctx: AppContext, input: { item: ChecklistItem; answer: boolean | null; note: string }): Promise<void> {
  const clerk = await requireClerk(ctx);
  const note = input.note.trim();
  const at = ctx.now();
  const stamp = mirrorStamp(ctx.sqlite);
  let written = 0;
  await ctx.db.transaction().execute(async (trx) => {
    const stored = await readStored(trx);
    const before = stored[input.item];
    if (before && before.answer === input.answer && before.note === note) return; // nothing changes
    stored[input.item] =
      input.answer === null && note === ''
        ? { answer: null, answeredBy: null, answeredById: null, answeredAt: null, note: '' }
        : { answer: input.answer, answeredBy: clerk.displayName, answeredById: clerk.id, answeredAt: at.toISOString(), note };
    const value = JSON.stringify(stored);
    await trx
      .insertInto('settings')
      .values({ key: CHECKLIST_KEY, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
    await appendAudit(trx, {
      action: 'bulk_checklist_answered',
      clerkId: clerk.id,
      workstation: ctx.workstation,
      at,
      details: { item: input.item, from: before?.answer ?? null, to: input.answer, note },
    });
    written = 2;
  });
  // An answer cannot change who is eligible: keep the cached picture.
  if (written > 0) keepBulkAfterOwnWrite(ctx.sqlite, stamp, written);
}
