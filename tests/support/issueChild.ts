import BetterSqlite3 from 'better-sqlite3';
import { jobsWriting } from '../../electron/main/db/deskTurn';
import { issueInput, loadReview, openIssuingDesk, planFamily } from './issue';

/**
 * A workstation process for the desk journal's crash test: opens the issuing desk on a database
 * file that holds the Lopez family, with a job writing as far as the desk can tell and another
 * connection holding the mirror's write lock (so the PINs cannot leave the journal), issues the
 * family, prints the answer as one JSON line, and waits to be killed.
 * Usage: tsx tests/support/issueChild.ts <database file> <batch id>
 */
const [databaseFile, batchId] = process.argv.slice(2);
const desk = await openIssuingDesk(databaseFile!, { now: () => new Date(), workstation: 'desk-crash' });
jobsWriting(desk.jobs.deskTurn!, 1);
const holder = new BetterSqlite3(databaseFile!);
holder.prepare('BEGIN IMMEDIATE').run();
const review = await loadReview(desk, 'f-lopez');
const answer = await desk.invoke('pins.issue', issueInput(review, planFamily(desk, review), batchId));
process.stdout.write(`${JSON.stringify(answer)}\n`);
// Held until the test kills this process.
setInterval(() => undefined, 60_000);
