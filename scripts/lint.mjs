// `npm run lint`: Biome (lint rules and formatting, biome.jsonc) and the boundary rules (dependency-cruiser,
// .dependency-cruiser.cjs). Both always run, so one run shows every finding; exits 1 if either finds anything.
// `npm run format` rewrites the formatting Biome asks for.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { root, run, say } from './lib/bootstrap.mjs';

/** What dependency-cruiser reads: every folder with code, and the config files at the root. */
const CRUISED = ['electron', 'shared', 'renderer', 'tests', 'bench', 'scripts', 'electron.vite.config.ts', 'vitest.config.ts', 'playwright.config.ts'];

// Warnings fail like errors: a finding is fixed, or its rule is turned off in biome.jsonc with a reason, never left to scroll by.
const biome = run(path.join(root, 'node_modules/.bin/biome'), ['check', '--error-on-warnings', '--max-diagnostics=none', '.']);
if (!biome) say('Biome found the problems above. `npm run format` fixes formatting; each lint finding names its rule (biome.jsonc).');

/** The files Biome reads, where a suppression comment can be. */
const BIOME_FILES = ['*.ts', '*.tsx', '*.mjs', '*.cjs', '*.js', '*.css', '*.html', '*.json', '*.jsonc', '*.svg'];

// No blanket disables: a finding is silenced on its own line with its reason, never for a whole file or a range.
const blanket = spawnSync('git', ['grep', '--untracked', '-n', '-E', 'biome-ignore-(all|start)', '--', ...BIOME_FILES, ':!scripts/lint.mjs'], {
  cwd: root,
  encoding: 'utf8',
});
const noBlanket = blanket.status !== 0; // 1: nothing found; outside a git checkout there is nothing to search
if (!noBlanket) say(`A whole file or range is exempted from Biome; silence one line with its reason instead:\n${blanket.stdout}`);

const boundaries = run(process.execPath, [path.join(root, 'scripts/depcruise.mjs'), '--config', '.dependency-cruiser.cjs', ...CRUISED]);
if (!boundaries) say('An import crosses a boundary (above): each rule says why it exists (.dependency-cruiser.cjs).');

process.exit(biome && noBlanket && boundaries ? 0 : 1);
