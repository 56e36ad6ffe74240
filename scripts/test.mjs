// `npm test`: install what is missing (a Chromium for Playwright included), then type-check, lint
// (`npm run lint`: Biome and the boundary rules), build the renderer and web-mode entry, and run
// vitest and Playwright. Ends with one line "N passed, N failed" summing both runners; a failed
// step that is not a test (type-checking, lint, build) counts as one failure, named above it.
import fs from 'node:fs';
import path from 'node:path';
import { ensureChromium, ensureInstalled, ensurePdfToText, root, run, say } from './lib/bootstrap.mjs';

ensureInstalled();
const chromium = await ensureChromium();
ensurePdfToText();
const env = { ...process.env, FPP_CHROMIUM: chromium };
const bin = (name) => path.join(root, 'node_modules/.bin', name);
const reports = path.join(root, '.test-reports');
fs.mkdirSync(reports, { recursive: true });
const vitestJson = path.join(reports, 'vitest.json');
const playwrightJson = path.join(reports, 'playwright.json');
for (const f of [vitestJson, playwrightJson]) fs.rmSync(f, { force: true });

const steps = [
  ['Type-checking', () => run(bin('tsc'), ['-p', 'tsconfig.node.json', '--noEmit']) && run(bin('tsc'), ['-p', 'tsconfig.web.json', '--noEmit'])],
  ['Lint', () => run(process.execPath, [path.join(root, 'scripts/lint.mjs')])],
  ['Building', () => run(process.execPath, [path.join(root, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { env })],
  [
    'Unit and integration tests (vitest)',
    () => run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`], { env }),
  ],
  ['End-to-end tests (Playwright, web mode)', () => run(bin('playwright'), ['test'], { env: { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson } })],
];

const TEST_RUNNERS = new Set(['Unit and integration tests (vitest)', 'End-to-end tests (Playwright, web mode)']);
// A lint finding does not stop the tests: one run shows both.
const failedSteps = [];
for (const [title, step] of steps) {
  say(`${title}…`);
  if (!step()) {
    failedSteps.push(title);
    if (title === 'Type-checking' || title === 'Building') break;
  }
}

function counts() {
  let passed = 0;
  let failed = 0;
  if (fs.existsSync(vitestJson)) {
    const v = JSON.parse(fs.readFileSync(vitestJson, 'utf8'));
    passed += v.numPassedTests ?? 0;
    failed += v.numFailedTests ?? 0;
  }
  if (fs.existsSync(playwrightJson)) {
    const p = JSON.parse(fs.readFileSync(playwrightJson, 'utf8'));
    passed += p.stats?.expected ?? 0;
    failed += (p.stats?.unexpected ?? 0) + (p.stats?.flaky ?? 0);
  }
  return { passed, failed };
}

const { passed, failed } = counts();
const failures = failed + failedSteps.filter((title) => !TEST_RUNNERS.has(title)).length;
if (failedSteps.length > 0) say(`Failed at: ${failedSteps.join(', ')}.`);
console.log(`${passed} passed, ${failedSteps.length > 0 && failures === 0 ? 1 : failures} failed`);
process.exit(failedSteps.length > 0 ? 1 : 0);
