import type { IpcMainInvokeEvent, Session, WebContents, WebPreferences } from 'electron';

/**
 * The Electron window's security settings and policies in one place, as data and pure decisions
 * that tests import (Electron is only ever passed in: this file loads without the binary).
 * Yardstick: Electron's security checklist (https://www.electronjs.org/docs/latest/tutorial/security).
 */

/** The renderer's Content-Security-Policy: scripts, styles and connections from the app itself only. */
export const CSP_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
] as const;

/**
 * As an HTTP header (web mode), where two more directives apply that a meta tag ignores: the page
 * is never framed, and it runs sandboxed without `allow-popups`, so window.open cannot open a
 * remote page in the browser (Electron denies it with setWindowOpenHandler). `allow-modals` keeps
 * printing, `allow-same-origin` keeps the page's own requests to the bridge.
 */
export const CONTENT_SECURITY_POLICY_HEADER = [
  ...CSP_DIRECTIVES,
  "frame-ancestors 'none'",
  'sandbox allow-scripts allow-same-origin allow-forms allow-modals allow-downloads',
].join('; ');
/** As renderer/index.html's meta tag, which the Electron window loads from a file. */
export const CONTENT_SECURITY_POLICY_META = CSP_DIRECTIVES.join('; ');

/** Where the app's own page is: the built file, or electron-vite's dev server while developing. */
export interface AppPage {
  /** file:// URL of out/renderer/index.html. */
  indexFileUrl: string;
  devServerUrl?: string;
}

export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** The app's own page (any #route of it), and nothing else. */
export function isAppPage(url: string, page: AppPage): boolean {
  const target = parse(url);
  if (!target) return false;
  if (page.devServerUrl) {
    const dev = parse(page.devServerUrl);
    return dev !== null && target.origin === dev.origin && target.protocol === dev.protocol;
  }
  target.hash = '';
  target.search = '';
  return target.href === parse(page.indexFileUrl)?.href;
}

/** will-navigate / will-redirect: only to the app's own page; links elsewhere go nowhere. */
export function mayNavigate(url: string, page: AppPage): boolean {
  return isAppPage(url, page);
}

/** window.open and target=_blank: never a new window. */
export function windowOpenDecision(): { action: 'deny' } {
  return { action: 'deny' };
}

/** Camera, microphone, notifications, geolocation, clipboard reads...: the desk needs none. */
export function mayUsePermission(_permission: string): boolean {
  return false;
}

/**
 * Which requests the window's session lets out: the app's own files (and the dev server while
 * developing), inline data images (QR codes) and the developer tools. Everything else, any
 * http(s) or websocket elsewhere included, is cancelled before it leaves the machine.
 */
export function mayRequest(url: string, page: AppPage): boolean {
  const target = parse(url);
  if (!target) return false;
  if (target.protocol === 'data:' || target.protocol === 'devtools:') return true;
  if (page.devServerUrl) {
    const dev = parse(page.devServerUrl);
    if (dev && target.host === dev.host && ['http:', 'ws:'].includes(target.protocol)) return true;
  }
  if (target.protocol === 'file:') {
    const folder = page.indexFileUrl.slice(0, page.indexFileUrl.lastIndexOf('/') + 1);
    return target.href.startsWith(folder) && !decodeURIComponent(target.pathname).includes('/../');
  }
  return false;
}

/** IPC is answered only for the app's own window, from its top frame, showing the app's own page. */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, windowContentsId: number, page: AppPage): boolean {
  const frame = event.senderFrame;
  return event.sender.id === windowContentsId && frame !== null && frame.parent === null && isAppPage(frame.url, page);
}

/** Applies the permission and request policies to the window's session. */
export function hardenSession(session: Session, page: AppPage): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => callback(mayUsePermission(permission)));
  session.setPermissionCheckHandler((_contents, permission) => mayUsePermission(permission));
  session.setDevicePermissionHandler((details) => mayUsePermission(details.deviceType));
  session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !mayRequest(details.url, page) }));
}

/** Applies the navigation, new-window and webview policies to any web contents the app creates. */
export function hardenContents(contents: WebContents, page: AppPage): void {
  contents.setWindowOpenHandler(() => windowOpenDecision());
  const stayOnAppPage = (event: { preventDefault(): void }, url: string) => {
    if (!mayNavigate(url, page)) event.preventDefault();
  };
  contents.on('will-navigate', stayOnAppPage);
  contents.on('will-redirect', stayOnAppPage);
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
