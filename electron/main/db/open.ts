import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteAdapter, SqliteDialect, type Driver, type Migration, type MigrationProvider } from 'kysely';
import { registerAuditChain } from './auditChain';
import { attachDeskJournal, type DamagedJournal } from './deskJournal';
import { BUSY_TIMEOUT_MS, DeskSqliteDriver } from './deskDriver';
import { DeskTurn } from './deskTurn';
import { createOwnerOnlyFile } from './ownerOnlyFile';
import { migrateOffThread, type DatabaseUpdateProgress } from './migrateOffThread';
import { migrations as knownMigrations } from './migrations';
import type { Database } from './schema';

export type Db = Kysely<Database>;
export type { DatabaseUpdateProgress };

export type DatabaseErrorCode = 'database_from_the_future' | 'database_corrupt' | 'database_unreadable';

/** A database the app must not use. The message is for the person at the desk or their IT. */
export class DatabaseOpenError extends Error {
  constructor(
    readonly code: DatabaseErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DatabaseOpenError';
  }
}

export interface OpenOptions {
  /** Path to a better-sqlite3 build for another ABI (Electron's); plain Node uses the default. */
  nativeBinding?: string;
  /**
   * An existing database is being updated to this version's schema (an upgrade): called as each
   * pending migration starts. On a large practice the update can take a minute; the shells say so.
   */
  onUpdate?: (progress: DatabaseUpdateProgress) => void;
}

export interface OpenedDatabase {
  db: Db;
  sqlite: BetterSqlite3.Database;
  /** Shared with job workers: the desk's calls go before a job's next transaction. */
  deskTurn: DeskTurn;
  /** The desk's journal failed its check at start and was moved aside (db/deskJournal.ts), or null. */
  journalDamaged: DamagedJournal | null;
  close(): Promise<void>;
}

const MIGRATION_TABLE = 'kysely_migration';

/**
 * Looks at an existing file read-only before anything writes to it: it must be SQLite, pass
 * quick_check, and not carry migrations this app does not know. Nothing is changed on refusal.
 */
function inspectExisting(file: string, options: OpenOptions): string[] {
  let probe: BetterSqlite3.Database;
  try {
    probe = new BetterSqlite3(file, { readonly: true, fileMustExist: true, nativeBinding: options.nativeBinding });
  } catch (error) {
    throw new DatabaseOpenError('database_unreadable', `The database file ${file} cannot be opened: ${(error as Error).message}.`);
  }
  try {
    let check: string;
    try {
      check = String(probe.pragma('quick_check', { simple: true }));
    } catch {
      check = 'not a database';
    }
    if (check !== 'ok') {
      throw new DatabaseOpenError(
        'database_corrupt',
        `The database file ${file} is damaged (${check}). It was not changed. Restore a backup or ask IT for help.`,
      );
    }
    // Raw SQL on the probe connection: this runs before Kysely (and its migrator) is set up on the file.
    const hasTable = probe.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(MIGRATION_TABLE);
    if (!hasTable) return [];
    const applied = probe.prepare(`SELECT name FROM ${MIGRATION_TABLE} ORDER BY name`).pluck().all() as string[];
    const unknown = applied.filter((name) => !(name in knownMigrations));
    if (unknown.length > 0) {
      throw new DatabaseOpenError(
        'database_from_the_future',
        `This database was written by a newer version of Family Portal PINs (schema ${unknown.at(-1)}). ` +
          'It was not changed. Update the app on this workstation, then start it again.',
      );
    }
    const done = new Set(applied);
    return Object.keys(knownMigrations).filter((name) => !done.has(name));
  } finally {
    probe.close();
  }
}

/** SQLite can roll back DDL; Kysely's adapter says it cannot, so migrations would run unwrapped. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}
class MigratingSqliteDialect extends SqliteDialect {
  override createAdapter(): SqliteAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** The app's connection: desk writes wait for a job's write lock without blocking main (db/deskDriver.ts). */
class AppSqliteDialect extends SqliteDialect {
  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    private readonly turn: DeskTurn,
  ) {
    super({ database: sqlite });
  }
  override createDriver(): Driver {
    return new DeskSqliteDriver({ database: this.sqlite }, this.sqlite, this.turn);
  }
}

/** The known migrations; those not yet applied tell `onStep` as they start. */
function providerFor(sqlite: BetterSqlite3.Database, onStep?: (progress: DatabaseUpdateProgress) => void): MigrationProvider {
  if (!onStep) return { getMigrations: async () => knownMigrations };
  const hasTable = sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(MIGRATION_TABLE);
  const applied = new Set(hasTable ? (sqlite.prepare(`SELECT name FROM ${MIGRATION_TABLE}`).pluck().all() as string[]) : []);
  const pending = Object.keys(knownMigrations).filter((name) => !applied.has(name));
  const told: Record<string, Migration> = {};
  for (const [name, migration] of Object.entries(knownMigrations)) {
    const step = pending.indexOf(name) + 1;
    told[name] =
      step === 0
        ? migration
        : {
            ...migration,
            up: async (db) => {
              onStep({ step, of: pending.length });
              await migration.up(db);
            },
          };
  }
  return { getMigrations: async () => told };
}

/** The app's connection settings, the same on every connection that writes the mirror. */
export function configureConnection(sqlite: BetterSqlite3.Database): void {
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // FULL: a PIN that was printed must never vanish with a power cut.
  sqlite.pragma('synchronous = FULL');
  // Deleted or overwritten content (a scrubbed payload, a removed contact) is zeroed in the
  // pages SQLite writes anyway, instead of lingering readable in the file's free space.
  sqlite.pragma('secure_delete = FAST');
}

/**
 * Brings the schema up to date (or to `target`, for the per-migration tests); all pending
 * migrations commit together or not at all. `onStep` hears each pending migration start.
 */
export async function migrate(sqlite: BetterSqlite3.Database, target?: string, onStep?: (progress: DatabaseUpdateProgress) => void): Promise<void> {
  // Every connection the app migrates may append audit rows: the chain trigger calls this function.
  registerAuditChain(sqlite);
  const migratingDb = new Kysely<unknown>({ dialect: new MigratingSqliteDialect({ database: sqlite }) });
  const migrator = new Migrator({ db: migratingDb, provider: providerFor(sqlite, onStep) });
  const { error, results } = target ? await migrator.migrateTo(target) : await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Database migration ${failed} failed: ${(error as Error).message ?? String(error)}`);
  }
  // Not destroy(): that would close the shared connection.
}

/**
 * Bytes of the mirror the desk's connection reads through a memory map (issue 14). The desk's calls
 * read a few hundred B-tree pages each, scattered over a file of hundreds of MB (25 search hits are
 * 25 patients, families and contacts far apart), so nearly every page misses the connection's page
 * cache: without a map each miss is a read() into that cache, with one it is a look at the
 * operating system's cached copy. At 200,000 patients, two-word searches ran about 40% faster at the
 * median (0.88 to 0.48 ms, the same queries interleaved on two connections). The map is read-only
 * (SQLite still writes with write()), and only this connection has one: the jobs' connections read
 * their pages once, and the pages a map touches count in the process's resident memory, which a job
 * streaming the whole file (a pull, an import) would fill. The cost: a disk that fails under a
 * mapped page ends the process (SIGBUS) where a read() would have given an I/O error.
 */
const DESK_MMAP_BYTES = 1024 * 1024 * 1024;

export async function openDatabase(file: string, options: OpenOptions = {}): Promise<OpenedDatabase> {
  const pending = file !== ':memory:' && fs.existsSync(file) ? inspectExisting(file, options) : [];
  // An upgrade (an existing schema with migrations pending) can take a minute on a large practice:
  // it runs on a connection in a worker thread, so the shells can say what is happening meanwhile.
  if (pending.length > 0) await migrateOffThread(file, options);
  if (file !== ':memory:') {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    createOwnerOnlyFile(file);
  }

  const sqlite = new BetterSqlite3(file, { nativeBinding: options.nativeBinding });
  let journalDamaged: DamagedJournal | null;
  try {
    configureConnection(sqlite);
    sqlite.pragma(`mmap_size = ${DESK_MMAP_BYTES}`);
    // A new file's schema (fast; not an update), or what the worker left: nothing, or all of it when
    // no worker entry was found.
    await migrate(sqlite, undefined, pending.length > 0 ? options.onUpdate : undefined);
    journalDamaged = attachDeskJournal(sqlite, file, { nativeBinding: options.nativeBinding });
  } catch (error) {
    sqlite.close();
    throw error;
  }
  const deskTurn = new DeskTurn();
  const db = new Kysely<Database>({ dialect: new AppSqliteDialect(sqlite, deskTurn) });
  return {
    db,
    sqlite,
    deskTurn,
    journalDamaged,
    async close() {
      await db.destroy(); // closes the better-sqlite3 handle
    },
  };
}
