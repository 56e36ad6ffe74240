import { describe, expect, it } from 'vitest';
import { readPassLinks } from '../../electron/main/bulk/passRows';

// The pass reads each chunk's Sort-1 links as one string and walks them beside the patients, so it
// needs them by patient, then contact: a patient with two Sort-1 contacts must have them side by
// side, in the order the wizard's tie-break and the exclusion row expect, whatever order SQLite
// handed them over in.

const read = (text: string | null) => {
  const patients: number[] = [];
  const codes: number[] = [];
  const n = readPassLinks(text, patients, codes);
  return patients.slice(0, n).map((p, k) => [p, codes[k]!]);
};

describe('readPassLinks (the pass chunk’s Sort-1 links)', () => {
  it('reads a chunk with no links as none', () => {
    expect(read(null)).toEqual([]);
  });

  it('keeps links given in patient and contact order as they are', () => {
    expect(read('3,17,3,33,8,-31,12,160')).toEqual([
      [3, 17],
      [3, 33],
      [8, -31],
      [12, 160],
    ]);
  });

  it('puts links given out of order back in patient, then contact order', () => {
    expect(read('12,160,3,33,8,5,3,17')).toEqual([
      [3, 17],
      [3, 33],
      [8, 5],
      [12, 160],
    ]);
  });

  it('reuses its arrays: a shorter chunk after a longer one gives only its own links', () => {
    const patients: number[] = [];
    const codes: number[] = [];
    readPassLinks('1,16,2,32,3,48', patients, codes);
    const n = readPassLinks('9,20', patients, codes);
    expect(n).toBe(1);
    expect([patients[0], codes[0]]).toEqual([9, 20]);
  });
});
