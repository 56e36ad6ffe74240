import { createApp } from '../../electron/main/app';
import { signInAs } from '../../electron/main/clerks/sessionService';

/**
 * A workstation process for the Bulk PIN crash test: opens the app on a database file, signs in an
 * administrator, counts Bulk PIN readiness (the job), then writes the Bulk PIN file (the export
 * job), printing one line per progress report of the export ({"jobId","rowsDone","rowsTotal"}) so
 * the test can kill it mid-file.
 * Usage: tsx tests/support/bulkExportChild.ts <database file> <clerk id>
 */
const [databaseFile, clerkId] = process.argv.slice(2);
const app = await createApp({ databaseFile: databaseFile!, workstation: 'desk-crash' });
await signInAs(app.context, clerkId!);
await app.handlers['bulk.readiness']({});
let reported = 0;
const watch = setInterval(() => {
  void app.jobs.visibleJobs().then((jobs) => {
    const job = jobs.find((j) => j.kind === 'bulk.export' && j.state === 'running' && j.rowsDone > reported);
    if (!job) return;
    reported = job.rowsDone;
    process.stdout.write(`${JSON.stringify({ jobId: job.id, rowsDone: job.rowsDone, rowsTotal: job.rowsTotal })}\n`);
  });
}, 1);
const written = await app.handlers['bulk.export']({ kind: 'bulk_pin' });
clearInterval(watch);
process.stdout.write(`finished ${JSON.stringify(written)}\n`);
await app.close();
