// Which Primary Contacts share an email address, as the worklist compares them (trim, lower case),
// without keeping every address: a Map of 90,000 address strings (each holding on to the row it
// was read from) was a good part of what the Bulk pass kept alive, and so of its GC. Each address
// is kept as a 32-bit hash in an open-addressing table by contact; only contacts whose hashes meet
// (the same address, or rarely a collision) are read again and compared as text.

/** FNV-1a over the UTF-16 code units. */
export function emailHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h | 0;
}

export class EmailKeys {
  private readonly mask: number;
  private readonly hashes: Int32Array;
  /** Contact rowid + 1 per slot; 0: empty. */
  private readonly owners: Int32Array;
  /** Contacts whose hash met another's, by hash: the first holder, then the others in order. */
  private readonly met = new Map<number, number[]>();

  constructor(expected: number) {
    let size = 1024;
    while (size < expected * 2) size *= 2;
    this.mask = size - 1;
    this.hashes = new Int32Array(size);
    this.owners = new Int32Array(size);
  }

  /** A contact's address as compared (already trimmed and lower-cased, not empty). */
  add(crow: number, key: string): void {
    const h = emailHash(key);
    let i = h & this.mask;
    while (this.owners[i] !== 0) {
      if (this.hashes[i] === h) {
        const holders = this.met.get(h);
        if (holders) holders.push(crow);
        else this.met.set(h, [this.owners[i]! - 1, crow]);
        return;
      }
      i = (i + 1) & this.mask;
    }
    this.hashes[i] = h;
    this.owners[i] = crow + 1;
  }

  /**
   * The addresses held by two contacts or more, each with its holders (in the order added).
   * `addressesOf` gives the compared address of each contact asked (a contact gone since is left out).
   */
  async shared(addressesOf: (crows: number[]) => Promise<Map<number, string>>): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    if (this.met.size === 0) return out;
    const asked = [...new Set([...this.met.values()].flat())];
    const addresses = await addressesOf(asked);
    for (const holders of this.met.values()) {
      const byAddress = new Map<string, number[]>();
      for (const crow of holders) {
        const address = addresses.get(crow);
        if (address === undefined) continue;
        const same = byAddress.get(address);
        if (same) same.push(crow);
        else byAddress.set(address, [crow]);
      }
      for (const [address, crows] of byAddress) if (crows.length > 1) out.set(address, crows);
    }
    return out;
  }
}
