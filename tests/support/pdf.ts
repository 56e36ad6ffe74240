import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { makeTempDir } from './tempDir';

/** Prints the page as the printer would (print media, Letter) and reads the PDF back as text. */
export async function printToText(page: Page): Promise<{ text: string; pages: number; pdf: Buffer }> {
  await page.emulateMedia({ media: 'print' });
  // Fonts and the QR image must be in before the page is printed.
  // (A string: this runs in the page, and the tests are type-checked without DOM types.)
  await page.evaluate(`Promise.all([document.fonts.ready, ...[...document.images].map((img) => img.decode().catch(() => undefined))])`);
  const pdf = await page.pdf({ format: 'Letter', printBackground: false, preferCSSPageSize: true });
  await page.emulateMedia({ media: 'screen' });
  const temp = makeTempDir('fpp-pdf-');
  try {
    const file = path.join(temp.dir, 'packet.pdf');
    fs.writeFileSync(file, pdf);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    const pages = Number(/Pages:\s+(\d+)/.exec(info)?.[1] ?? 0);
    return { text, pages, pdf };
  } finally {
    temp.remove();
  }
}

/** The PINs printed in a text, however the PDF spaced their characters. */
export function pinsIn(text: string): string[] {
  return [...text.replace(/[ \t]+/g, '').matchAll(/[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{3}/g)].map((m) => m[0]);
}
