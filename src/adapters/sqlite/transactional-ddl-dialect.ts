/**
 * Kysely's SQLite dialect with migrations in transactions. SQLite runs DDL
 * inside transactions (ALTER TABLE, CREATE INDEX roll back like any write), but
 * Kysely's adapter reports that it cannot, so its Migrator committed each
 * statement of a migration on its own: a crash in the middle of one (a long
 * backfill, kill -9) left its first columns added and the migration unrecorded,
 * and every later start failed on "duplicate column". With this adapter the
 * pending migrations and their bookkeeping commit together, or not at all.
 */
import { SqliteAdapter, SqliteDialect, type DialectAdapter } from 'kysely';

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class TransactionalDdlSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
