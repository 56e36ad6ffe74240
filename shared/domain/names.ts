/**
 * Placeholder names given at birth before a child is named ("Baby Girl", "BB", "Twin A"...).
 * Seed rule: PINs must not be issued until the patient's name is updated.
 */

/** Lower-case, strip accents, keep letters and digits as space-separated words. */
export function nameWords(value: string): string[] {
  return value
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter((w) => w.length > 0);
}

const SEX_WORDS = ['boy', 'girl', 'male', 'female', 'm', 'f'];
const ORDINALS = ['a', 'b', 'c', 'd', '1', '2', '3', '4', 'one', 'two', 'three', 'four'];

/** Every accepted placeholder, as word sequences. Defined once; tests and the UI read it. */
export const UNOFFICIAL_NAME_EXAMPLES = ['Baby Boy', 'Baby Girl', 'BB', 'BG', 'Baby', 'Infant', 'Newborn', 'Boy', 'Girl', 'Twin A'];

/** Leads that are never a given name: "Baby Girl Garcia" is a placeholder whatever follows. */
const STRONG_LEADS = new Set(['baby', 'infant', 'newborn', 'nb', 'bb', 'bg', 'babyboy', 'babygirl']);

function isPlaceholder(input: readonly string[]): boolean {
  if (input.length === 0) return false;
  // "B.G." or "B. B." arrive as single letters: read them as one word.
  const words = input.length > 1 && input.every((w) => w.length === 1) ? [input.join('')] : input;
  // "BB", "BG", "BBA" (baby boy A), "BGB"
  if (words.length <= 2 && /^b[bg][a-d12]?$/.test(words[0]!) && (words.length === 1 || ORDINALS.includes(words[1]!))) {
    return true;
  }
  // "BabyBoy", "BabyGirl" typed without the space
  const joined = words.join(' ').replace(/^baby(boy|girl)\b/, 'baby $1');
  const parts = joined.split(' ');
  let i = 0;
  const lead = parts[i];
  if (lead === 'baby' || lead === 'infant' || lead === 'newborn' || lead === 'nb') {
    i += 1;
    if (parts[i] !== undefined && SEX_WORDS.includes(parts[i]!)) i += 1;
    if (parts[i] === 'twin' || parts[i] === 'triplet') i += 1;
  } else if (lead === 'boy' || lead === 'girl' || lead === 'male' || lead === 'female') {
    i += 1;
  } else if (lead === 'twin' || lead === 'triplet') {
    i += 1;
    if (parts[i] !== undefined && SEX_WORDS.includes(parts[i]!)) i += 1;
  } else {
    return false;
  }
  if (parts[i] !== undefined && ORDINALS.includes(parts[i]!)) i += 1;
  return i === parts.length;
}

/**
 * True when the first name is a placeholder, with or without the surname typed into it
 * ("Baby Girl", "BABY  GIRL", "Baby Girl Lopez", "Twin A"). Real names such as Babette,
 * Boyd or Twinkle are not placeholders. A missing first name counts as unofficial too.
 */
export function isUnofficialName(firstName: string, lastName = ''): boolean {
  const first = nameWords(firstName);
  if (first.length === 0) return true;
  if (isPlaceholder(first)) return true;
  // A strong placeholder followed by a surname (the parent's, or a hyphenated one).
  if (STRONG_LEADS.has(first[0]!)) {
    for (let end = first.length - 1; end >= 1; end--) if (isPlaceholder(first.slice(0, end))) return true;
  }
  const last = nameWords(lastName);
  if (last.length > 0 && first.length > last.length) {
    const tail = first.slice(first.length - last.length);
    if (tail.join(' ') === last.join(' ')) return isPlaceholder(first.slice(0, first.length - last.length));
  }
  // Placeholder surname with a placeholder first name ("Girl" "Baby") is caught above;
  // a surname alone that is a placeholder ("Ana" "Baby") is not a reason to block.
  return false;
}

export function fullName(person: { firstName: string; lastName: string }): string {
  return `${person.firstName} ${person.lastName}`.trim().replace(/\s+/g, ' ');
}

/** Search key for a name: accents stripped, lower case, letters and digits only. */
export function normalizeForSearch(value: string): string {
  return nameWords(value).join('');
}
