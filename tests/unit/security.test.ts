import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { IpcMainInvokeEvent } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPC_CHANNEL, PRINT_CHANNEL } from '../../shared/bridge';
import { createApp, type App } from '../../electron/main/app';
import { registerIpc } from '../../electron/main/ipc';
import {
  CONTENT_SECURITY_POLICY_HEADER,
  CONTENT_SECURITY_POLICY_META,
  isAppPage,
  isTrustedSender,
  mayNavigate,
  mayRequest,
  mayUsePermission,
  secureWebPreferences,
  windowOpenDecision,
  type AppPage,
} from '../../electron/main/security';

const root = path.resolve(import.meta.dirname, '../..');
const indexFileUrl = pathToFileURL(path.join(root, 'out/renderer/index.html')).href;
const page: AppPage = { indexFileUrl };
const devPage: AppPage = { indexFileUrl, devServerUrl: 'http://localhost:5173/' };

describe('the Electron window', () => {
  it('isolates the page from Node and from the preload, sandboxed, with web security on', () => {
    const prefs = secureWebPreferences('/app/out/preload/index.cjs');
    expect(prefs.preload).toBe('/app/out/preload/index.cjs');
    // Isolation and web security on; every way for the page to reach Node, insecure content or other pages off.
    const on = ['contextIsolation', 'sandbox', 'webSecurity'] as const;
    const off = [
      'nodeIntegration',
      'nodeIntegrationInWorker',
      'nodeIntegrationInSubFrames',
      'allowRunningInsecureContent',
      'experimentalFeatures',
      'webviewTag',
      'navigateOnDragDrop',
    ] as const;
    expect(on.map((key) => [key, prefs[key]])).toEqual(on.map((key) => [key, true]));
    expect(off.map((key) => [key, prefs[key]])).toEqual(off.map((key) => [key, false]));
  });

  it('knows its own page, any route of it, and nothing else', () => {
    expect(isAppPage(`${indexFileUrl}#/family/f-1`, page)).toBe(true);
    expect(isAppPage(`${indexFileUrl}?x=1`, page)).toBe(true);
    expect(isAppPage(pathToFileURL(path.join(root, 'out/renderer/other.html')).href, page)).toBe(false);
    expect(isAppPage('file:///etc/passwd', page)).toBe(false);
    expect(isAppPage('https://portal.example.org/', page)).toBe(false);
    expect(isAppPage('not a url', page)).toBe(false);
    expect(isAppPage('http://localhost:5173/#/x', devPage)).toBe(true);
    expect(isAppPage('http://localhost:5174/', devPage)).toBe(false);
    expect(isAppPage('http://localhost:5173.evil.example/', devPage)).toBe(false);
  });

  it('refuses navigation away from the app, new windows and every permission', () => {
    expect(mayNavigate('https://evil.example/phish', page)).toBe(false);
    expect(mayNavigate('file:///home/desk/Downloads/x.html', page)).toBe(false);
    expect(mayNavigate(`${indexFileUrl}#/settings`, page)).toBe(true);
    expect(windowOpenDecision()).toEqual({ action: 'deny' });
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen', 'hid', 'serial']) {
      expect([permission, mayUsePermission(permission)]).toEqual([permission, false]);
    }
  });

  it('lets requests reach only the app’s own files, inline images and the dev server', () => {
    expect(mayRequest(pathToFileURL(path.join(root, 'out/renderer/assets/index-abc.js')).href, page)).toBe(true);
    expect(mayRequest('data:image/png;base64,iVBORw0KGgo=', page)).toBe(true);
    expect(mayRequest('https://cdn.example.com/lib.js', page)).toBe(false);
    expect(mayRequest('http://127.0.0.1:8080/api', page)).toBe(false);
    expect(mayRequest('wss://collector.example/', page)).toBe(false);
    expect(mayRequest('file:///etc/passwd', page)).toBe(false);
    expect(mayRequest(`${pathToFileURL(path.join(root, 'out/renderer')).href}/../main/index.js`, page)).toBe(false);
    expect(mayRequest('http://localhost:5173/src/main.tsx', devPage)).toBe(true);
    expect(mayRequest('ws://localhost:5173/', devPage)).toBe(true);
    expect(mayRequest('http://localhost:5173/src/main.tsx', page)).toBe(false);
  });
});

describe('the Content-Security-Policy', () => {
  const metaOf = (html: string) => /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html)?.[1];

  it('allows scripts, styles and connections from the app itself only, in both shells', () => {
    for (const policy of [CONTENT_SECURITY_POLICY_META, CONTENT_SECURITY_POLICY_HEADER]) {
      const directives = new Map(policy.split(/;\s*/).map((d) => [d.split(' ')[0]!, d.split(' ').slice(1).join(' ')]));
      expect(directives.get('default-src')).toBe("'self'");
      expect(directives.get('script-src')).toBe("'self'");
      expect(directives.get('connect-src')).toBe("'self'");
      expect(directives.get('object-src')).toBe("'none'");
      expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    }
    expect(metaOf(fs.readFileSync(path.join(root, 'renderer/index.html'), 'utf8'))).toBe(CONTENT_SECURITY_POLICY_META);
  });

  it('is in the built page the Electron window loads, whose scripts are all files of the app (no inline script)', () => {
    const built = path.join(root, 'out/renderer/index.html');
    expect(fs.existsSync(built), 'run `npm run build` first').toBe(true);
    const html = fs.readFileSync(built, 'utf8');
    expect(metaOf(html)).toBe(CONTENT_SECURITY_POLICY_META);
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(body!.trim()).toBe('');
      const src = /\bsrc="([^"]+)"/.exec(attributes!)?.[1];
      expect(src).toMatch(/^\.?\/assets\/[\w.-]+\.js$/);
    }
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/javascript:/i);
  });
});

describe('IPC', () => {
  let core: App;
  const handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();
  const WINDOW_ID = 7;
  const printed: number[] = [];

  /** What Electron passes a handler: the sending web contents and frame. */
  const eventFrom = (senderId: number, url: string, topFrame = true) =>
    ({
      sender: {
        id: senderId,
        print: (_options: unknown, done: (ok: boolean, reason: string) => void) => {
          printed.push(senderId);
          done(true, '');
        },
      },
      senderFrame: { url, parent: topFrame ? null : {} },
    }) as unknown as IpcMainInvokeEvent;

  beforeAll(async () => {
    core = await createApp({ databaseFile: ':memory:', workstation: 'desk-ipc' });
    registerIpc({ handle: (channel, listener) => void handlers.set(channel, listener as never) }, core, (event) => isTrustedSender(event, WINDOW_ID, page));
  });
  afterAll(() => core.close());

  const invoke = (event: IpcMainInvokeEvent, name: unknown, input: unknown) => handlers.get(IPC_CHANNEL)!(event, name, input);

  it('registers the invoke and print channels and nothing else', () => {
    expect([...handlers.keys()].sort()).toEqual([IPC_CHANNEL, PRINT_CHANNEL].sort());
  });

  it('answers the app’s own window and refuses any other sender', async () => {
    const own = await invoke(eventFrom(WINDOW_ID, `${indexFileUrl}#/`), 'session.current', {});
    expect(own).toMatchObject({ ok: true });
    const refusal = { ok: false, error: { code: 'forbidden', message: 'This request did not come from the app window.' } };
    expect(await invoke(eventFrom(8, `${indexFileUrl}#/`), 'session.current', {})).toEqual(refusal);
    expect(await invoke(eventFrom(WINDOW_ID, 'https://evil.example/'), 'session.current', {})).toEqual(refusal);
    expect(await invoke(eventFrom(WINDOW_ID, `${indexFileUrl}`, false), 'session.current', {})).toEqual(refusal);
    expect(await invoke({ sender: { id: WINDOW_ID }, senderFrame: null } as unknown as IpcMainInvokeEvent, 'session.current', {})).toEqual(refusal);
  });

  it('lets only the contract’s call names through', async () => {
    const own = eventFrom(WINDOW_ID, indexFileUrl);
    for (const name of ['__proto__', 'constructor', 'toString', 'fs.readFile', 'require', '', 42, null]) {
      expect(await invoke(own, name, {})).toMatchObject({ ok: false, error: { code: 'unknown_call' } });
    }
    expect(await invoke(own, 'settings.get', { extra: 'field' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('prints only for the app’s own window', async () => {
    printed.length = 0;
    expect(await handlers.get(PRINT_CHANNEL)!(eventFrom(8, indexFileUrl))).toMatchObject({ ok: false });
    expect(printed).toEqual([]);
    expect(await handlers.get(PRINT_CHANNEL)!(eventFrom(WINDOW_ID, indexFileUrl))).toEqual({ ok: true });
    expect(printed).toEqual([WINDOW_ID]);
  });
});
