import { describe, expect, it } from 'vitest';
import { renderSetupEmail } from '../../electron/main/campaign/setupEmail';
import { renderAddChild } from '../../electron/main/mail/addChildTemplate';
import { renderWelcome } from '../../electron/main/mail/welcomeTemplate';
import { gradeOf, readingCounts } from '../support/readability';

/** Issue 12: every English email a parent gets reads at grade 6 or below (Flesch-Kincaid). */
const base = {
  outboxId: 'o-1',
  to: 'maria@example.com',
  recipientName: 'Maria Lopez',
  language: 'en' as const,
  practiceName: 'Maple Grove Pediatrics',
  practicePhone: '(555) 010-2400',
  portalUrl: 'https://portal.example.org',
  childFirstName: 'Ana',
  pin: 'K7Q-M3X-PAZ',
  printedSiblings: ['Luis', 'Sofia'],
  expiresOn: '2027-01-02',
};

const texts: [string, string][] = [
  ['Welcome email', renderWelcome(base).text],
  ['Welcome email, one child', renderWelcome({ ...base, printedSiblings: [] }).text],
  ['add-child email (already welcomed)', renderAddChild({ ...base, reason: 'already_welcomed' }).text],
  ['add-child email (has an account)', renderAddChild({ ...base, reason: 'has_account' }).text],
  ['Set Up My Account email', renderSetupEmail({ ...base, setupUrl: 'https://portal.example.org/setup?token=abc', childFirstNames: ['Ana', 'Luis'] }).text],
];

describe('English emails read at grade 6 or below', () => {
  it.each(texts)('%s', (name, text) => {
    const grade = gradeOf(readingCounts(text));
    console.log(`${name}: Flesch-Kincaid grade ${grade.toFixed(1)}`);
    expect(grade).toBeLessThanOrEqual(6);
  });
});

describe('what every email says at its end', () => {
  it('the practice phone when set, in the email’s language', () => {
    expect(renderWelcome(base).text).toContain('Questions, or did you not expect this email? Call us at (555) 010-2400.');
    expect(renderWelcome({ ...base, practicePhone: '' }).text).toContain('Call our office.');
    expect(renderWelcome({ ...base, language: 'es' }).text).toContain('Llámenos al (555) 010-2400.');
    expect(renderAddChild({ ...base, reason: 'has_account' }).text).toContain('Call us at (555) 010-2400.');
  });

  it('one date format per language: the Spanish email writes the day first, as the Spanish packet does', () => {
    expect(renderWelcome({ ...base, language: 'es' }).text).toContain('Válido hasta el 02/01/2027.');
    expect(renderWelcome(base).text).toContain('Use it by 01/02/2027.');
  });
});
