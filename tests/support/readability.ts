import { fleschKincaid } from 'flesch-kincaid';
import { syllable } from 'syllable';

/**
 * Flesch-Kincaid grade of parent-facing text (issue 12), from the flesch-kincaid and syllable
 * packages. Menu paths, addresses and PINs are read as the words a parent sees on screen: a web
 * address or an email counts as one short word, "My Account > Add child/dependent" as the menu's words.
 */
export interface Counts {
  sentence: number;
  word: number;
  syllable: number;
}

export function readingCounts(text: string): Counts {
  const plain = text
    .replace(/https?:\/\/\S+/g, 'link')
    .replace(/\S+@\S+/g, 'email')
    .replace(/My Account > Add child\/dependent/g, 'My Account, Add child')
    .replace(/[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}/g, 'code')
    .replace(/[“”"]/g, '');
  const sentences = plain
    // Sentences end at . ? ! (or a blank line between paragraphs); a colon or a line break does not end one.
    .split(/(?<=[.?!])\s+|\n\s*\n/)
    .map((s) => s.trim())
    .filter((s) => /\p{L}/u.test(s));
  const words = plain
    .split(/\s+/)
    .map((w) => w.replace(/[^\p{L}\p{N}'’-]/gu, ''))
    .filter((w) => w !== '');
  return { sentence: sentences.length, word: words.length, syllable: words.reduce((n, w) => n + syllable(w), 0) };
}

export function gradeOf(counts: Counts): number {
  return fleschKincaid({ ...counts });
}

export function add(a: Counts, b: Counts): Counts {
  return { sentence: a.sentence + b.sentence, word: a.word + b.word, syllable: a.syllable + b.syllable };
}
