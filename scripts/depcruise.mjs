// Runs dependency-cruiser's command line (arguments passed through) with the boundary rules in .dependency-cruiser.cjs.
// dependency-cruiser reads TypeScript with @swc/core, because its own TypeScript parser needs TypeScript < 7; but it asks
// swc to parse every file as plain TypeScript, which stops at the first JSX tag of a .tsx file. So: tell swc which files
// are TSX, then start dependency-cruiser unchanged.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const swc = require('@swc/core');
const parseFileSync = swc.parseFileSync;
swc.parseFileSync = (file, options) => parseFileSync(file, { ...options, tsx: String(file).endsWith('.tsx') });

await import(new URL('../../bin/dependency-cruise.mjs', import.meta.resolve('dependency-cruiser')).href);
