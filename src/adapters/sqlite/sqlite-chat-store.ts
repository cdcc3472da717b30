/**
 * The embedded default store: SQLite in WAL mode through better-sqlite3.
 * synchronous=NORMAL keeps every committed batch across a process crash
 * (kill -9); `full` also fsyncs each commit for power loss (docs/adr/0002).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { KyselyChatStore } from '../sql/kysely-chat-store.js';
import type { Database } from '../sql/schema.js';

export interface SqliteOptions {
  dataDir: string;
  synchronous: 'normal' | 'full';
  /** For tests: an in-memory database instead of a file. */
  inMemory?: boolean;
}

export function createSqliteChatStore(opts: SqliteOptions): KyselyChatStore {
  let file = ':memory:';
  if (!opts.inMemory) {
    mkdirSync(opts.dataDir, { recursive: true });
    file = join(opts.dataDir, 'switchboard.sqlite');
  }
  const database = new Sqlite(file);
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return new KyselyChatStore(db, 'sqlite');
}
