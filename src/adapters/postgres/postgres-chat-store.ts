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
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new KyselyChatStore(db, 'postgres', schema);
}
