/**
 * One node per SQLite data directory (ADR 0017): a second lock on the same
 * directory waits, then gives up with a clear error; it gets the lock once the
 * first lets go. Also across processes: the lock is the operating system's.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreInUseError } from '../../ports/node-lock.js';
import { SqliteNodeLock } from './sqlite-node-lock.js';

const dirs: string[] = [];
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'sb-lock-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('SQLite node lock', () => {
  it('a second lock on the same directory gives up after its wait; it is taken once the first lets go', async () => {
    const dir = freshDir();
    const first = new SqliteNodeLock(dir);
    await first.acquire(0);
    const second = new SqliteNodeLock(dir);
    const started = Date.now();
    await expect(second.acquire(300)).rejects.toBeInstanceOf(StoreInUseError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    // A rolling deploy: the old node stops while the new one waits.
    const waiting = second.acquire(5_000);
    setTimeout(() => void first.release(), 300);
    await waiting;
    await second.release();
    // Another directory is another store.
    const other = new SqliteNodeLock(freshDir());
    await other.acquire(0);
    await other.release();
  });

  it('says which data directory is in use and how long it waited, to the tenth of a second', async () => {
    const dir = freshDir();
    const first = new SqliteNodeLock(dir);
    await first.acquire(0);
    try {
      const err = await new SqliteNodeLock(dir).acquire(1_500).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(StoreInUseError);
      const message = (err as Error).message;
      expect(message).toContain(`another Switchboard node is using the data directory ${dir} (its lock file ${join(dir, 'switchboard.lock')} is held)`);
      // Attempts every 250 ms: it gives up between 1.5 s and the next attempt after, never reported as 2 s.
      expect(message).toMatch(/\(waited 1\.[5-9] s for it to stop\)/);
    } finally {
      await first.release();
    }
  });

  it('holds against another process, and a killed holder leaves no stale lock', async () => {
    const dir = freshDir();
    const holder = spawn(process.execPath, ['--input-type=module', '-e', `
      const { default: Sqlite } = await import(${JSON.stringify(join(process.cwd(), 'node_modules', 'better-sqlite3', 'lib', 'index.js'))});
      const db = new Sqlite(${JSON.stringify(join(dir, 'switchboard.lock'))}, { timeout: 0 });
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER, since INTEGER)');
      db.transaction(() => db.prepare('DELETE FROM holder').run()).exclusive();
      process.stdout.write('held\\n');
      setInterval(() => {}, 1000);
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', (b: Buffer) => { if (b.toString().includes('held')) resolve(); });
        holder.once('exit', (code) => reject(new Error(`holder exited early (${code})`)));
      });
      const lock = new SqliteNodeLock(dir);
      await expect(lock.acquire(300)).rejects.toThrow(/another Switchboard node is using/);
      const gone = new Promise((r) => holder.once('exit', r));
      holder.kill('SIGKILL');
      await gone;
      await lock.acquire(2_000);
      await lock.release();
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
