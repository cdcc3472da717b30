/**
 * A PostgreSQL database of a test's own on the machine's server
 * (SWITCHBOARD_TEST_POSTGRES_URL, else the local `test` database's server):
 * created before the test, dropped (connections forced out) after it. Several
 * suites need one; each used to carry its own copy of these lines.
 */
import pg from 'pg';

export const PG_TEST_URL = process.env['SWITCHBOARD_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Runs one statement on the test server's default database (create / drop database and the like). */
export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_TEST_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface ScratchDatabase {
  /** The database's name: `<prefix>_<pid>_<n>`, unique per test process. */
  readonly name: string;
  /** PG_TEST_URL pointing at this database. */
  readonly url: string;
  create(): Promise<void>;
  drop(): Promise<void>;
  /** Runs `sql` (with `$1`… `params`) on this database, on a connection of its own, and returns the rows. */
  query<T extends object>(sql: string, params?: unknown[]): Promise<T[]>;
}

export function scratchDatabase(prefix: string): ScratchDatabase {
  const name = `${prefix}_${process.pid}_${Date.now() % 100_000}`;
  const url = new URL(PG_TEST_URL);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    create: () => adminQuery(`create database ${name}`),
    drop: () => adminQuery(`drop database if exists ${name} with (force)`),
    query: async <T extends object>(sql: string, params?: unknown[]) => {
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        return (await client.query<T>(sql, params)).rows;
      } finally {
        await client.end();
      }
    },
  };
}
