// `npm start`: install what is missing, build, then open the app on the demo practice:
// Electron when its binary (and a better-sqlite3 for its ABI) is there, web mode otherwise.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { electronBinary, ensureElectron, ensureElectronNative, ensureInstalled, root, run, say } from './lib/bootstrap.mjs';

const forceWeb = process.argv.includes('--web');
ensureInstalled();
if (!run(process.execPath, [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'])) {
  say('The build failed (see above).');
  process.exit(1);
}

let electron = null;
if (!forceWeb && ensureElectron() && ensureElectronNative()) {
  const headless = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
  if (headless) say('No display on this machine; using web mode.');
  else electron = electronBinary();
}

const child = electron
  ? spawn(electron, ['.', '--demo'], { cwd: root, stdio: 'inherit' })
  : spawn(process.execPath, ['out/main/web.js', ...process.argv.slice(2).filter((a) => a !== '--web')], { cwd: root, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
