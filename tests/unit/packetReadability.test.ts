import { describe, expect, it } from 'vitest';
import english from '../../renderer/src/packet/languages/en.json';
import { add, gradeOf, readingCounts, type Counts } from '../support/readability';

/**
 * Issue 12: the parent's paper reads at grade 6 or below (health-literacy guidance is grade 5-6).
 * The grade is Flesch-Kincaid (tests/support/readability.ts: the flesch-kincaid and syllable
 * packages) over every sentence of the English packet file, placeholders filled as a packet fills them.
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

describe('the English packet reads at grade 6 or below', () => {
  it('as a whole, and no single text above grade 8', () => {
    let total: Counts = { sentence: 0, word: 0, syllable: 0 };
    const grades: [string, number][] = [];
    for (const { key, text } of prose) {
      const c = readingCounts(text);
      total = add(total, c);
      grades.push([key, gradeOf(c)]);
    }
    const grade = gradeOf(total);
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
