import { fleschKincaid } from 'flesch-kincaid';
import { syllable } from 'syllable';
import { describe, expect, it } from 'vitest';
import english from '../../renderer/src/packet/languages/en.json';

/**
 * Issue 12: the parent's paper reads at grade 6 or below (health-literacy guidance is grade 5-6).
 * The grade is Flesch-Kincaid, from the flesch-kincaid and syllable packages, over every sentence
 * of the English packet file with its placeholders filled the way a packet fills them.
 */
const SAMPLE: Record<string, string> = {
  family: 'Lopez',
  date: '12/03/2026',
  clerk: 'Dana',
  name: 'Maria Lopez',
  practice: 'Maple Grove Pediatrics',
  email: 'maria@example.com',
  child: 'Ana',
  children: 'Luis and Sofia',
  portal: 'the portal',
  dob: '03/14/2019',
  phone: '555-010-2400',
};

/** The keys that are sentences a parent reads (not labels, table headings or settings). */
const prose = Object.entries(english)
  .filter(([key, text]) => typeof text === 'string' && /[.?!]$/.test(text) && key !== 'languageName')
  .map(([key, text]) => ({ key, text: (text as string).replace(/\{(\w+)\}/g, (_, name: string) => SAMPLE[name] ?? name) }));

function counts(text: string): { sentence: number; word: number; syllable: number } {
  // Menu paths and addresses are read as the words on the screen they name.
  const plain = text.replace(/My Account > Add child\/dependent/g, 'My Account, Add child').replace(/[“”"]/g, '');
  const sentences = plain.split(/(?<=[.?!])\s+/).filter((s) => s.trim() !== '');
  const words = plain.split(/\s+/).map((w) => w.replace(/[^\p{L}\p{N}'’-]/gu, '')).filter((w) => w !== '');
  return { sentence: sentences.length, word: words.length, syllable: words.reduce((n, w) => n + syllable(w), 0) };
}

describe('the English packet reads at grade 6 or below', () => {
  it('as a whole, and no single text above grade 8', () => {
    const total = { sentence: 0, word: 0, syllable: 0 };
    const grades: [string, number][] = [];
    for (const { key, text } of prose) {
      const c = counts(text);
      total.sentence += c.sentence;
      total.word += c.word;
      total.syllable += c.syllable;
      grades.push([key, fleschKincaid(c)]);
    }
    const grade = fleschKincaid(total);
    console.log(
      `Packet readability (Flesch-Kincaid grade): ${grade.toFixed(1)} over ${prose.length} texts, ${total.sentence} sentences, ${total.word} words; ` +
        `hardest: ${grades
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([k, g]) => `${k} ${g.toFixed(1)}`)
          .join(', ')}`,
    );
    expect(prose.length).toBeGreaterThan(15);
    expect(grade).toBeLessThanOrEqual(6);
    for (const [key, g] of grades) expect(g, key).toBeLessThanOrEqual(8);
  });
});
