/**
 * Names and contact fields arrive from other systems (sync, CSV) with characters no person typed:
 * NUL, BEL and other C0/C1 controls, and bidi overrides that make "Ana" display as something else
 * on a printed slip (issue 11). They are removed at the door, and the count is reported. Pure.
 */

// C0 and C1 controls and DEL (\p{Cc}; tab, CR and LF included: none belongs in a name or an address
// field), the bidi embeddings/overrides/isolates, and the invisible LRM/RLM/ALM marks.
const UNWANTED = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

export interface CleanText {
  text: string;
  /** How many characters were removed. */
  removed: number;
}

export function cleanText(value: string): CleanText {
  const text = value.replace(UNWANTED, '');
  return { text, removed: value.length - text.length };
}

/** cleanText for an optional field: null stays null. */
export function cleanOptionalText(value: string | null): { text: string | null; removed: number } {
  if (value === null) return { text: null, removed: 0 };
  return cleanText(value);
}
