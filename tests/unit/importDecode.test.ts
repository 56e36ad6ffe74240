import { TextDecoder } from 'node:util';
import { describe, expect, it } from 'vitest';
import { decodeImportBytes, firstInvalidUtf8, lineAtByte } from '../../electron/main/importer/decode';

/** What TextDecoder (fatal) says about the same bytes: the rule firstInvalidUtf8 must agree with. */
function decoderAccepts(bytes: number[]): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
    return true;
  } catch {
    return false;
  }
}

describe('firstInvalidUtf8 agrees with TextDecoder and says where', () => {
  it.each([
    ['ASCII', [0x41, 0x42], -1],
    ['é', [0x41, 0xc3, 0xa9], -1],
    ['€ (3 bytes)', [0xe2, 0x82, 0xac], -1],
    ['emoji (4 bytes)', [0xf0, 0x9f, 0x8c, 0xb5], -1],
    ['Latin-1 é', [0x41, 0xe9, 0x42], 1],
    ['lone continuation byte', [0x41, 0x80], 1],
    ['overlong "/"', [0xc0, 0xaf], 0],
    ['overlong 3-byte', [0xe0, 0x80, 0xaf], 0],
    ['surrogate half', [0xed, 0xa0, 0x80], 0],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['cut short at the end', [0x41, 0xe2, 0x82], 1],
    ['cut short before ASCII', [0xe2, 0x41, 0x41], 0],
    ['0xFF', [0x41, 0x41, 0xff], 2],
  ])('%s', (_label, bytes, at) => {
    expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(at);
    expect(decoderAccepts(bytes)).toBe(at === -1);
  });
});

describe('lineAtByte counts lines as the CSV reader does', () => {
  it.each([
    ['a\nb\nX', 4, 3],
    ['a\r\nb\r\nX', 6, 3],
    ['a\rb\rX', 4, 3],
    ['X', 0, 1],
  ])('%j at %i is line %i', (text, offset, line) => {
    expect(lineAtByte(Buffer.from(text, 'latin1'), offset)).toBe(line);
  });
});

describe('decodeImportBytes on large files (read in 1 MB slices)', () => {
  it('finds a Latin-1 byte far into the file, and a character split across slices is no error', async () => {
    const line = 'C1,José,Peña,03/14/2015,Active\n'; // 33 UTF-8 bytes: "é" and "ñ" fall across slice edges somewhere
    const good = Buffer.from(`Chart #,First Name,Last Name,DOB,Status\n${line.repeat(100_000)}`, 'utf8');
    let pauses = 0;
    const decoded = await decodeImportBytes('big.csv', good, async () => {
      pauses += 1;
    });
    expect(decoded).toMatchObject({ ok: true, encoding: 'utf-8' });
    expect(pauses).toBeGreaterThan(1);
    expect(decoded.ok && decoded.text.length).toBe(good.toString('utf8').length);

    const bad = Buffer.concat([good, Buffer.from('C2,Zo\xeb,Mu\xf1oz,,Active\n', 'latin1')]);
    const latin = await decodeImportBytes('big.csv', bad);
    expect(latin).toMatchObject({ ok: true, encoding: 'windows-1252', notUtf8Line: 100_002 });
  });

  it('Windows-1252 letters at 0x80–0x9F become the letters, whatever the runtime decoder gives', async () => {
    const decoded = await decodeImportBytes('q.csv', Buffer.from([0x80, 0x20, 0x8a, 0x93, 0x9c, 0x94, 0x20, 0x99, 0x20, 0x9f]));
    expect(decoded).toMatchObject({ ok: true, text: '\u20ac \u0160\u201c\u0153\u201d \u2122 \u0178' });
  });
});
