/**
 * Electron shell only: lifecycle, the hardened window, IPC wiring. Everything else lives behind
 * createApp so tests and web mode run it without Electron.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, session } from 'electron';
import { createApp, type App } from './app';
import { DatabaseOpenError } from './db/open';
import { registerIpc } from './ipc';

const here = path.dirname(fileURLToPath(import.meta.url));
const devServerUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'];
const rendererFile = path.join(here, '../renderer/index.html');
const appPageUrl = devServerUrl ?? pathToFileURL(rendererFile).href;

/** The better-sqlite3 build for Electron's ABI made by scripts/electron-native.mjs, if any. */
function electronNativeBinding(): string | undefined {
  const candidate = path.join(app.getAppPath(), '.electron-abi', 'better_sqlite3.node');
  return fs.existsSync(candidate) ? candidate : undefined;
}

function isAppPage(url: string): boolean {
  return devServerUrl ? url.startsWith(devServerUrl) : url.split('#')[0] === appPageUrl;
}

async function openWindow(core: App): Promise<void> {
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'Family Portal PINs',
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  registerIpc(ipcMain, core, (event) => event.sender.id === win.webContents.id && isAppPage(event.senderFrame?.url ?? ''));
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAppPage(url)) event.preventDefault();
  });
  win.once('ready-to-show', () => win.show());
  if (devServerUrl) await win.loadURL(devServerUrl);
  else await win.loadFile(rendererFile);
}

app.on('web-contents-created', (_event, contents) => {
  contents.on('will-attach-webview', (event) => event.preventDefault());
});

app.whenReady().then(async () => {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  let core: App;
  try {
    core = await createApp({
      databaseFile: path.join(app.getPath('userData'), 'practice.sqlite'),
      demo: process.argv.includes('--demo') ? {} : false,
      nativeBinding: electronNativeBinding(),
      startDeliveries: true,
    });
  } catch (error) {
    const message = error instanceof DatabaseOpenError ? error.message : `The app could not start: ${(error as Error).message}`;
    dialog.showErrorBox('Family Portal PINs', message);
    app.exit(1);
    return;
  }
  // Let deliveries in flight record their outcome before the process ends.
  let closed = false;
  app.on('before-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    void core.close().finally(() => {
      closed = true;
      app.quit();
    });
  });
  app.on('window-all-closed', () => app.quit());
  await openWindow(core);
});
