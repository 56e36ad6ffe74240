// `npm run lint`: Biome (lint rules and formatting, biome.json) and the boundary rules (dependency-cruiser,
// .dependency-cruiser.cjs). Both always run, so one run shows every finding; exits 1 if either finds anything.
// `npm run format` rewrites the formatting Biome asks for.
import path from 'node:path';
import { root, run, say } from './lib/bootstrap.mjs';

/** What dependency-cruiser reads: every folder with code, and the config files at the root. */
const CRUISED = ['electron', 'shared', 'renderer', 'tests', 'bench', 'scripts', 'electron.vite.config.ts', 'vitest.config.ts', 'playwright.config.ts'];

// Warnings fail like errors: a finding is fixed, or its rule is turned off in biome.json with a reason, never left to scroll by.
const biome = run(path.join(root, 'node_modules/.bin/biome'), ['check', '--error-on-warnings', '--max-diagnostics=none', '.']);
if (!biome) say('Biome found the problems above. `npm run format` fixes formatting; each lint finding names its rule (biome.jsonc).');

const boundaries = run(process.execPath, [path.join(root, 'scripts/depcruise.mjs'), '--config', '.dependency-cruiser.cjs', ...CRUISED]);
if (!boundaries) say('An import crosses a boundary (above): each rule says why it exists (.dependency-cruiser.cjs).');

process.exit(biome && boundaries ? 0 : 1);
