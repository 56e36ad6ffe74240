import { FIELD_CHOICE_HINTS, FIELD_LABELS, type ImportField } from '../../../shared/import/fields';

/** A field as the mapping select offers it: "Sort (1 = Primary Contact)". */
export function fieldChoiceWords(field: ImportField): string {
  const hint = FIELD_CHOICE_HINTS[field];
  return hint ? `${FIELD_LABELS[field]} (${hint})` : FIELD_LABELS[field];
}
