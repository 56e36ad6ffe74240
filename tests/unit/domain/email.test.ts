import { describe, expect, it } from 'vitest';
import { checkMailbox, usableEmail } from '../../../shared/domain/email';

describe('checkMailbox: one mailbox per field, anything else is no usable email', () => {
  it.each([
    ['maria@example.com', 'maria@example.com'],
    ['  maria@example.com  ', 'maria@example.com'],
    ['first.last+kids@mail.example.org', 'first.last+kids@mail.example.org'],
  ])('accepts %j', (raw, address) => {
    expect(checkMailbox(raw)).toEqual({ ok: true, address });
  });

  it.each([
    [null, 'missing'],
    ['   ', 'missing'],
    ['victim@example.com, attacker@evil.example', 'two_addresses'],
    ['mom@x.com; dad@y.com', 'two_addresses'],
    ['mom@x.com dad@y.com', 'two_addresses'],
    ['victim2@example.com\r\nBcc: spy@evil.example', 'line_break'],
    ['maria@example.com\nx', 'line_break'],
    ['Maria Lopez <maria@example.com>', 'display_name'],
    ['"Maria" maria@example.com', 'display_name'],
    ['maria@@example.com', 'two_at'],
    ['maria@example@com', 'two_at'],
    ['maria.example.com', 'malformed'],
    ['maria@localhost', 'malformed'],
  ] as const)('refuses %j as %s', (raw, problem) => {
    const check = checkMailbox(raw);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.problem).toBe(problem);
    expect(usableEmail(raw)).toBeNull();
  });
});
