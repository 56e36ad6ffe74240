import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { receiveTexts, sendTexts, type TextPart } from '../../../electron/main/lib/textParts';
import { withoutTexts, withTexts } from '../../../electron/main/importer/requestTexts';
import type { ApplyRequest } from '../../../electron/main/importer/applyCore';

/**
 * An import's files cross to the job worker in slices (issue 14): what arrives must be the files
 * exactly, whatever their size, their characters, or where a slice ends.
 */

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

/** Sends `texts` over a real MessagePort in slices of `partChars`; answers what the other side put together and how many slices crossed. */
async function roundTrip(texts: Map<string, string>, partChars: number, keys = [...texts.keys()]) {
  const channel = new MessageChannel();
  channels.push(channel);
  let slices = 0;
  channel.port2.on('message', (m: TextPart) => {
    if (m.type === 'text-part') slices += 1;
  });
  const received = receiveTexts(channel.port2, keys);
  await sendTexts((part) => channel.port1.postMessage(part), texts, partChars);
  return { received: await received, slices };
}

describe('texts sent to a worker in slices', () => {
  it('arrive whole and in order, each in as many slices as its length asks', async () => {
    const patients = `Chart #,First Name,Last Name\r\n${Array.from({ length: 3_000 }, (_, i) => `C${i},Ana,López ${i}`).join('\r\n')}\r\n`;
    const contacts = 'Chart #,Guardian\r\nC1,María Núñez\r\n';
    const { received, slices } = await roundTrip(
      new Map([
        ['file0.content', patients],
        ['file1.content', contacts],
      ]),
      1_000,
    );
    expect(received.get('file0.content')).toBe(patients);
    expect(received.get('file1.content')).toBe(contacts);
    expect(slices).toBe(Math.ceil(patients.length / 1_000) + 1);
  });

  it('keep a character whose two halves fall in two slices, and an empty file', async () => {
    // "👪" is two UTF-16 units: a slice of 5 ends between them.
    const text = 'Fam,👪\r\nFam,👪\r\n';
    const { received } = await roundTrip(
      new Map([
        ['a', text],
        ['empty', ''],
      ]),
      5,
    );
    expect(received.get('a')).toBe(text);
    expect(received.get('empty')).toBe('');
  });

  it('are put back into the import request, and a file that did not arrive is an error, not an empty file', () => {
    const request: ApplyRequest = {
      input: {
        files: [
          { name: 'patients.csv', content: 'Chart #\r\nC1\r\n' },
          { name: 'contacts.csv', bytes: Buffer.from('Chart #\r\nC1\r\n').toString('base64'), encoding: 'windows-1252' },
        ],
      },
      today: '2026-12-03',
      now: '2026-12-03T12:00:00.000Z',
      clerkId: 'c1',
      workstation: 'desk-1',
    };
    const { shell, texts } = withoutTexts(request);
    expect(JSON.stringify(shell)).not.toContain('C1');
    expect([...texts.keys()]).toEqual(['file0.content', 'file1.bytes']);
    expect(withTexts(shell, texts)).toEqual(request);
    texts.delete('file1.bytes');
    expect(() => withTexts(shell, texts)).toThrow(/file 2 did not reach the job worker/);
  });
});
