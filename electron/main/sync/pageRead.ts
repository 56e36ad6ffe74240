import { changesPageEnvelope, PAGE_RECORDS, type ChangesPageEnvelope, type PageRecordKind } from '../../../shared/sync/protocol';

/**
 * Reads one page of the practice system's changes from the bytes it sent: JSON, the envelope
 * (changesPageEnvelope; each record is checked on its own when applied, applyPage.ts), and no
 * more rows than asked for. Plain code with no app state, so a pull's worker thread reads its
 * pages itself (the main thread only moves the bytes, issue 14) and a small pull reads them on main.
 */

/** What the pull loop needs of a page before it is applied: where the next page starts, and its size. */
export interface PageHead {
  cursor: string;
  hasMore: boolean;
  remaining: number;
  rows: number;
}

/** A page read, or why it cannot be (the words end up in "The practice system sent ..."). */
export type PageRead = { page: ChangesPageEnvelope; head: PageHead } | { problem: string };

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

export function pageRowCount(page: ChangesPageEnvelope): number {
  return (Object.keys(PAGE_RECORDS) as PageRecordKind[]).reduce((sum, kind) => sum + page[kind].length, 0);
}

export function readPage(body: Uint8Array | string, limit: number): PageRead {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : utf8.decode(body));
  } catch {
    return { problem: unreadable('the answer is not JSON') };
  }
  const parsed = changesPageEnvelope.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || 'page'}: ${issue.message}`)
      .join('; ');
    return { problem: unreadable(where) };
  }
  const page = parsed.data;
  const rows = pageRowCount(page);
  if (rows > limit) {
    return {
      problem:
        `The practice system sent a page of ${rows.toLocaleString('en-US')} rows when this desk asked for at most ${limit.toLocaleString('en-US')}; ` +
        'nothing of it was applied. Contact its vendor.',
    };
  }
  return { page, head: { cursor: page.cursor, hasMore: page.hasMore, remaining: page.remaining, rows } };
}

function unreadable(detail: string): string {
  return `The practice system sent data this version cannot read (${detail}).`;
}
