// Install-what-is-missing steps shared by `npm start`, `npm test` and `npm run bench`.
// Plain Node only: these run before node_modules exists.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

export function say(line) {
  console.log(`[family-portal-pins] ${line}`);
}

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  return result.status === 0;
}

function lockHash() {
  const lock = path.join(root, 'package-lock.json');
  return fs.existsSync(lock) ? createHash('sha256').update(fs.readFileSync(lock)).digest('hex').slice(0, 16) : 'none';
}

/**
 * node_modules matches package-lock.json, or gets installed. The Electron binary download is
 * skipped here and attempted separately (ensureElectron), so an offline machine still installs.
 */
export function ensureInstalled() {
  const marker = path.join(root, 'node_modules', '.fpp-installed');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === lockHash()) return;
  say('Installing dependencies (npm ci)…');
  const env = { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' };
  const ok = fs.existsSync(path.join(root, 'package-lock.json'))
    ? run(npm, ['ci', '--no-audit', '--no-fund'], { env })
    : run(npm, ['install', '--no-audit', '--no-fund'], { env });
  if (!ok) {
    say('npm could not install the dependencies (see above). Fix that, then run the command again.');
    process.exit(1);
  }
  fs.writeFileSync(marker, lockHash());
}

function electronVersion() {
  return JSON.parse(fs.readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')).version;
}

/** Path to the Electron binary, or null when it is not downloaded. */
export function electronBinary() {
  const pathFile = path.join(root, 'node_modules/electron/path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const binary = path.join(root, 'node_modules/electron/dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(binary) ? binary : null;
}

/** Tries once per install to download Electron; says so in one line when the network blocks it. */
export function ensureElectron() {
  if (electronBinary()) return true;
  const marker = path.join(root, 'node_modules', '.fpp-electron-tried');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === lockHash()) return false;
  fs.writeFileSync(marker, lockHash());
  const result = spawnSync(process.execPath, ['node_modules/electron/install.js'], {
    cwd: root,
    stdio: 'pipe',
    timeout: 180_000,
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '' },
  });
  if (result.status === 0 && electronBinary()) return true;
  say(`Electron ${electronVersion()} could not be downloaded on this machine (no network to its host); using web mode.`);
  return false;
}

/**
 * better-sqlite3 built for Electron's ABI, kept in .electron-abi/ so that `npm test` (plain
 * Node) and `npm start` (Electron) never rebuild over each other. Prebuilt binary first, then a
 * node-gyp build against Electron's headers; one line and web mode when neither can be fetched.
 */
export function ensureElectronNative() {
  const version = electronVersion();
  const outDir = path.join(root, '.electron-abi');
  const target = path.join(outDir, 'better_sqlite3.node');
  const stamp = path.join(outDir, 'electron-version');
  if (fs.existsSync(target) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === version) return true;
  const work = path.join(outDir, 'better-sqlite3');
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.cpSync(path.join(root, 'node_modules/better-sqlite3'), work, {
    recursive: true,
    filter: (src) => !src.includes(`${path.sep}build${path.sep}`) && !src.endsWith(`${path.sep}build`),
  });
  const quiet = { cwd: work, stdio: 'pipe', timeout: 300_000 };
  const prebuilt = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/prebuild-install/bin.js'), '--runtime=electron', `--target=${version}`, `--arch=${process.arch}`],
    quiet,
  );
  let built = prebuilt.status === 0;
  if (!built) {
    const gyp = spawnSync(
      npm,
      ['exec', '--yes', '--', 'node-gyp', 'rebuild', '--release', `--target=${version}`, '--dist-url=https://electronjs.org/headers'],
      quiet,
    );
    built = gyp.status === 0;
  }
  const binary = path.join(work, 'build/Release/better_sqlite3.node');
  if (!built || !fs.existsSync(binary)) {
    say('better-sqlite3 could not be built for Electron here (its download was blocked); using web mode.');
    return false;
  }
  fs.copyFileSync(binary, target);
  fs.writeFileSync(stamp, version);
  fs.rmSync(work, { recursive: true, force: true });
  return true;
}

function onPath(command) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, command)));
}

/** pdftotext (poppler-utils) reads printed packets back in the end-to-end tests. */
export function ensurePdfToText() {
  if (onPath('pdftotext')) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && fs.existsSync('/usr/bin/apt-get')) {
    say('Installing poppler-utils (pdftotext) for the printing tests…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (run('apt-get', ['update', '-qq'], { env }) && run('apt-get', ['install', '-y', '-qq', 'poppler-utils'], { env }) && onPath('pdftotext')) return;
  }
  say('pdftotext is missing (the printing tests read the packet PDF with it). Run one of:');
  say('  sudo apt-get install -y poppler-utils   (Debian/Ubuntu)');
  say('  brew install poppler                   (macOS)');
  process.exit(1);
}

/**
 * A Chromium for Playwright: Playwright's own if installed, else Debian's /usr/bin/chromium,
 * else install Debian's package when root, else say exactly what to run.
 */
export async function ensureChromium() {
  if (process.env.FPP_CHROMIUM && fs.existsSync(process.env.FPP_CHROMIUM)) return process.env.FPP_CHROMIUM;
  try {
    const { chromium } = await import('@playwright/test');
    const own = chromium.executablePath();
    if (own && fs.existsSync(own)) return own;
  } catch {
    // @playwright/test not resolvable: fall through to the system browser
  }
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (fs.existsSync(candidate)) return candidate;
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && fs.existsSync('/usr/bin/apt-get')) {
    say('Installing Debian’s chromium for the end-to-end tests…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (run('apt-get', ['update', '-qq'], { env }) && run('apt-get', ['install', '-y', '-qq', 'chromium'], { env })) {
      if (fs.existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
    }
  }
  say('No Chromium for the end-to-end tests. Run one of:');
  say('  npx playwright install chromium');
  say('  sudo apt-get install -y chromium        (Debian/Ubuntu)');
  process.exit(1);
}
