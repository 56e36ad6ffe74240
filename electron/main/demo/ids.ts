/**
 * Chart number of the n-th patient: a 4-round Feistel permutation of 0…8,999,999 (two halves
 * modulo 3000) shifted to 1,000,000…9,999,999, so numbers are unique without looking sequential.
 */
export function chartNumber(n: number): string {
  const x = n % 9_000_000;
  let left = Math.floor(x / 3000);
  let right = x % 3000;
  for (let round = 0; round < 4; round++) {
    let h = Math.imul(right + 1 + round * 7919, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    const next = (left + ((h >>> 0) % 3000)) % 3000;
    left = right;
    right = next;
  }
  return `C${1_000_000 + left * 3000 + right}`;
}

export function pad6(n: number): string {
  return String(n).padStart(6, '0');
}
