/**
 * The node lock of a SQLite data directory: an exclusive lock on a small lock
 * database next to the data (`switchboard.lock`), held by its own connection
 * for the life of the process. The operating system drops it when the process
 * ends, also on kill -9, so a crash never leaves a stale lock behind.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { retryLock, type LockWaitListener, type LockWaitOptions, type NodeLock } from '../../ports/node-lock.js';

export class SqliteNodeLock implements NodeLock {
  private db: Sqlite.Database | null = null;
  private readonly path: string;

  constructor(private readonly dataDir: string) {
    this.path = join(dataDir, 'switchboard.lock');
  }

  acquire(waitMs: number, onWaiting?: LockWaitListener, opts?: LockWaitOptions): Promise<void> {
    mkdirSync(this.dataDir, { recursive: true });
    return retryLock(() => this.tryOnce(), waitMs, `the data directory ${this.dataDir} (its lock file ${this.path} is held)`, onWaiting, opts);
  }

  private tryOnce(): boolean {
    // timeout 0: answer SQLITE_BUSY at once; retryLock paces the attempts.
    const db = new Sqlite(this.path, { timeout: 0 });
    try {
      // In exclusive locking mode the lock a write transaction takes is kept after its commit.
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER, since INTEGER)');
      db.transaction(() => {
        db.prepare('DELETE FROM holder').run();
        db.prepare('INSERT INTO holder (pid, since) VALUES (?, ?)').run(process.pid, Date.now());
      }).exclusive();
      this.db = db;
      return true;
    } catch (err) {
      db.close();
      if ((err as { code?: string }).code === 'SQLITE_BUSY') return false;
      throw err;
    }
  }

  release(): Promise<void> {
    this.db?.close();
    this.db = null;
    return Promise.resolve();
  }
}
