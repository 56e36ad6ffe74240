import { DEFAULT_SETTINGS, settingsSchema, type Settings } from '../../../shared/settings';
import type { Db } from '../db/open';

/** Reads every setting, falling back to the default for any key not stored or not valid. */
export async function readSettings(db: Db): Promise<Settings> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).execute();
  const merged: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const row of rows) {
    if (!(row.key in DEFAULT_SETTINGS)) continue;
    try {
      merged[row.key] = JSON.parse(row.value);
    } catch {
      // a damaged value keeps its default
    }
  }
  const parsed = settingsSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  // Keep every valid stored value, default the rest.
  const result: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[]) {
    const single = settingsSchema.shape[key].safeParse(merged[key]);
    if (single.success) result[key] = single.data;
  }
  return result as Settings;
}
