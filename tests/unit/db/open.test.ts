import { createHash } from 'node:crypto';
import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseOpenError, openDatabase } from '../../../electron/main/db/open';
import { migrations } from '../../../electron/main/db/migrations';
import { makeTempDir } from '../../support/tempDir';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

const digest = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('openDatabase', () => {
  it('zeroes a deleted row in the file instead of leaving it readable in free space', async () => {
    const file = temp.file('scrub/practice.sqlite');
    const opened = await openDatabase(file);
    expect(opened.sqlite.pragma('secure_delete', { simple: true })).toBe(2); // FAST
    const marker = `scrub-marker-${'Q7'.repeat(40)}`;
    const tail = marker.slice(-40);
    const inFile = () => fs.readFileSync(file).includes(tail);
    const now = new Date().toISOString();
    const insert = opened.sqlite.prepare(
      `INSERT INTO outbox (id, kind, ref, payload, next_attempt_at, created_at) VALUES (?, 'contact.update', NULL, ?, ?, ?)`,
    );
    for (let i = 0; i < 20; i++) insert.run(`row-${i}`, JSON.stringify({ note: i === 7 ? marker : `filler ${i}`.padEnd(90, '.') }), now, now);
    opened.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    expect(inFile()).toBe(true);
    opened.sqlite.prepare(`DELETE FROM outbox WHERE id = 'row-7'`).run();
    opened.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    expect(inFile()).toBe(false);
    await opened.close();
  });

  it('creates a new mirror in WAL mode with foreign keys on', async () => {
    const opened = await openDatabase(temp.file('new/practice.sqlite'));
    expect(opened.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(opened.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    await opened.close();
  });

  it("reads through a memory map, and still sees what a job's connection wrote after the file grew and was checkpointed", async () => {
    const file = temp.file('map/practice.sqlite');
    const opened = await openDatabase(file);
    expect(opened.sqlite.pragma('mmap_size', { simple: true })).toBeGreaterThan(0);
    const name = opened.sqlite.prepare('SELECT name FROM families WHERE id = ?').pluck();
    const sizeBefore = fs.statSync(file).size;
    // Another connection (a job's) adds families far past the file's size when the map was first used,
    // renames one the desk already read, and checkpoints: the desk reads the new pages from the file.
    const job = new BetterSqlite3(file);
    const add = job.prepare('INSERT INTO families (id, name, updated_at) VALUES (?, ?, ?)');
    add.run('fam-first', 'Lopez', '2026-12-04T00:00:00Z');
    job.pragma('wal_checkpoint(TRUNCATE)');
    expect(name.get('fam-first')).toBe('Lopez');
    job.transaction(() => {
      for (let i = 0; i < 5_000; i++) add.run(`fam-${i}`, `Family ${i} ${'x'.repeat(200)}`, '2026-12-04T00:00:00Z');
      job.prepare("UPDATE families SET name = 'Lopez-Garcia' WHERE id = 'fam-first'").run();
    })();
    job.pragma('wal_checkpoint(TRUNCATE)');
    job.close();
    expect(fs.statSync(file).size).toBeGreaterThan(sizeBefore + 1_000_000);
    expect(name.get('fam-first')).toBe('Lopez-Garcia');
    expect(name.get('fam-4999')).toMatch(/^Family 4999 x/);
    expect(opened.sqlite.prepare('SELECT count(*) FROM families').pluck().get()).toBe(5_001);
    await opened.close();
  });

  it('refuses a database written by a newer app and leaves the file untouched', async () => {
    const file = temp.file('practice.sqlite');
    const first = await openDatabase(file);
    first.sqlite.prepare(`INSERT INTO kysely_migration (name, timestamp) VALUES ('20991231_001_from_the_future', '2099-12-31T00:00:00Z')`).run();
    first.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    await first.close();
    const before = digest(file);
    const filesBefore = fs.readdirSync(temp.dir).sort();

    const attempt = openDatabase(file);
    await expect(attempt).rejects.toBeInstanceOf(DatabaseOpenError);
    await expect(attempt).rejects.toMatchObject({ code: 'database_from_the_future' });
    await expect(attempt).rejects.toThrow(/newer version of Family Portal PINs.*not changed.*Update the app/s);

    expect(digest(file)).toBe(before);
    expect(fs.readdirSync(temp.dir).sort()).toEqual(filesBefore);
  });

  it('refuses a file that is not a database and leaves it untouched', async () => {
    const file = temp.file('practice.sqlite');
    fs.writeFileSync(file, 'this is not sqlite '.repeat(500));
    const before = digest(file);
    await expect(openDatabase(file)).rejects.toMatchObject({ code: expect.stringMatching(/database_corrupt|database_unreadable/) });
    expect(digest(file)).toBe(before);
  });

  it('refuses a damaged database with a message that says it was not changed', async () => {
    const file = temp.file('practice.sqlite');
    const first = await openDatabase(file);
    const insert = first.sqlite.prepare(`INSERT INTO settings (key, value) VALUES (?, ?)`);
    for (let i = 0; i < 2000; i++) insert.run(`k${i}`, 'x'.repeat(200));
    first.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    await first.close();
    // Overwrite a page in the middle of the file: the b-tree no longer adds up.
    const bytes = fs.readFileSync(file);
    bytes.fill(0x5a, 4096 * 20, 4096 * 21);
    fs.writeFileSync(file, bytes);
    const before = digest(file);
    await expect(openDatabase(file)).rejects.toThrow(/damaged.*not changed/s);
    expect(digest(file)).toBe(before);
  });

  it('reopens its own database without complaint', async () => {
    const file = temp.file('practice.sqlite');
    await (await openDatabase(file)).close();
    const again = await openDatabase(file);
    const reader = new BetterSqlite3(file, { readonly: true });
    expect(reader.prepare('SELECT count(*) FROM kysely_migration').pluck().get()).toBe(Object.keys(migrations).length);
    reader.close();
    await again.close();
  });
});
