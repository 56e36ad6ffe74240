// `npm run bench`: install what is missing, then run the benchmark table (bench/run.ts).
import path from 'node:path';
import { ensureInstalled, root, run } from './lib/bootstrap.mjs';

ensureInstalled();
process.exit(run(path.join(root, 'node_modules/.bin/tsx'), ['bench/run.ts']) ? 0 : 1);
