import fs from 'node:fs';
import { createApp } from '../../electron/main/app';
import { signInAs } from '../../electron/main/clerks/sessionService';

/**
 * A workstation process for the crash tests: opens the app on a database file, signs in an
 * administrator and applies an import from a JSON file of CSV files, printing one line per
 * committed transaction ({"jobId","rowsDone","rowsTotal"}) so the test can kill it mid-apply.
 * Usage: tsx tests/support/importChild.ts <database file> <files.json> <clerk id>
 */
const [databaseFile, filesJson, clerkId] = process.argv.slice(2);
const app = await createApp({ databaseFile: databaseFile!, workstation: 'desk-crash' });
await signInAs(app.context, clerkId!);
const files = JSON.parse(fs.readFileSync(filesJson!, 'utf8')) as { name: string; content: string }[];
await app.importer.apply({ files }, { progress: (jobId, rowsDone, rowsTotal) => process.stdout.write(`${JSON.stringify({ jobId, rowsDone, rowsTotal })}\n`) });
process.stdout.write('finished\n');
await app.close();
