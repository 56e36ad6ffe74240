import { yieldToEventLoop } from './pacing';

/**
 * Long texts (an import's CSV files, 50 MB for 200,000 patients) sent from main to a worker thread
 * in slices, one slice per event-loop turn (issue 14). Given whole in a worker's `workerData` or in
 * one message, a text is copied by the structured clone in one go on the sending thread: 25-40 ms
 * of a stopped event loop for 50 MB, 100 ms and more on a busy machine. A slice of PART_CHARS
 * characters is copied in about a millisecond.
 *
 * The worker knows which texts to wait for (their keys come with the job) and joins each one's
 * slices in order; messages between two threads keep their order.
 */

/** One million characters: about a millisecond to copy. */
export const PART_CHARS = 1 << 20;

export interface TextPart {
  type: 'text-part';
  key: string;
  text: string;
  last: boolean;
}

export function isTextPart(message: unknown): message is TextPart {
  return (message as { type?: unknown } | null)?.type === 'text-part';
}

/** Main: posts each text in slices, letting the event loop run between them. */
export async function sendTexts(post: (part: TextPart) => void, texts: ReadonlyMap<string, string>, partChars = PART_CHARS): Promise<void> {
  for (const [key, text] of texts) {
    for (let at = 0; ; at += partChars) {
      const last = at + partChars >= text.length;
      post({ type: 'text-part', key, text: text.slice(at, at + partChars), last });
      if (last) break;
      await yieldToEventLoop();
    }
  }
}

/** What a worker listens on (its parentPort). */
export interface PartPort {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/** Worker: resolves with every text of `keys`, whole, once its last slice has arrived. */
export function receiveTexts(port: PartPort, keys: readonly string[]): Promise<Map<string, string>> {
  const slices = new Map<string, string[]>(keys.map((key) => [key, []]));
  const done = new Map<string, string>();
  return new Promise((resolve) => {
    if (keys.length === 0) return resolve(done);
    const listener = (message: unknown) => {
      if (!isTextPart(message)) return;
      const parts = slices.get(message.key);
      if (!parts) return;
      parts.push(message.text);
      if (!message.last) return;
      done.set(message.key, parts.join(''));
      slices.delete(message.key);
      if (slices.size > 0) return;
      port.off('message', listener);
      resolve(done);
    };
    port.on('message', listener);
  });
}
