import type BetterSqlite3 from 'better-sqlite3';
import { cappedBlockedUntil, secondsUntil, signInDelaySeconds } from '../../../shared/clerks/signInDelay';

// Synchronous better-sqlite3 throughout: each count is read and written in one transaction with no await in between.

/**
 * Failed sign-ins slow down, per username and per workstation, stored in `sign_in_failures` so a
 * restart does not reset them. Nothing here sleeps: a sign-in inside a waiting period is refused
 * with the seconds left.
 */
export function throttleSubjects(username: string, workstation: string): string[] {
  return [`user:${username.trim().toLowerCase()}`, `station:${workstation}`];
}

interface FailureRow {
  failures: number;
  blocked_until: string;
}

/**
 * Seconds until the next attempt is allowed (0 = now), the longest of the subjects' waits, never
 * more than the longest wait. A period that ends further away than that (set while the clock ran
 * fast) is cut back in the database too, so it ends on time, restarts included.
 */
export function secondsToWait(sqlite: BetterSqlite3.Database, subjects: string[], now: Date): number {
  const read = sqlite.prepare('SELECT failures, blocked_until FROM sign_in_failures WHERE subject = ?');
  const cut = sqlite.prepare('UPDATE sign_in_failures SET blocked_until = ? WHERE subject = ?');
  let wait = 0;
  for (const subject of subjects) {
    const row = read.get(subject) as FailureRow | undefined;
    if (!row) continue;
    const stored = Date.parse(row.blocked_until);
    const until = cappedBlockedUntil(stored, now.getTime());
    if (until !== stored) cut.run(new Date(until).toISOString(), subject);
    wait = Math.max(wait, secondsUntil(until, now.getTime()));
  }
  return wait;
}

/** Counts one more failure for each subject and starts its waiting period. */
export function recordFailure(sqlite: BetterSqlite3.Database, subjects: string[], now: Date): void {
  const read = sqlite.prepare('SELECT failures FROM sign_in_failures WHERE subject = ?').pluck();
  const write = sqlite.prepare(
    `INSERT INTO sign_in_failures (subject, failures, last_failure_at, blocked_until) VALUES (?, ?, ?, ?)
     ON CONFLICT (subject) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at, blocked_until = excluded.blocked_until`,
  );
  sqlite
    .transaction(() => {
      for (const subject of subjects) {
        const failures = ((read.get(subject) as number | undefined) ?? 0) + 1;
        const until = new Date(now.getTime() + signInDelaySeconds(failures) * 1000);
        write.run(subject, failures, now.toISOString(), until.toISOString());
      }
    })
    .immediate(); // reads, then writes: immediate, so a job's worker committing in between cannot fail it (issue 14)
}

/** A successful sign-in clears the count for its username and workstation. */
export function clearFailures(sqlite: BetterSqlite3.Database, subjects: string[]): void {
  const remove = sqlite.prepare('DELETE FROM sign_in_failures WHERE subject = ?');
  sqlite.transaction(() => {
    for (const subject of subjects) remove.run(subject);
  })();
}
