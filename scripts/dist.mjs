// `npm run dist`: a packaged, fused build (electron-builder.yml). better-sqlite3 for Electron's ABI
// is the one `npm start` keeps in .electron-abi/ (so electron-builder's own rebuild is off).
import path from 'node:path';
import { ensureElectron, ensureElectronNative, ensureInstalled, root, run, say } from './lib/bootstrap.mjs';

ensureInstalled();
if (!ensureElectron() || !ensureElectronNative()) {
  say('A packaged build needs Electron and a better-sqlite3 built for it, and neither could be fetched here (see above).');
  process.exit(1);
}
const bin = (name) => path.join(root, 'node_modules/.bin', name);
if (!run(process.execPath, [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'])) process.exit(1);
if (!run(bin('electron-builder'), ['--config', 'electron-builder.yml', ...process.argv.slice(2)])) {
  say('electron-builder failed (see above).');
  process.exit(1);
}
say(`Packaged into ${path.join(root, 'dist')}.`);
