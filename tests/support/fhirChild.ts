import { createApp } from '../../electron/main/app';

/**
 * A workstation process for the FHIR crash test: opens the app on a database file already set up
 * for FHIR (settings, its key registered with the EHR) and syncs, so the test can kill it while
 * the export is staged. Usage: tsx tests/support/fhirChild.ts <database file>
 */
const [databaseFile] = process.argv.slice(2);
const app = await createApp({ databaseFile: databaseFile!, workstation: 'desk-crash' });
await app.deliveries.syncNow();
process.stdout.write('finished\n');
await app.close();
