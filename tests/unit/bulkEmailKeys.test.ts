import { describe, expect, it } from 'vitest';
import { EmailKeys, emailHash } from '../../electron/main/bulk/emailKeys';

// The worklist's shared-email check keeps hashes, not addresses: contacts whose hashes meet are
// compared again by their addresses, so a hash collision never makes two families share an email.

/** Two different addresses with the same 32-bit hash (found by search). */
const A = 'p2039599@example.com';
const B = 'p2222382@example.com';

const addressBook = (addresses: Record<number, string>) => {
  const asked: number[][] = [];
  const of = async (crows: number[]) => {
    asked.push([...crows].sort((x, y) => x - y));
    return new Map(crows.filter((c) => addresses[c] !== undefined).map((c) => [c, addresses[c]!]));
  };
  return { asked, of };
};

describe('EmailKeys (the shared-email check)', () => {
  it('the two test addresses collide', () => {
    expect(A).not.toBe(B);
    expect(emailHash(A)).toBe(emailHash(B));
  });

  it('groups contacts by address, not by hash', async () => {
    const keys = new EmailKeys(100);
    const addresses = { 1: A, 2: B, 3: 'ana@example.com', 4: A, 5: 'luis@example.com', 6: 'ana@example.com', 7: A };
    for (const [crow, address] of Object.entries(addresses)) keys.add(Number(crow), address);
    const book = addressBook(addresses);
    const shared = await keys.shared(book.of);
    expect([...shared]).toEqual([
      [A, [1, 4, 7]],
      ['ana@example.com', [3, 6]],
    ]);
    expect(book.asked).toEqual([[1, 2, 3, 4, 6, 7]]); // only the contacts whose hashes met are read again
  });

  it('a collision alone shares nothing, and a contact gone since is left out', async () => {
    const keys = new EmailKeys(10);
    keys.add(1, A);
    keys.add(2, B);
    keys.add(3, 'x@example.com');
    keys.add(4, 'x@example.com');
    const shared = await keys.shared(addressBook({ 1: A, 2: B, 3: 'x@example.com' }).of);
    expect(shared.size).toBe(0);
  });

  it('reads nothing again when no hashes met', async () => {
    const keys = new EmailKeys(5_000);
    for (let crow = 0; crow < 5_000; crow++) keys.add(crow, `guardian${crow}@example.com`);
    const book = addressBook({});
    expect((await keys.shared(book.of)).size).toBe(0);
    expect(book.asked).toEqual([]);
  });
});
