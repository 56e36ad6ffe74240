import { describe, expect, it } from 'vitest';
import { hashPassword, needsRehash, SCRYPT_PARAMS, verifyPassword } from '../../electron/main/clerks/passwords';

// Cheaper parameters keep the suite quick where the cost itself is not under test.
const FAST = { N: 2 ** 10, r: 8, p: 1 };

describe('clerk password hashing', () => {
  it('stores scrypt with its parameters and a salt, never the password', async () => {
    const stored = await hashPassword('correct horse battery', SCRYPT_PARAMS);
    const [scheme, n, r, p, salt, key] = stored.split('$');
    expect([scheme, Number(n), Number(r), Number(p)]).toEqual(['scrypt', SCRYPT_PARAMS.N, SCRYPT_PARAMS.r, SCRYPT_PARAMS.p]);
    expect(Buffer.from(salt!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(key!, 'base64url')).toHaveLength(32);
    expect(stored).not.toContain('correct horse');
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
  });

  it('gives the same password a different hash each time (per-user salt), and both verify', async () => {
    const a = await hashPassword('same password 123', FAST);
    const b = await hashPassword('same password 123', FAST);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password 123', a)).toBe(true);
    expect(await verifyPassword('same password 123', b)).toBe(true);
  });

  it('refuses a wrong password, one differing by case or a trailing space, and the empty one', async () => {
    const stored = await hashPassword('Front-desk-2026', FAST);
    for (const wrong of ['front-desk-2026', 'Front-desk-2026 ', 'Front-desk-202', '']) {
      expect(await verifyPassword(wrong, stored), JSON.stringify(wrong)).toBe(false);
    }
  });

  it('treats composed and decomposed accents as the same password', async () => {
    const stored = await hashPassword('contraseña-segura', FAST);
    expect(await verifyPassword('contrasen\u0303a-segura', stored)).toBe(true);
  });

  it('never matches a damaged or hostile stored hash (and does not spend gigabytes on one)', async () => {
    const good = await hashPassword('a long password', FAST);
    const parts = good.split('$');
    const damaged = [
      '',
      'plain-text-password',
      ['bcrypt', ...parts.slice(1)].join('$'),
      ['scrypt', String(2 ** 30), ...parts.slice(2)].join('$'),
      ['scrypt', '1000', ...parts.slice(2)].join('$'),
      [...parts.slice(0, 5), ''].join('$'),
      [...parts.slice(0, 5), Buffer.alloc(32).toString('base64url')].join('$'),
    ];
    for (const stored of damaged) expect(await verifyPassword('a long password', stored), stored).toBe(false);
  });

  it('asks for a rehash of hashes made with weaker parameters than today’s', async () => {
    expect(needsRehash(await hashPassword('x'.repeat(12), FAST))).toBe(true);
    expect(needsRehash(await hashPassword('x'.repeat(12)))).toBe(false);
  });
});
