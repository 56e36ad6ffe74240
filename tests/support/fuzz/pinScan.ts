import fs from 'node:fs';
import path from 'node:path';
import { formatPin, normalizePin } from '../../../shared/domain/pin';

/**
 * Looks for plain PINs in bytes: every spelling the app or a library could plausibly write
 * (canonical, grouped with dashes or spaces, any case, UTF-16, base64 at each byte alignment).
 * Reports say which PIN (by its label) was found where and in which form, never the PIN itself.
 */
export interface KnownPin {
  /** Who it belongs to, e.g. "family B, Luis (printed)": safe to print. */
  label: string;
  pin: string;
}

export interface PinHit {
  where: string;
  label: string;
  form: string;
}

interface Needle {
  label: string;
  form: string;
  text: string;
  caseSensitive: boolean;
}

/** The stable middle of the base64 of `bytes` when preceded by 0, 1 or 2 unknown bytes. */
function base64Alignments(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let k = 0; k < 3; k++) {
    const encoded = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
    const stableEnd = Math.floor((k + bytes.length) / 3) * 4;
    const start = [0, 2, 3][k]!;
    out.push(encoded.slice(start, stableEnd));
  }
  return out;
}

export function needlesFor(pins: KnownPin[]): Needle[] {
  const needles: Needle[] = [];
  for (const { label, pin } of pins) {
    const canonical = normalizePin(pin);
    if (!canonical) throw new Error(`${label}: not a well-formed PIN`);
    const grouped = formatPin(canonical);
    const spaced = grouped.replaceAll('-', ' ');
    for (const [form, text] of [
      ['canonical', canonical],
      ['grouped', grouped],
      ['grouped with spaces', spaced],
    ] as const) {
      needles.push({ label, form, text, caseSensitive: false });
      needles.push({ label, form: `${form}, UTF-16`, text: Buffer.from(text, 'utf16le').toString('latin1'), caseSensitive: true });
      for (const variant of base64Alignments(Buffer.from(text))) {
        needles.push({ label, form: `${form}, base64`, text: variant, caseSensitive: true });
        needles.push({ label, form: `${form}, base64url`, text: variant.replaceAll('+', '-').replaceAll('/', '_'), caseSensitive: true });
      }
    }
  }
  return needles;
}

/** Every needle found in `content`, labelled with `where`. */
export function scanBytes(where: string, content: Buffer | string, needles: Needle[]): PinHit[] {
  const exact = typeof content === 'string' ? content : content.toString('latin1');
  const upper = exact.toUpperCase();
  const hits: PinHit[] = [];
  const seen = new Set<string>();
  for (const needle of needles) {
    const found = needle.caseSensitive ? exact.includes(needle.text) : upper.includes(needle.text.toUpperCase());
    const key = `${needle.label}|${needle.form}`;
    if (found && !seen.has(key)) {
      seen.add(key);
      hits.push({ where, label: needle.label, form: needle.form });
    }
  }
  return hits;
}

/** Every regular file under `dir`, recursively, with its path relative to `dir`. */
export function filesUnder(dir: string): { relative: string; absolute: string }[] {
  const out: { relative: string; absolute: string }[] = [];
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const absolute = path.join(current, entry.name);
      if (entry.isDirectory()) walk(absolute);
      else if (entry.isFile()) out.push({ relative: path.relative(dir, absolute), absolute });
    }
  };
  walk(dir);
  return out.sort((a, b) => a.relative.localeCompare(b.relative));
}

export function describeHits(hits: PinHit[]): string {
  return hits.map((h) => `${h.where}: the PIN of ${h.label}, ${h.form}`).join('\n');
}
