import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SYNC_PATHS, type ChangesPage } from '../../shared/sync/protocol';

/**
 * A tiny /v2/changes server on 127.0.0.1 for pull tests: it serves pre-built pages, checks the
 * bearer token and records what the client asked. Page i is served for cursor '' (i = 0) or
 * `c${i}`; cursor, hasMore and remaining are filled in when the page is served, so a test can push
 * more pages after a pull and the next pull picks them up. A cursor past the end gets an empty
 * last page, as a real server answers "nothing new".
 */
export type PageContent = Partial<Omit<ChangesPage, 'cursor' | 'hasMore' | 'remaining'>>;

export interface FeedRequest {
  cursor: string | null;
  limit: string | null;
  authorization: string | undefined;
}

export interface FeedAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ChangeFeed {
  baseUrl: string;
  pages: PageContent[];
  requests: FeedRequest[];
  /** Answers a request instead of the pages when it returns something (failures, bad pages). */
  intercept: ((request: FeedRequest, index: number) => FeedAnswer | undefined) | null;
  close(): Promise<void>;
}

const EMPTY = { families: [], patients: [], contacts: [], patientContacts: [], appointments: [], tombstones: [], pins: [], guardians: [] };

export function pageRows(page: PageContent): number {
  return (
    (page.families?.length ?? 0) +
    (page.patients?.length ?? 0) +
    (page.contacts?.length ?? 0) +
    (page.patientContacts?.length ?? 0) +
    (page.appointments?.length ?? 0) +
    (page.tombstones?.length ?? 0) +
    (page.pins?.length ?? 0) +
    (page.guardians?.length ?? 0)
  );
}

/** The page a real server would send for `pages[index]`. */
export function servedPage(pages: readonly PageContent[], index: number): ChangesPage {
  const content = pages[index] ?? {};
  const later = pages.slice(index + 1).reduce((sum, p) => sum + pageRows(p), 0);
  return {
    ...EMPTY,
    ...content,
    cursor: `c${index < pages.length ? index + 1 : index}`,
    hasMore: index + 1 < pages.length,
    remaining: later,
  };
}

/**
 * `now`: the practice system's clock, sent as the Date header. Without it no Date header is sent,
 * so a desk on an injected clock learns no offset from the real one.
 */
export async function startChangeFeed(options: { token: string; pages?: PageContent[]; now?: () => Date }): Promise<ChangeFeed> {
  const feed: Omit<ChangeFeed, 'baseUrl' | 'close'> = { pages: options.pages ?? [], requests: [], intercept: null };

  const server = http.createServer((req, res) => {
    if (options.now) res.setHeader('date', options.now().toUTCString());
    else res.sendDate = false;
    const send = (answer: FeedAnswer) => {
      res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {}));
    };
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== SYNC_PATHS.changes) {
      send({ status: 404, body: { error: { code: 'not_found', message: 'No such path.' } } });
      return;
    }
    const request: FeedRequest = {
      cursor: url.searchParams.get('cursor'),
      limit: url.searchParams.get('limit'),
      authorization: req.headers.authorization,
    };
    feed.requests.push(request);
    if (request.authorization !== `Bearer ${options.token}`) {
      send({ status: 401, body: { error: { code: 'unauthorized', message: 'Bad token.' } } });
      return;
    }
    const match = /^(?:|c(\d+))$/.exec(request.cursor ?? '');
    if (!match) {
      send({ status: 400, body: { error: { code: 'bad_cursor', message: 'Unknown cursor.' } } });
      return;
    }
    const index = match[1] === undefined ? 0 : Number(match[1]);
    const intercepted = feed.intercept?.(request, index);
    if (intercepted) {
      send(intercepted);
      return;
    }
    send({ status: 200, body: servedPage(feed.pages, index) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return Object.assign(feed, {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  });
}
