import { describe, expect, it } from 'vitest';
import { LineBatches, NdjsonLines, OVERSIZE_PROBLEM, type Batch, type NdjsonLine } from '../../../electron/main/fhir/ndjsonLines';

/**
 * An export file's bytes reach the job worker as the network cut them (issue 14): a cut may fall
 * inside a line, inside a multi-byte character, between \r and \n, or inside a line too long to
 * hold. Whatever the cuts, the worker must read the same lines, numbered the same, as from the
 * whole file at once.
 */

const utf8 = (text: string) => new TextEncoder().encode(text);

/** The lines read when `bytes` arrive cut at `cuts` (sorted offsets). */
function readCut(bytes: Uint8Array, cuts: number[], cap?: number): NdjsonLine[] {
  const splitter = new NdjsonLines(cap);
  const out: NdjsonLine[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.byteLength]) {
    // A fresh copy each time: the splitter must not keep a view of a chunk the caller reuses.
    const chunk = bytes.slice(from, cut);
    splitter.push(chunk, (line) => out.push(line));
    chunk.fill(0x7b);
    from = cut;
  }
  splitter.end((line) => out.push(line));
  return out;
}

describe('NDJSON lines from chunks', () => {
  const file = utf8(
    [
      '{"resourceType":"Patient","id":"p1","name":[{"family":"Muñoz","given":["Zoë"]}]}',
      '',
      '   ',
      '{"resourceType":"RelatedPerson","id":"r1","name":[{"text":"Nguyễn 😀 Thị"}]}\r',
      '{"resourceType":"Patient","id":"p2"}',
    ].join('\n'),
  );
  const whole: NdjsonLine[] = [
    { line: 1, text: '{"resourceType":"Patient","id":"p1","name":[{"family":"Muñoz","given":["Zoë"]}]}' },
    { line: 2, text: '{"resourceType":"RelatedPerson","id":"r1","name":[{"text":"Nguyễn 😀 Thị"}]}' },
    { line: 3, text: '{"resourceType":"Patient","id":"p2"}' },
  ];

  it('reads the same lines whatever the one cut: inside a line, inside a 2-, 3- or 4-byte character, between \\r and \\n', () => {
    expect(readCut(file, [])).toEqual(whole);
    for (let cut = 1; cut < file.byteLength; cut += 1) expect(readCut(file, [cut]), `cut at byte ${cut}`).toEqual(whole);
  });

  it('reads the same lines when every byte arrives alone', () => {
    expect(
      readCut(
        file,
        Array.from({ length: file.byteLength - 1 }, (_, i) => i + 1),
      ),
    ).toEqual(whole);
  });

  it('a line over the cap is reported unread, numbered, wherever the cuts fall; a line exactly at the cap is read', () => {
    const cap = 16;
    const atCap = 'a'.repeat(cap);
    const over = 'b'.repeat(cap + 1);
    const bytes = utf8(`${atCap}\n${over}\nok\n${'c'.repeat(3 * cap)}`);
    const expected: NdjsonLine[] = [
      { line: 1, text: atCap },
      { line: 2, text: null },
      { line: 3, text: 'ok' },
      { line: 4, text: null },
    ];
    for (let a = 1; a < bytes.byteLength; a += 1) {
      for (const b of [a + 1, a + 7, a + 17]) {
        const cuts = b < bytes.byteLength ? [a, b] : [a];
        expect(readCut(bytes, cuts, cap), `cuts at ${cuts.join(', ')}`).toEqual(expected);
      }
    }
  });
});

describe('batches of lines, resumed', () => {
  const lines = Array.from({ length: 7 }, (_, i) => `{"id":"p${i + 1}"}`);
  const bytes = utf8(`${lines[0]}\n\n${lines.slice(1, 3).join('\n')}\n${'x'.repeat(40)}\n${lines.slice(3).join('\n')}\n`);

  function batchesOf(skip: number): { batches: Batch[]; total: number } {
    const batches: Batch[] = [];
    const splitter = new LineBatches(skip, 3, (batch) => batches.push(batch), 32);
    for (let i = 0; i < bytes.byteLength; i += 5) splitter.push(bytes.subarray(i, i + 5));
    return { batches, total: splitter.end() };
  }

  it('hands on full batches as they fill with the lines done (the resume point), then the rest at the end', () => {
    const { batches, total } = batchesOf(0);
    expect(total).toBe(8);
    expect(batches).toEqual([
      { lines: lines.slice(0, 3), lineNumbers: [1, 2, 3], linesDone: 3, unreadable: [] },
      { lines: lines.slice(3, 5), lineNumbers: [5, 6], linesDone: 6, unreadable: [{ line: 4, problem: OVERSIZE_PROBLEM }] },
      { lines: lines.slice(5), lineNumbers: [7, 8], linesDone: 8, unreadable: [] },
    ]);
  });

  it('a resumed file skips the lines staged before, the unread one included, and numbers the rest as before', () => {
    const { batches } = batchesOf(4);
    expect(batches).toEqual([
      { lines: lines.slice(3, 6), lineNumbers: [5, 6, 7], linesDone: 7, unreadable: [] },
      { lines: lines.slice(6), lineNumbers: [8], linesDone: 8, unreadable: [] },
    ]);
  });
});
