import { createApp } from '../../electron/main/app';

/**
 * A workstation process for the crash tests: opens the app on a database file already set up for
 * sync and pulls, printing one line per page applied ({"rowsDone","remaining"}) so the test can
 * kill it mid-pull. Usage: tsx tests/support/pullChild.ts <database file>
 */
const [databaseFile] = process.argv.slice(2);
const app = await createApp({ databaseFile: databaseFile!, workstation: 'desk-crash' });
const endpoint = await app.deliveries.endpoint();
if (!endpoint) throw new Error('the desk is not set up for sync');
await app.deliveries.pulls.pull({ ...endpoint, pageLimit: 200 }, (p) => process.stdout.write(`${JSON.stringify(p)}\n`));
process.stdout.write('finished\n');
await app.close();
