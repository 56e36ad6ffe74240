/// <reference types="vite/client" />
import { formatDateAs, type DateOrder, type IsoDate } from '../../../shared/domain/dates';

/**
 * The parent's paper in the guardian's language. Each language is one JSON file in ./languages
 * (en.json, es.json ...): adding a language is adding a file, with the same keys as en.json.
 * Sentences are whole (placeholders in braces), so no language is built from English word order.
 */
export type PacketWords = typeof import('./languages/en.json');
type Key = Exclude<keyof PacketWords, 'dateOrder'>;

const files = import.meta.glob<PacketWords>('./languages/*.json', { eager: true, import: 'default' });

const LANGUAGES: ReadonlyMap<string, PacketWords> = new Map(
  Object.entries(files).map(([file, words]) => [/([a-z]{2}(?:-[A-Z]{2})?)\.json$/.exec(file)![1]!, words]),
);
const ENGLISH = LANGUAGES.get('en')!;

/** Every language with a file, English first: what the plan offers. */
export function packetLanguages(): { code: string; name: string }[] {
  return [...LANGUAGES.entries()]
    .map(([code, words]) => ({ code, name: words.languageName }))
    .sort((a, b) => (a.code === 'en' ? -1 : b.code === 'en' ? 1 : a.name.localeCompare(b.name)));
}

/** The words of a language, falling back to English for a language (or a key) without a file. */
export function packetWords(language: string | null | undefined): {
  t(key: Key, values?: Record<string, string>): string;
  date(iso: IsoDate): string;
  list(names: readonly string[]): string;
  language: string;
} {
  const code = language && LANGUAGES.has(language) ? language : 'en';
  const words = LANGUAGES.get(code)!;
  return {
    language: code,
    t(key, values = {}) {
      const template = (words[key] as string | undefined) ?? (ENGLISH[key] as string);
      return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
    },
    date: (iso) => formatDateAs((words.dateOrder as DateOrder) ?? 'MDY', iso),
    list(names) {
      if (names.length <= 1) return names[0] ?? '';
      return `${names.slice(0, -1).join(', ')} ${words.and} ${names[names.length - 1]}`;
    },
  };
}
