import { describe, it, expect } from 'vitest';
import { eligiblePrimaryContact, hasAccessRight, primaryContactLink, type ContactLink } from '../../../shared/domain/contacts';

function link(contactId: string, overrides: Partial<ContactLink> = {}): ContactLink {
  return {
    contactId,
    sort: 1,
    relationship: 'Mother',
    authority: null,
    residesWith: false,
    portalFlag: false,
    ...overrides,
  };
}

/** Every combination of portalFlag values over the rows (2^n variants for n rows). */
function portalFlagVariants(links: readonly ContactLink[]): ContactLink[][] {
  const variants: ContactLink[][] = [];
  for (let mask = 0; mask < 1 << links.length; mask++) {
    variants.push(links.map((l, i) => ({ ...l, portalFlag: (mask & (1 << i)) !== 0 })));
  }
  return variants;
}

const cases: [string, ContactLink[], string | null][] = [
  ['Sort 1 + Joint', [link('mom', { authority: 'Joint' })], 'mom'],
  ['Sort 1 + Exclusive', [link('mom', { authority: 'Exclusive' })], 'mom'],
  ['Sort 1 + None + resides', [link('mom', { authority: 'None', residesWith: true })], 'mom'],
  ['Sort 1 + empty authority + resides', [link('mom', { authority: null, residesWith: true })], 'mom'],
  ['Sort 1 + Joint + resides', [link('mom', { authority: 'Joint', residesWith: true })], 'mom'],
  ['Sort 1 + empty authority, not residing', [link('mom')], null],
  ['Sort 1 + None, not residing', [link('mom', { authority: 'None' })], null],
  [
    'Sort 2 has Joint, Sort 1 has none and does not reside (only Sort 1 counts)',
    [link('mom', { sort: 1 }), link('dad', { sort: 2, authority: 'Joint', residesWith: true })],
    null,
  ],
  ['Portal column ticked on Sort 1 with no authority, not residing (Portal column ignored)', [link('mom', { portalFlag: true })], null],
  [
    'Portal column ticked on an eligible Sort 2, Sort 1 eligible',
    [link('grandma', { sort: 2, authority: 'Joint', residesWith: true, portalFlag: true }), link('dad', { authority: 'Exclusive' })],
    'dad',
  ],
  ['no Sort at all, with Joint', [link('aunt', { sort: null, authority: 'Joint' })], null],
  ['Sort 0 with Joint', [link('aunt', { sort: 0, authority: 'Joint' })], null],
  ['no contacts', [], null],
  ['two Sort-1 rows, only the second eligible', [link('a-first', { authority: 'None' }), link('z-second', { residesWith: true })], 'z-second'],
];

describe('eligiblePrimaryContact', () => {
  it.each(cases)('%s', (_label, links, expected) => {
    expect(eligiblePrimaryContact(links)?.contactId ?? null).toBe(expected);
  });

  describe.each(cases)('the Portal column never changes the answer: %s', (_label, links, expected) => {
    it.each(portalFlagVariants(links).map((variant) => [variant.map((l) => l.portalFlag).join(','), variant] as const))(
      'portalFlag = [%s]',
      (_flags, variant) => {
        expect(eligiblePrimaryContact(variant)?.contactId ?? null).toBe(expected);
      },
    );
  });

  describe('several Sort-1 contacts: the same choice whatever the row order', () => {
    const rows = [
      link('c-3', { authority: 'Joint' }),
      link('c-1', { residesWith: true }),
      link('c-2', { authority: 'Exclusive' }),
      link('c-0', { authority: 'None' }), // Sort 1 but not eligible: never chosen
    ];
    const permutations = (items: readonly ContactLink[]): ContactLink[][] =>
      items.length <= 1
        ? [items.slice()]
        : items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));

    it.each(permutations(rows).map((p) => [p.map((l) => l.contactId).join(' '), p] as const))('order %s → c-1', (_order, p) => {
      expect(eligiblePrimaryContact(p)?.contactId).toBe('c-1');
    });
  });

  it('returns the caller’s own row (extra fields preserved)', () => {
    const rows = [{ ...link('mom', { authority: 'Joint' }), email: 'mom@example.com' }];
    expect(eligiblePrimaryContact(rows)).toBe(rows[0]);
  });
});

describe('hasAccessRight', () => {
  it.each([
    ['Joint', false, true],
    ['Exclusive', false, true],
    ['None', false, false],
    [null, false, false],
    ['None', true, true],
    [null, true, true],
  ] as const)('authority %s, resides %s → %s', (authority, residesWith, expected) => {
    expect(hasAccessRight({ authority, residesWith })).toBe(expected);
  });
});

describe('primaryContactLink', () => {
  it.each([
    ['eligible Sort 1', [link('dad', { sort: 2 }), link('mom', { authority: 'Joint' })], 'mom'],
    ['ineligible Sort 1 is still the Primary Contact', [link('dad', { sort: 2, authority: 'Joint' }), link('mom')], 'mom'],
    ['no Sort 1', [link('dad', { sort: 2, authority: 'Joint' })], null],
    ['no contacts', [], null],
  ] as [string, ContactLink[], string | null][])('%s', (_label, links, expected) => {
    expect(primaryContactLink(links)?.contactId ?? null).toBe(expected);
  });
});
