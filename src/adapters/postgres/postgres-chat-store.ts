/**
 * PostgreSQL store for clusters: the shared Kysely store over a pg pool.
 * `schema` isolates deployments (and test runs) sharing one database.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { KyselyChatStore } from '../sql/kysely-chat-store.js';
import type { Database } from '../sql/schema.js';

export interface PostgresOptions {
  url: string;
  schema?: string;
  poolSize?: number;
  /** `application_name` of the connections (what `pg_stat_activity` shows). */
  applicationName?: string;
  /**
   * Told when an idle pooled connection fails (the server restarted, a proxy cut
   * it, an admin ended it). The pool drops that connection and opens a new one
   * when it is next needed; a query that fails meanwhile fails its own caller.
   */
  onConnectionError?: (err: Error) => void;
}

export async function createPostgresChatStore(opts: PostgresOptions): Promise<KyselyChatStore> {
  const schema = opts.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  if (schema) {
    const client = new pg.Client({ connectionString: opts.url });
    await client.connect();
    try {
      await client.query(`create schema if not exists ${schema}`);
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    application_name: opts.applicationName ?? 'switchboard',
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // Without a listener, pg's pool re-emits an idle connection's error as an unhandled
  // 'error' event: one dropped connection would end the process and every held poll with it.
  pool.on('error', (err) => opts.onConnectionError?.(err));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new KyselyChatStore(db, 'postgres', schema);
}
