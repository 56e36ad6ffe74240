/**
 * Electron shell only: lifecycle, the hardened window, IPC wiring, the keychain and the restore
 * offer. Everything else lives behind createApp so tests and web mode run it without Electron;
 * the security settings themselves are in security.ts, where tests read them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, powerMonitor, safeStorage, session } from 'electron';
import type { App } from './app';
import type { KeyWrapper } from './crypto/dataKey';
import { registerIpc } from './ipc';
import { lockStation } from './clerks/station';
import type { DatabaseUpdateProgress } from './db/open';
import { databaseUpdatePage, startApp } from './startup';
import { hardenContents, hardenSession, isTrustedSender, secureWebPreferences, type AppPage } from './security';

// Every renderer sandboxed, whatever a window's options say.
app.enableSandbox();

// One app per user: a second start hands over to the first (which shows its window) and quits.
// The data folder's own lock (instance/instanceLock.ts) also stops web mode or another user's
// shell from opening the same folder.
const firstInstance = app.requestSingleInstanceLock();
if (!firstInstance) app.quit();
let mainWindow: BrowserWindow | null = null;
/** The database update's window while an upgrade runs (before the main window exists). */
let updateWindow: BrowserWindow | null = null;
app.on('second-instance', () => {
  const shown = mainWindow && !mainWindow.isDestroyed() ? mainWindow : updateWindow && !updateWindow.isDestroyed() ? updateWindow : null;
  if (!shown) return;
  if (shown.isMinimized()) shown.restore();
  shown.show();
  shown.focus();
});

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererFile = path.join(here, '../renderer/index.html');
const page: AppPage = {
  indexFileUrl: pathToFileURL(rendererFile).href,
  devServerUrl: app.isPackaged ? undefined : process.env.ELECTRON_RENDERER_URL,
};

/** The better-sqlite3 build for Electron's ABI made by scripts/lib/bootstrap.mjs (ensureElectronNative), if any (unpacked beside the asar when packaged). */
function electronNativeBinding(): string | undefined {
  const appPath = app.getAppPath().replace(/app\.asar$/, 'app.asar.unpacked');
  const candidate = path.join(appPath, '.electron-abi', 'better_sqlite3.node');
  return fs.existsSync(candidate) ? candidate : undefined;
}

/** safeStorage, unless Linux has no keyring and it would fall back to a hard-coded password. */
function keychain(): KeyWrapper | undefined {
  if (!safeStorage.isEncryptionAvailable()) return undefined;
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return undefined;
  return safeStorage;
}

async function openWindow(core: App): Promise<void> {
  const win = new BrowserWindow({
    width: 1280,
    height: 860,
    minWidth: 960,
    minHeight: 640,
    show: false,
    title: 'Family Portal PINs',
    webPreferences: secureWebPreferences(path.join(here, '../preload/index.cjs')),
  });
  mainWindow = win;
  win.on('closed', () => (mainWindow = null));
  const windowId = win.webContents.id;
  registerIpc(ipcMain, core, (event) => isTrustedSender(event, windowId, page));
  win.once('ready-to-show', () => win.show());
  if (page.devServerUrl) await win.loadURL(page.devServerUrl);
  else await win.loadFile(rendererFile);
}

// Navigation, new windows and webviews are refused for every web contents, present and future.
app.on('web-contents-created', (_event, contents) => hardenContents(contents, page));

/**
 * A small window that says the database is being updated (an upgrade on a large practice takes
 * minutes; db/open.ts runs it off this thread so the window stays live). A static page: no
 * script, no preload, nothing it may reach.
 */
function databaseUpdateWindow(): { show(progress: DatabaseUpdateProgress): void; close(): void } {
  return {
    show(progress) {
      if (!updateWindow) {
        updateWindow = new BrowserWindow({
          width: 520,
          height: 220,
          resizable: false,
          maximizable: false,
          title: 'Family Portal PINs',
          webPreferences: { ...secureWebPreferences(''), preload: undefined, javascript: false },
        });
        updateWindow.on('closed', () => (updateWindow = null));
      }
      void updateWindow.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(databaseUpdatePage(progress))}`).catch(() => undefined);
    },
    close() {
      if (updateWindow && !updateWindow.isDestroyed()) updateWindow.destroy();
      updateWindow = null;
    },
  };
}

app.whenReady().then(async () => {
  if (!firstInstance) return;
  hardenSession(session.defaultSession, page);
  const updating = databaseUpdateWindow();
  const started = await startApp({
    dataDir: app.getPath('userData'),
    mode: 'electron',
    app: {
      demo: process.argv.includes('--demo') ? {} : false,
      nativeBinding: electronNativeBinding(),
      startDeliveries: true,
      backups: true,
      keyWrapper: keychain(),
      onDatabaseUpdate: (progress) => updating.show(progress),
    },
    restoreBackup: ({ error, backupDate }) =>
      dialog.showMessageBoxSync({
        type: 'error',
        title: 'Family Portal PINs',
        message: 'The practice database is damaged.',
        detail:
          `${error.message}\n\nThe newest good automatic backup is from ${backupDate}. Work recorded after it is not in it. ` +
          'The damaged file is kept, renamed, for IT.',
        buttons: [`Restore the backup from ${backupDate}`, 'Quit'],
        defaultId: 0,
        cancelId: 1,
      }) === 0,
  });
  updating.close();
  if (!started.ok) {
    // Quit chosen in the restore offer: nothing more to say.
    if (started.declinedBackup === null) dialog.showErrorBox('Family Portal PINs', started.message);
    app.exit(1);
    return;
  }
  const { app: core, instanceLock } = started;
  // Elapsed time for the inactivity lock is monotonic (it ignores clock changes), and a monotonic
  // clock may not count time asleep: lock when the computer sleeps or the OS locks the screen.
  const lockNow = () => void lockStation(core.context, 'inactivity').catch(() => undefined);
  powerMonitor.on('suspend', lockNow);
  powerMonitor.on('lock-screen', lockNow);
  // Let deliveries in flight record their outcome before the process ends.
  let closed = false;
  app.on('before-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    void core.close().finally(() => {
      instanceLock.release();
      closed = true;
      app.quit();
    });
  });
  app.on('window-all-closed', () => app.quit());
  await openWindow(core);
});
