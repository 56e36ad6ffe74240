import { describe, it, expect } from 'vitest';
import {
  NO_CHOICES,
  NOT_ISSUED_REASONS,
  PlanChoiceError,
  listNames,
  planFamilyPins,
  pronouns,
  type PlanChild,
  type PlanChoices,
  type PlanContact,
  type PlanContactLink,
} from '../../../shared/domain/plan';

function child(patientId: string, firstName: string, dateOfBirth: string | null, overrides: Partial<PlanChild> = {}): PlanChild {
  return {
    patientId,
    firstName,
    lastName: 'Lopez',
    dateOfBirth,
    verdictKind: 'eligible',
    eligiblePrimaryContactId: 'maria',
    checkingInToday: false,
    ...overrides,
  };
}

function link(patientId: string, overrides: Partial<PlanContactLink> = {}): PlanContactLink {
  return { patientId, sort: 1, authority: 'Joint', residesWith: true, ...overrides };
}

function contact(contactId: string, firstName: string, lastName: string, overrides: Partial<PlanContact> = {}): PlanContact {
  return {
    contactId,
    firstName,
    lastName,
    relationship: 'Mother',
    email: `${firstName}.${lastName}@example.com`.toLowerCase(),
    hasPortalAccount: false,
    links: [],
    ...overrides,
  };
}

function choices(overrides: Partial<PlanChoices> = {}): PlanChoices {
  return { ...NO_CHOICES, ...overrides };
}

function thrown(fn: () => unknown): PlanChoiceError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PlanChoiceError);
    return error as PlanChoiceError;
  }
  throw new Error('expected a PlanChoiceError');
}

const ana = child('p-ana', 'Ana', '2016-05-02');
const luis = child('p-luis', 'Luis', '2018-09-10');
const sofia = child('p-sofia', 'Sofia', '2021-01-20');
const lopezKids = [sofia, ana, luis];
const maria = contact('maria', 'Maria', 'Lopez', { links: lopezKids.map((c) => link(c.patientId)) });

describe('planFamilyPins: one guardian', () => {
  it('one child: the PIN goes in the Welcome email', () => {
    const plan = planFamilyPins([ana], [maria], NO_CHOICES);
    expect(plan.guardians).toHaveLength(1);
    const g = plan.guardians[0]!;
    expect(g).toMatchObject({
      guardianContactId: 'maria',
      recipient: { contactId: 'maria', name: 'Maria Lopez', email: 'maria.lopez@example.com', overridden: false, reason: null },
      mode: 'email',
      fallback: null,
      emailChildId: 'p-ana',
    });
    expect(g.children).toEqual([
      {
        patientId: 'p-ana',
        firstName: 'Ana',
        lastName: 'Lopez',
        dateOfBirth: '2016-05-02',
        delivery: 'email',
        warnings: [],
        replaces: null,
        chosenOwnerReason: null,
      },
    ]);
    expect(g.summary).toBe("Maria Lopez (maria.lopez@example.com) receives the Welcome email with Ana's PIN.");
    expect(plan).toMatchObject({ pinCount: 1, emailCount: 1, notIssued: [] });
  });

  it('three siblings, none checking in: the youngest goes by email, the others are printed for her to add', () => {
    const plan = planFamilyPins(lopezKids, [maria], NO_CHOICES);
    const g = plan.guardians[0]!;
    expect(g.children.map((c) => [c.firstName, c.delivery])).toEqual([
      ['Sofia', 'email'],
      ['Ana', 'print'],
      ['Luis', 'print'],
    ]);
    expect(g.summary).toBe(
      "Maria Lopez (maria.lopez@example.com) receives the Welcome email with Sofia's PIN. PINs for Ana and Luis are printed for her to add.",
    );
    expect(plan).toMatchObject({ pinCount: 3, emailCount: 1 });
  });

  it('two siblings: the one printed PIN reads in the singular', () => {
    const g = planFamilyPins([luis, ana], [maria], NO_CHOICES).guardians[0]!;
    expect(g.summary).toBe("Maria Lopez (maria.lopez@example.com) receives the Welcome email with Luis's PIN. The PIN for Ana is printed for her to add.");
  });

  it.each([
    ['Mother', 'her'],
    ['Grandmother', 'her'],
    ['Step-Mother', 'her'],
    ['Aunt', 'her'],
    ['Sister', 'her'],
    ['Father', 'him'],
    ['grandfather', 'him'],
    ['Stepfather', 'him'],
    ['Uncle', 'him'],
    ['Brother', 'him'],
    ['Guardian', 'them'],
    ['Foster Parent', 'them'],
    ['', 'them'],
  ])('a %s adds the printed PINs: "for %s to add"', (relationship, object) => {
    const g = planFamilyPins([ana, luis], [{ ...maria, relationship }], NO_CHOICES).guardians[0]!;
    expect(g.summary).toContain(`printed for ${object} to add.`);
    expect(pronouns(relationship).object).toBe(object);
  });

  it.each([
    [[], ''],
    [['Ana'], 'Ana'],
    [['Ana', 'Luis'], 'Ana and Luis'],
    [['Ana', 'Luis', 'Sofia'], 'Ana, Luis and Sofia'],
    [['Ana', 'Luis', 'Sofia', 'Tomas'], 'Ana, Luis, Sofia and Tomas'],
  ])('lists %j as "%s"', (names, expected) => {
    expect(listNames(names)).toBe(expected);
  });
});

describe('planFamilyPins: choosing the email child', () => {
  it('twins born the same day: the email child is picked by first name, then patient id, whatever the input order', () => {
    const mateo = child('p-2', 'Mateo', '2019-07-07');
    const lucia = child('p-9', 'Lucia', '2019-07-07');
    const twinMaria = contact('maria', 'Maria', 'Lopez', { links: [link('p-2'), link('p-9')] });
    for (const input of [
      [mateo, lucia],
      [lucia, mateo],
    ]) {
      const g = planFamilyPins(input, [twinMaria], NO_CHOICES).guardians[0]!;
      expect(g.emailChildId).toBe('p-9');
      expect(g.children.map((c) => c.firstName)).toEqual(['Lucia', 'Mateo']);
    }
    // Same first name too (a chart error, but it must still be deterministic): patient id decides.
    const a = child('p-b', 'Alex', '2019-07-07');
    const b = child('p-a', 'Alex', '2019-07-07');
    expect(planFamilyPins([a, b], [contact('maria', 'Maria', 'Lopez')], NO_CHOICES).guardians[0]!.emailChildId).toBe('p-a');
  });

  it('a child checking in today goes by email before an older sibling who is not', () => {
    const kids = [ana, { ...luis, checkingInToday: true }, sofia];
    const g = planFamilyPins(kids, [maria], NO_CHOICES).guardians[0]!;
    expect(g.emailChildId).toBe('p-luis');
    expect(g.children.map((c) => [c.firstName, c.delivery])).toEqual([
      ['Luis', 'email'],
      ['Ana', 'print'],
      ['Sofia', 'print'],
    ]);
    expect(g.summary).toBe(
      "Maria Lopez (maria.lopez@example.com) receives the Welcome email with Luis's PIN. PINs for Ana and Sofia are printed for her to add.",
    );
  });

  it('the clerk chooses the email child: it comes first, the rest oldest first', () => {
    const kids = [ana, { ...luis, checkingInToday: true }, sofia];
    const g = planFamilyPins(kids, [maria], choices({ firstChildByGuardian: { maria: 'p-sofia' } })).guardians[0]!;
    expect(g.emailChildId).toBe('p-sofia');
    expect(g.children.map((c) => [c.firstName, c.delivery])).toEqual([
      ['Sofia', 'email'],
      ['Ana', 'print'],
      ['Luis', 'print'],
    ]);
  });

  it.each([
    ['an id nobody has', 'p-nobody', /The chosen child is not among the children planned for Maria Lopez/],
    ['a child who is not eligible', 'p-teen', /^Teo is not among the children planned for Maria Lopez \(Ana and Luis\)/],
  ])('choosing %s as the email child throws unknown_child', (_label, patientId, message) => {
    const teen = child('p-teen', 'Teo', '2006-01-01', { verdictKind: 'excluded' });
    const error = thrown(() => planFamilyPins([ana, luis, teen], [maria], choices({ firstChildByGuardian: { maria: patientId } })));
    expect(error.code).toBe('unknown_child');
    expect(error.message).toMatch(message);
  });

  it('a choice for a guardian with no child to plan is ignored', () => {
    const plan = planFamilyPins([ana], [maria], choices({ firstChildByGuardian: { someoneElse: 'p-x' } }));
    expect(plan.guardians[0]!.emailChildId).toBe('p-ana');
  });
});

describe('planFamilyPins: several guardians', () => {
  it('blended family: two guardians are two groups with two Welcome emails, ordered by their oldest child', () => {
    const maya = child('p-maya', 'Maya', '2014-03-03', { lastName: 'Reed', eligiblePrimaryContactId: 'james' });
    const noah = child('p-noah', 'Noah', '2020-12-12', { lastName: 'Reed', eligiblePrimaryContactId: 'james' });
    const james = contact('james', 'James', 'Reed', { relationship: 'Father', links: [link('p-maya'), link('p-noah')] });
    const plan = planFamilyPins([ana, noah, luis, maya], [maria, james], NO_CHOICES);
    expect(plan.guardians.map((g) => [g.guardianContactId, g.emailChildId, g.children.map((c) => c.firstName)])).toEqual([
      ['james', 'p-noah', ['Noah', 'Maya']],
      ['maria', 'p-luis', ['Luis', 'Ana']],
    ]);
    expect(plan.guardians[0]!.summary).toBe(
      "James Reed (james.reed@example.com) receives the Welcome email with Noah's PIN. The PIN for Maya is printed for him to add.",
    );
    expect(plan).toMatchObject({ pinCount: 4, emailCount: 2 });
  });

  it('a guardian who is the primary contact of children from two families gets exactly one email', () => {
    // Maria's own child and her stepchildren from the Reed chart, all with Maria as Sort-1 contact.
    const maya = child('p-maya', 'Maya', '2014-03-03', { lastName: 'Reed' });
    const noah = child('p-noah', 'Noah', '2020-12-12', { lastName: 'Reed' });
    const plan = planFamilyPins([ana, noah, maya, luis], [maria], NO_CHOICES);
    expect(plan.guardians).toHaveLength(1);
    expect(plan.guardians[0]!.children.map((c) => [c.firstName, c.delivery])).toEqual([
      ['Noah', 'email'],
      ['Maya', 'print'],
      ['Ana', 'print'],
      ['Luis', 'print'],
    ]);
    expect(plan).toMatchObject({ pinCount: 4, emailCount: 1 });
  });
});

describe('planFamilyPins: children not issued', () => {
  it('all children excluded or blocked: no groups, each child listed with a reason, no PIN', () => {
    const kids = [
      child('p-1', 'Teo', '2006-01-01', { verdictKind: 'excluded' }),
      child('p-2', 'Baby Girl', '2026-10-01', { verdictKind: 'blocked' }),
      child('p-3', 'Iris', '2019-04-04', { verdictKind: 'blocked', eligiblePrimaryContactId: null }),
      child('p-4', 'Omar', '2017-02-02', { eligiblePrimaryContactId: null }),
    ];
    const plan = planFamilyPins(kids, [maria], NO_CHOICES);
    expect(plan).toEqual({
      guardians: [],
      notIssued: [
        { patientId: 'p-1', firstName: 'Teo', code: 'excluded', reason: 'not eligible' },
        { patientId: 'p-2', firstName: 'Baby Girl', code: 'blocked', reason: 'blocked until fixed' },
        { patientId: 'p-3', firstName: 'Iris', code: 'blocked', reason: 'blocked until fixed' },
        { patientId: 'p-4', firstName: 'Omar', code: 'no_guardian', reason: 'no guardian who can own the account' },
      ],
      pinCount: 0,
      emailCount: 0,
    });
  });

  it('children not issued sit beside the planned ones without changing the email child', () => {
    const teen = child('p-teen', 'Teo', '2006-01-01', { verdictKind: 'excluded' });
    const plan = planFamilyPins([teen, luis, ana], [maria], NO_CHOICES);
    expect(plan.guardians[0]!.emailChildId).toBe('p-luis');
    expect(plan.notIssued).toEqual([{ patientId: 'p-teen', firstName: 'Teo', code: 'excluded', reason: NOT_ISSUED_REASONS.excluded }]);
    expect(plan.pinCount).toBe(2);
  });

  it('no children at all: an empty plan', () => {
    expect(planFamilyPins([], [], NO_CHOICES)).toEqual({ guardians: [], notIssued: [], pinCount: 0, emailCount: 0 });
  });
});

describe('planFamilyPins: print-only', () => {
  it.each([
    [
      'the guardian has no email',
      { ...maria, email: null },
      NO_CHOICES,
      'no_email',
      'Maria Lopez has no email on file, so no Welcome email: every PIN is printed and she creates the account at the portal with the first one.',
    ],
    [
      'the guardian has a blank email',
      { ...maria, email: '   ' },
      NO_CHOICES,
      'no_email',
      'Maria Lopez has no email on file, so no Welcome email: every PIN is printed and she creates the account at the portal with the first one.',
    ],
    [
      'a Guardian (they) has no email',
      { ...maria, email: null, relationship: 'Guardian' },
      NO_CHOICES,
      'no_email',
      'Maria Lopez has no email on file, so no Welcome email: every PIN is printed and they create the account at the portal with the first one.',
    ],
    [
      'the clerk chose print-only (it wins over a missing email)',
      { ...maria, email: null },
      choices({ printOnly: true }),
      'print_only_chosen',
      'Print-only was chosen, so no Welcome email is sent.',
    ],
  ] as const)('%s: every PIN is printed and the summary says why', (_label, guardian, planChoices, code, message) => {
    const plan = planFamilyPins(lopezKids, [guardian], planChoices);
    const g = plan.guardians[0]!;
    expect(g.mode).toBe('print-only');
    expect(g.emailChildId).toBeNull();
    expect(g.fallback).toEqual({ code, message });
    expect(g.children.map((c) => [c.firstName, c.delivery])).toEqual([
      ['Sofia', 'print'],
      ['Ana', 'print'],
      ['Luis', 'print'],
    ]);
    expect(g.summary).toBe(`PINs for Sofia, Ana and Luis are printed for Maria Lopez. ${message}`);
    expect(g.accountExists).toBe(false);
    expect(plan).toMatchObject({ pinCount: 3, emailCount: 0 });
  });

  it('the guardian already has a portal account: every PIN on an add-child slip, and the summary says why', () => {
    const g = planFamilyPins(lopezKids, [{ ...maria, hasPortalAccount: true }], NO_CHOICES).guardians[0]!;
    expect(g.mode).toBe('print-only');
    expect(g.accountExists).toBe(true);
    expect(g.fallback).toEqual({
      code: 'has_portal_account',
      message: 'Maria Lopez already has a portal account: every PIN is printed on an add-child slip for her to add under My Account > Add child/dependent.',
    });
    expect(g.summary).toBe(g.fallback!.message);
  });

  it('print-only keeps the chosen first child first: the account is created with that PIN', () => {
    const g = planFamilyPins(lopezKids, [{ ...maria, email: null }], choices({ firstChildByGuardian: { maria: 'p-luis' } })).guardians[0]!;
    expect(g.children.map((c) => c.firstName)).toEqual(['Luis', 'Ana', 'Sofia']);
    expect(g.summary).toMatch(/^PINs for Luis, Ana and Sofia are printed for Maria Lopez\./);
  });

  it('print-only chosen applies to every guardian', () => {
    const maya = child('p-maya', 'Maya', '2014-03-03', { eligiblePrimaryContactId: 'james' });
    const james = contact('james', 'James', 'Reed', { relationship: 'Father', links: [link('p-maya')] });
    const plan = planFamilyPins([ana, maya], [maria, james], choices({ printOnly: true }));
    expect(plan.guardians.map((g) => [g.mode, g.fallback?.code])).toEqual([
      ['print-only', 'print_only_chosen'],
      ['print-only', 'print_only_chosen'],
    ]);
    expect(plan.guardians[0]!.summary).toBe('The PIN for Maya is printed for James Reed. Print-only was chosen, so no Welcome email is sent.');
    expect(plan.emailCount).toBe(0);
  });
});

describe('planFamilyPins: changing the recipient', () => {
  const carlos = contact('carlos', 'Carlos', 'Lopez', {
    relationship: 'Father',
    links: lopezKids.map((c) => link(c.patientId, { sort: 2, authority: 'Joint', residesWith: false })),
  });

  it('to a Sort-2 contact with Joint authority for every child: allowed, audited in the summary', () => {
    const plan = planFamilyPins(
      lopezKids,
      [maria, carlos],
      choices({ recipientByGuardian: { maria: { contactId: 'carlos', reason: ' Mother asked for it at the desk. ' } } }),
    );
    const g = plan.guardians[0]!;
    expect(g.guardianContactId).toBe('maria');
    expect(g.recipient).toEqual({
      contactId: 'carlos',
      name: 'Carlos Lopez',
      email: 'carlos.lopez@example.com',
      overridden: true,
      reason: 'Mother asked for it at the desk.',
    });
    expect(g.mode).toBe('email');
    expect(g.summary).toBe(
      "Carlos Lopez (carlos.lopez@example.com) receives the Welcome email with Sofia's PIN. PINs for Ana and Luis are printed for him to add. (Recipient changed from Maria Lopez: Mother asked for it at the desk.)",
    );
  });

  it("the new recipient's email and portal account decide the mode, not the guardian's", () => {
    const g = planFamilyPins(
      [ana],
      [
        { ...maria, email: null },
        { ...carlos, hasPortalAccount: true },
      ],
      choices({ recipientByGuardian: { maria: { contactId: 'carlos', reason: 'Parents agreed' } } }),
    ).guardians[0]!;
    expect(g.fallback?.code).toBe('has_portal_account');
    expect(g.summary).toBe(
      'Carlos Lopez already has a portal account: every PIN is printed on an add-child slip for him to add under My Account > Add child/dependent. (Recipient changed from Maria Lopez: Parents agreed.)',
    );
  });

  it('to a contact who lives with every child but has no authority: allowed', () => {
    const grandma = contact('rosa', 'Rosa', 'Perez', {
      relationship: 'Grandmother',
      links: lopezKids.map((c) => link(c.patientId, { sort: 3, authority: 'None', residesWith: true })),
    });
    const g = planFamilyPins(lopezKids, [maria, grandma], choices({ recipientByGuardian: { maria: { contactId: 'rosa', reason: 'Lives with them' } } }))
      .guardians[0]!;
    expect(g.recipient.contactId).toBe('rosa');
  });

  it('to the guardian themselves: no change of recipient', () => {
    const g = planFamilyPins([ana], [maria], choices({ recipientByGuardian: { maria: { contactId: 'maria', reason: '' } } })).guardians[0]!;
    expect(g.recipient).toMatchObject({ contactId: 'maria', overridden: false, reason: null });
    expect(g.summary).not.toContain('Recipient changed');
  });

  it.each([
    [
      // The story behind this case: staff ticked Rosa's "Portal" column on the chart. That column
      // gives no right to a child's portal access, which is why PlanContactLink has no such flag.
      'Portal column ticked on the chart, but authority None and not living with the child',
      contact('rosa', 'Rosa', 'Perez', {
        relationship: 'Aunt',
        links: lopezKids.map((c) => link(c.patientId, { sort: 2, authority: 'None', residesWith: false })),
      }),
      "Rosa Perez has no authority for Ana and does not live with them: she cannot receive Ana's PIN.",
    ],
    [
      'empty authority and not living with the child',
      contact('rosa', 'Rosa', 'Perez', {
        relationship: 'Neighbor',
        links: lopezKids.map((c) => link(c.patientId, { sort: 2, authority: null, residesWith: false })),
      }),
      "Rosa Perez has no authority for Ana and does not live with them: they cannot receive Ana's PIN.",
    ],
    [
      'rights for Ana and Luis but not for Sofia',
      contact('carlos', 'Carlos', 'Lopez', {
        relationship: 'Father',
        links: [
          link('p-ana', { sort: 1, authority: 'Joint', residesWith: false }),
          link('p-luis', { sort: 1, authority: 'Exclusive', residesWith: false }),
          link('p-sofia', { sort: 2, authority: 'None', residesWith: false }),
        ],
      }),
      "Carlos Lopez has no authority for Sofia and does not live with them: he cannot receive Sofia's PIN.",
    ],
    [
      'rights for Ana and Luis, not listed at all for Sofia',
      contact('carlos', 'Carlos', 'Lopez', {
        relationship: 'Father',
        links: [link('p-ana', { sort: 2 }), link('p-luis', { sort: 2 })],
      }),
      "Carlos Lopez is not listed as a contact for Sofia: he cannot receive Sofia's PIN.",
    ],
  ])('refused: %s', (_label, newRecipient, message) => {
    const error = thrown(() =>
      planFamilyPins(
        lopezKids,
        [maria, newRecipient],
        choices({ recipientByGuardian: { maria: { contactId: newRecipient.contactId, reason: 'Parent asked' } } }),
      ),
    );
    expect(error.code).toBe('recipient_not_allowed');
    expect(error.message).toBe(message);
  });

  it.each(['', '   ', '\n\t'])('refused with a blank reason (%j)', (reason) => {
    const error = thrown(() => planFamilyPins(lopezKids, [maria, carlos], choices({ recipientByGuardian: { maria: { contactId: 'carlos', reason } } })));
    expect(error.code).toBe('recipient_not_allowed');
    expect(error.message).toBe('Give a short reason for sending the Welcome email to someone else.');
  });

  it('refused for a contact id that is not a family contact', () => {
    const error = thrown(() => planFamilyPins(lopezKids, [maria], choices({ recipientByGuardian: { maria: { contactId: 'ghost', reason: 'Asked' } } })));
    expect(error.code).toBe('unknown_contact');
  });
});

describe('planFamilyPins: inputs', () => {
  it('a guardian id missing from the contacts throws unknown_contact', () => {
    const error = thrown(() => planFamilyPins([ana], [], NO_CHOICES));
    expect(error.code).toBe('unknown_contact');
    expect(error.message).toBe('The Primary Contact of Ana is missing from the family contacts.');
  });

  it('an eligible child without a date of birth (cannot happen) is planned last, never first', () => {
    const odd = child('p-odd', 'Zoe', null);
    const g = planFamilyPins([odd, sofia, ana], [maria], NO_CHOICES).guardians[0]!;
    expect(g.children.map((c) => [c.firstName, c.dateOfBirth])).toEqual([
      ['Sofia', '2021-01-20'],
      ['Ana', '2016-05-02'],
      ['Zoe', ''],
    ]);
  });

  it('does not change its inputs, and NO_CHOICES is frozen', () => {
    const kids = [sofia, ana, luis];
    const snapshot = structuredClone(kids);
    planFamilyPins(kids, [maria], NO_CHOICES);
    expect(kids).toEqual(snapshot);
    expect(Object.isFrozen(NO_CHOICES)).toBe(true);
    expect(Object.isFrozen(NO_CHOICES.firstChildByGuardian)).toBe(true);
  });

  it('a choice keyed "constructor" does not pick up inherited properties', () => {
    const constructorGuardian = contact('constructor', 'Maria', 'Lopez', { links: [link('p-ana')] });
    const g = planFamilyPins([{ ...ana, eligiblePrimaryContactId: 'constructor' }], [constructorGuardian], NO_CHOICES).guardians[0]!;
    expect(g.emailChildId).toBe('p-ana');
  });
});

describe('planFamilyPins: an email field that is not exactly one mailbox', () => {
  it.each([
    ['maria@example.com, attacker@evil.example', 'two addresses in one field'],
    ['mom@x.com; dad@y.com', 'two addresses in one field'],
    ['maria@example.com\r\nBcc: spy@evil.example', 'line break in the address'],
    ['Maria Lopez <maria@example.com>', 'a name as well as the address'],
    ['maria@@example.com', 'two "@" in the address'],
  ])('%j: print-only, no Welcome email, and the plan says why', (email, words) => {
    const plan = planFamilyPins([ana, luis], [{ ...maria, email }], NO_CHOICES);
    const g = plan.guardians[0]!;
    expect(g.mode).toBe('print-only');
    expect(g.recipient.email).toBeNull();
    expect(g.emailChildId).toBeNull();
    expect(plan.emailCount).toBe(0);
    expect(g.children.every((c) => c.delivery === 'print')).toBe(true);
    expect(g.fallback?.code).toBe('no_email');
    expect(g.summary).toContain(words);
    // The field is quoted as the desk can show it: a line break as ↵, never a real one.
    expect(g.summary).not.toMatch(/[\r\n]/);
  });
});

const CLOCK = { now: new Date('2026-12-03T15:42:00Z'), timeZone: 'America/New_York' };
const held = (pinId: string, reprintBatchId: string | null = 'batch-1') => ({ pinId, description: '12 minutes ago by Dana (printed)', reprintBatchId });

describe('planFamilyPins: a child who already holds a PIN (any desk)', () => {
  const heldAna = { ...ana, heldPin: held('pin-ana') };

  it('is not given another by default: listed with when, by whom and how, and the reprint it allows', () => {
    const plan = planFamilyPins([heldAna, luis], [maria], NO_CHOICES, CLOCK);
    expect(plan.guardians[0]!.children.map((c) => c.firstName)).toEqual(['Luis']);
    expect(plan.notIssued).toEqual([
      {
        patientId: 'p-ana',
        firstName: 'Ana',
        code: 'pin_held',
        reason: 'holds a PIN issued 12 minutes ago by Dana (printed)',
        heldPin: { pinId: 'pin-ana', reprintBatchId: 'batch-1' },
      },
    ]);
  });

  it('every child holding one: the plan issues nothing and queues no email', () => {
    const plan = planFamilyPins([heldAna, { ...luis, heldPin: held('pin-luis', null) }], [maria], NO_CHOICES, CLOCK);
    expect(plan).toMatchObject({ guardians: [], pinCount: 0, emailCount: 0 });
    expect(plan.notIssued.map((n) => n.code)).toEqual(['pin_held', 'pin_held']);
  });

  it('"Replace this child\'s PIN" with a reason plans that one child only, naming the PIN it replaces', () => {
    const plan = planFamilyPins(
      [heldAna, { ...luis, heldPin: held('pin-luis') }],
      [maria],
      choices({ replacePins: { 'p-ana': ' Slip went through the wash ' } }),
      CLOCK,
    );
    expect(plan.pinCount).toBe(1);
    const [planned] = plan.guardians[0]!.children;
    expect(planned).toMatchObject({ patientId: 'p-ana', replaces: { pinId: 'pin-ana', reason: 'Slip went through the wash' } });
    expect(plan.guardians[0]!.summary).toContain("(Ana's earlier PIN is replaced: Slip went through the wash.)");
    expect(plan.notIssued.map((n) => n.patientId)).toEqual(['p-luis']);
  });

  it('a replacement needs a reason', () => {
    const error = thrown(() => planFamilyPins([heldAna], [maria], choices({ replacePins: { 'p-ana': '  ' } }), CLOCK));
    expect(error).toMatchObject({ code: 'reason_required', message: "Give a short reason for replacing Ana's PIN." });
  });
});

describe('planFamilyPins: a guardian who already has a Welcome email or an account', () => {
  it.each([
    ['queued', 'queued'],
    ['sent', 'sent'],
  ] as const)('a Welcome email %s by another desk: print-only add-child slips, no second Welcome email', (state, word) => {
    const welcomed = { ...maria, welcome: { state, at: '2026-12-03T14:30:00Z', workstation: 'DESK-2' } };
    const plan = planFamilyPins([ana, luis], [welcomed], NO_CHOICES, CLOCK);
    const g = plan.guardians[0]!;
    expect(g).toMatchObject({ mode: 'print-only', emailChildId: null, accountExists: true, fallback: { code: 'welcome_already' } });
    expect(plan.emailCount).toBe(0);
    expect(g.summary).toBe(
      `Maria Lopez already has a Welcome email (${word} today at 9:30 AM from DESK-2): every PIN is printed on an add-child slip for her to add to the same account under My Account > Add child/dependent.`,
    );
  });

  it('re-sending the Welcome email is an explicit choice with a reason', () => {
    const welcomed = { ...maria, welcome: { state: 'sent' as const, at: '2026-12-01T14:30:00Z', workstation: 'DESK-1' } };
    const plan = planFamilyPins([ana], [welcomed], choices({ resendWelcome: { maria: 'Email was deleted by mistake' } }), CLOCK);
    expect(plan.guardians[0]).toMatchObject({ mode: 'email', resendReason: 'Email was deleted by mistake', accountExists: false });
    expect(plan.emailCount).toBe(1);
    const error = thrown(() => planFamilyPins([ana], [welcomed], choices({ resendWelcome: { maria: '' } }), CLOCK));
    expect(error.code).toBe('reason_required');
  });

  it('no Welcome email on record: the usual plan', () => {
    const plan = planFamilyPins([ana], [{ ...maria, welcome: { state: 'none', at: null, workstation: null } }], NO_CHOICES, CLOCK);
    expect(plan.guardians[0]!.mode).toBe('email');
  });
});

describe('planFamilyPins: who is preselected when someone is checking in', () => {
  const maya = child('p-maya', 'Maya', '2014-03-03', { lastName: 'Reed', eligiblePrimaryContactId: 'james' });
  const james = contact('james', 'James', 'Reed', { relationship: 'Father', links: [link('p-maya')] });

  it("the checking-in child's guardian gets all their children; another guardian's child is listed, not preselected", () => {
    const plan = planFamilyPins([{ ...ana, checkingInToday: true }, luis, maya], [maria, james], NO_CHOICES);
    expect(plan.guardians.map((g) => g.guardianContactId)).toEqual(['maria']);
    expect(plan.guardians[0]!.children.map((c) => c.firstName)).toEqual(['Ana', 'Luis']);
    expect(plan.notIssued).toEqual([{ patientId: 'p-maya', firstName: 'Maya', code: 'not_selected', reason: NOT_ISSUED_REASONS.notSelected }]);
  });

  it('the clerk may include them, or leave any child out', () => {
    const plan = planFamilyPins([{ ...ana, checkingInToday: true }, luis, maya], [maria, james], choices({ include: { 'p-maya': true, 'p-luis': false } }));
    expect(plan.guardians.map((g) => [g.guardianContactId, g.children.map((c) => c.firstName)])).toEqual([
      ['james', ['Maya']],
      ['maria', ['Ana']],
    ]);
    expect(plan.notIssued).toEqual([{ patientId: 'p-luis', firstName: 'Luis', code: 'not_selected', reason: NOT_ISSUED_REASONS.leftOut }]);
  });

  it('nobody checking in (found by search): everyone is preselected', () => {
    expect(planFamilyPins([ana, maya], [maria, james], NO_CHOICES).pinCount).toBe(2);
  });
});

describe('planFamilyPins: no eligible Primary Contact, but another contact with a right to the child', () => {
  const rosa = contact('rosa', 'Rosa', 'Perez', { relationship: 'Grandmother', links: [link('p-iris', { sort: 1, authority: 'None', residesWith: false })] });
  const pedro = contact('pedro', 'Pedro', 'Perez', { relationship: 'Father', links: [link('p-iris', { sort: 2, authority: 'Joint', residesWith: false })] });
  const iris = child('p-iris', 'Iris', '2019-04-04', { lastName: 'Perez', verdictKind: 'needs_recipient', eligiblePrimaryContactId: null });

  it('without a choice: listed with only the contacts who may own the account', () => {
    const plan = planFamilyPins([iris], [rosa, pedro], NO_CHOICES);
    expect(plan.pinCount).toBe(0);
    expect(plan.notIssued).toEqual([
      {
        patientId: 'p-iris',
        firstName: 'Iris',
        code: 'needs_recipient',
        reason: NOT_ISSUED_REASONS.needsRecipient,
        recipientOptions: [{ contactId: 'pedro', name: 'Pedro Perez', email: 'pedro.perez@example.com' }],
      },
    ]);
  });

  it('the chosen contact owns the account and gets the Welcome email; the reason is kept for the audit', () => {
    const plan = planFamilyPins([iris], [rosa, pedro], choices({ recipientByChild: { 'p-iris': { contactId: 'pedro', reason: 'Father has joint custody' } } }));
    const g = plan.guardians[0]!;
    expect(g).toMatchObject({ guardianContactId: 'pedro', mode: 'email', recipient: { contactId: 'pedro' } });
    expect(g.children[0]!.chosenOwnerReason).toBe('Father has joint custody');
    expect(g.summary).toContain("(Pedro Perez owns Iris's account: Father has joint custody.)");
  });

  it('a contact without a right, or no reason, is refused', () => {
    expect(thrown(() => planFamilyPins([iris], [rosa, pedro], choices({ recipientByChild: { 'p-iris': { contactId: 'rosa', reason: 'Asked' } } }))).code).toBe(
      'recipient_not_allowed',
    );
    expect(thrown(() => planFamilyPins([iris], [rosa, pedro], choices({ recipientByChild: { 'p-iris': { contactId: 'pedro', reason: ' ' } } }))).code).toBe(
      'reason_required',
    );
  });
});

describe('planFamilyPins: the first child (the one that creates the account)', () => {
  const soon = { code: 'turns_minor_limit_soon' as const, message: "Ana turns 18 on 12/04/2026 (in 1 day) and will then leave the parent's account." };
  const teen = { code: 'adolescent_confidentiality' as const, message: "Luis is 16: the practice limits a parent's portal access from age 13." };

  it('skips the youngest who is at the teen-confidentiality age or about to turn the Minor Age Limit', () => {
    const kids = [
      { ...ana, dateOfBirth: '2015-01-01' },
      { ...luis, dateOfBirth: '2016-01-01', warnings: [teen] },
      { ...sofia, dateOfBirth: '2017-01-01', warnings: [soon] },
    ];
    expect(planFamilyPins(kids, [maria], NO_CHOICES).guardians[0]!.emailChildId).toBe('p-ana');
  });

  it("the review's warnings stand beside the child in the plan", () => {
    const g = planFamilyPins([{ ...ana, warnings: [soon] }, luis], [maria], NO_CHOICES).guardians[0]!;
    expect(g.children.find((c) => c.patientId === 'p-ana')!.warnings).toEqual([soon.message]);
  });
});
