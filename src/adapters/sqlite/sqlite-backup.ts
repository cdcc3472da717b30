/**
 * Backup and restore of a SQLite data directory (`switchboard backup`,
 * `switchboard restore`; docs/configuration.md#backup-and-restore).
 *
 * Copying `switchboard.sqlite` with `cp` while a node writes it gives a torn file
 * (pages from before and after a checkpoint), and the newest commits are in the
 * `-wal` file anyway. Restoring a copy beside an old `-wal` is worse: SQLite
 * replays that log over the restored file at the next open. So:
 *
 * - backup reads the live store with `VACUUM INTO` from a connection of its own:
 *   one read transaction, so one consistent snapshot of every commit made before
 *   it started, while the node keeps writing (WAL readers do not block the
 *   writer). It never takes the node lock (ADR 0017), and writes nothing into
 *   the data directory. The copy is checked and renamed into place, so FILE is
 *   either the old file or a whole, verified backup.
 * - restore takes the node lock (refusing while a node runs), checks the backup,
 *   moves the current store aside together with its `-wal` (so that pair stays
 *   readable) and renames the verified copy in.
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Sqlite from 'better-sqlite3';
import { StoreInUseError } from '../../ports/node-lock.js';
import { SqliteNodeLock } from './sqlite-node-lock.js';
import { unknownMigrations } from '../sql/migrations.js';

/** The store's file in a data directory; the node lock file sits beside it. */
export const SQLITE_FILE = 'switchboard.sqlite';
/** SQLite's companion files of a database in WAL mode (and of a rollback journal). */
const COMPANIONS = ['-wal', '-shm', '-journal'] as const;

export interface BackupResult {
  file: string;
  bytes: number;
  sessions: number;
}

export interface RestoreResult {
  file: string;
  sessions: number;
  /** Where the store that was replaced now is (with its `-wal`), if there was one. */
  previous: string | null;
}

/** Takes a consistent copy of the store in `dataDir` into `toFile`, verified, written atomically. */
export function backupSqlite(dataDir: string, toFile: string): BackupResult {
  const source = join(dataDir, SQLITE_FILE);
  if (!existsSync(source)) throw new Error(`no SQLite store in ${dataDir} (${source} does not exist). For storage.kind postgres use pg_dump (docs/configuration.md#backup-and-restore).`);
  const target = resolve(toFile);
  if (target === resolve(source)) throw new Error('the backup cannot be the store itself');
  // `--to` names the backup's file (docs/configuration.md): a directory there would end in a raw `EISDIR` from the rename, after the whole copy.
  if (statSync(target, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`--to ${toFile} is a directory: give the backup's file name, e.g. --to ${join(toFile, 'switchboard-YYYY-MM-DD.sqlite')}`);
  // Beside the target, so the final rename stays on one file system.
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  rmSync(tmp, { force: true });
  try {
    // Read-only: this process never writes the live store, and never checkpoints or deletes its WAL.
    const db = new Sqlite(source, { readonly: true, fileMustExist: true, timeout: 5_000 });
    try {
      db.prepare('VACUUM INTO ?').run(tmp);
    } finally {
      db.close();
    }
    const sessions = verifyCopy(tmp, `the copy of ${source}`);
    fsyncFile(tmp);
    renameSync(tmp, target);
    fsyncFile(dirname(target));
    return { file: target, bytes: statSync(target).size, sessions };
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Installs the backup `fromFile` as the store of `dataDir`. Refused while a node
 * holds the data directory's lock; holds it itself meanwhile, so a node that
 * starts during the restore waits for it.
 */
export async function restoreSqlite(fromFile: string, dataDir: string, now = new Date()): Promise<RestoreResult> {
  if (!existsSync(fromFile)) throw new Error(`${fromFile} does not exist`);
  if (!existsSync(dataDir)) throw new Error(`${dataDir} does not exist`);
  const lock = new SqliteNodeLock(dataDir);
  try {
    await lock.acquire(0);
  } catch (err) {
    if (err instanceof StoreInUseError) throw new Error(`a Switchboard node is running on ${dataDir}: stop it first (restore replaces the store under it)`, { cause: err });
    throw err;
  }
  const live = join(dataDir, SQLITE_FILE);
  const tmp = join(dataDir, `.${SQLITE_FILE}.restore.${process.pid}.tmp`);
  try {
    for (const c of COMPANIONS) {
      if (existsSync(`${fromFile}${c}`)) throw new Error(`${fromFile}${c} exists: ${fromFile} is a live store (or a copy taken with cp), not a backup from \`switchboard backup\``);
    }
    // Checked as a copy in the data directory: what is renamed in is exactly what was checked.
    rmSync(tmp, { force: true });
    copyFileSync(fromFile, tmp);
    const sessions = verifyCopy(tmp, fromFile);
    fsyncFile(tmp);
    let previous: string | null = null;
    if (existsSync(live)) {
      // Kept, with its own WAL under the matching name, so it still opens whole if it is wanted back.
      previous = join(dataDir, `${SQLITE_FILE}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`);
      if (existsSync(`${live}-wal`)) renameSync(`${live}-wal`, `${previous}-wal`);
      renameSync(live, previous);
    }
    // A stale -wal or -shm left here would be replayed over the restored file at its next open.
    for (const c of COMPANIONS) rmSync(`${live}${c}`, { force: true });
    renameSync(tmp, live);
    fsyncFile(dataDir);
    return { file: live, sessions, previous };
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    await lock.release();
  }
}

/**
 * Checks a backup file: SQLite's quick_check passes, it is a Switchboard store,
 * and written by no newer Switchboard than this one. `file` is this process's
 * own copy: it is also set to a rollback journal instead of WAL, so it stays a
 * single file when it is opened. Returns its number of sessions. Problems name
 * `name` (the backup the operator gave, or the store copied), never the copy: it
 * is a temporary file, removed before the message is read.
 */
function verifyCopy(file: string, name: string): number {
  const db = new Sqlite(file, { fileMustExist: true });
  try {
    try {
      db.pragma('journal_mode = DELETE');
    } catch (err) {
      if ((err as { code?: unknown }).code === 'SQLITE_NOTADB') throw new Error(`${name} is not a SQLite database`, { cause: err });
      throw err;
    }
    let problems: string[];
    try {
      problems = (db.pragma('quick_check(20)') as { quick_check: string }[]).map((r) => r.quick_check);
    } catch (err) {
      problems = [err instanceof Error ? err.message : String(err)];
    }
    if (problems.length !== 1 || problems[0] !== 'ok') throw new Error(`${name} is damaged (SQLite's quick_check: ${problems.slice(0, 5).join('; ')})`);
    const tables = new Set((db.prepare("select name from sqlite_master where type = 'table'").pluck().all() as string[]));
    if (!tables.has('sessions') || !tables.has('kysely_migration')) throw new Error(`${name} is not a Switchboard store (no sessions or migrations table)`);
    const newer = unknownMigrations('sqlite', db.prepare('select name from kysely_migration').pluck().all() as string[]);
    if (newer.length) throw new Error(`${name} was written by a newer Switchboard (migration ${newer.join(', ')}): this version cannot use it`);
    return Number(db.prepare('select count(*) from sessions').pluck().get());
  } finally {
    db.close();
  }
}

function fsyncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
