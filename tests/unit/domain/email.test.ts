import { describe, expect, it } from 'vitest';
import { addressInside, checkMailbox, usableEmail } from '../../../shared/domain/email';

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
    // One "@" with a comma or a stray space is a broken address, not two of them nor a name.
    ['rosa,perez@gmail.com', 'malformed'],
    ['rosa.perez @gmail', 'malformed'],
    ['maria@example.com;', 'malformed'],
    ['Maria maria@example.com', 'display_name'],
    ['<maria@example.com>', 'display_name'],
    ['mom@x.com;dad@y.com', 'two_addresses'],
    ['mom@x.com,\tdad@y.com', 'two_addresses'],
    ['mom@x.com\tdad@y.com', 'two_addresses'],
    ['maria@example.com\u2028Bcc: spy@evil.example', 'line_break'],
    ['maria@exa\u0000mple.com', 'malformed'],
    ['\u202emaria@example.com', 'malformed'],
  ] as const)('refuses %j as %s', (raw, problem) => {
    const check = checkMailbox(raw);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.problem).toBe(problem);
    expect(usableEmail(raw)).toBeNull();
  });
});

describe('addressInside: the one address beside a name, for the worklist to suggest', () => {
  it.each([
    ['Maria Lopez <maria@example.com>', 'maria@example.com'],
    ['"Maria" maria@example.com', 'maria@example.com'],
    ['mom@x.com; dad@y.com', null],
    ['victim2@example.com\r\nBcc: spy@evil.example', null],
    ['Maria <maria@@example.com>', null],
  ])('%j → %j', (raw, address) => {
    expect(addressInside(raw)).toBe(address);
  });
});
