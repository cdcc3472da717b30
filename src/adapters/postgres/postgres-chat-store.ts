/**
 * PostgreSQL store: the shared Kysely store over a pg pool. A deployment is one
 * whole database (docs/adr/0017, note): `schema` is not a setting, it isolates
 * test runs sharing one database.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { MigrationOutcome } from '../../ports/chat-store.js';
import { KyselyChatStore, raiseWriterEpochOn } from '../sql/kysely-chat-store.js';
import type { Database } from '../sql/schema.js';
import { DEAD_PEER_OPTIONS } from './dead-peer.js';

export interface PostgresOptions {
  url: string;
  schema?: string;
  poolSize?: number;
  /** `application_name` of the connections (what `pg_stat_activity` shows). */
  applicationName?: string;
  /**
   * Told when a pooled connection fails, idle or in use (the server restarted, a
   * proxy cut it, an admin ended it). The pool drops that connection and opens a
   * new one when it is next needed; a query that fails meanwhile fails its own caller.
   */
  onConnectionError?: (err: Error) => void;
  /**
   * Longest a statement may run (PostgreSQL's statement_timeout), and, 5 s later, how
   * long the driver waits for any answer (a half-open connection never answers):
   * a write stuck behind a lock or a dead socket fails into ADR 0016's retry and
   * /readyz's "store refuses writes" instead of holding its request for ever.
   * 0 turns both off. Migrations run without it.
   */
  statementTimeoutMs?: number;
}

/** Default of PostgresOptions.statementTimeoutMs (storage.postgresStatementTimeoutSeconds). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;
/** How long opening a connection may take before it counts as failed. */
const CONNECT_TIMEOUT_MS = 10_000;

class PostgresChatStore extends KyselyChatStore {
  constructor(db: Kysely<Database>, schema: string | undefined, private readonly opts: PostgresOptions) {
    super(db, 'postgres', schema);
  }

  /** On a connection of its own, without the statement timeout: a migration of a large table may take minutes. */
  override migrate(): Promise<MigrationOutcome> {
    return this.withoutTimeout((db) => this.migrateWith(db));
  }

  /**
   * Without the statement timeout too: the raise waits for the old writer's transactions
   * under way (ADR 0048), and a node that gave up on it would leave the store to nobody.
   */
  protected override raiseWriterEpoch(key: string): Promise<number> {
    return this.withoutTimeout((db) => raiseWriterEpochOn(db, key));
  }

  private async withoutTimeout<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: createPgPool({ ...this.opts, poolSize: 1, statementTimeoutMs: 0 }) }) });
    try {
      return await work(db);
    } finally {
      await db.destroy();
    }
  }
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
  const pool = createPgPool(opts);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new PostgresChatStore(db, schema, opts);
}

/**
 * The store's pool. Every connection gets an 'error' listener of its own: pg's pool
 * listens only while a connection is idle (it removes its listener on checkout), and
 * a checked-out connection whose socket ends between queries — inside a transaction,
 * say — emits 'error' on the client; with no listener that ends the process and every
 * held poll with it. The query that needed the connection fails its caller either way.
 */
export function createPgPool(opts: PostgresOptions): pg.Pool {
  const timeoutMs = opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const options = [...(opts.schema ? [`-c search_path=${opts.schema}`] : []), ...(timeoutMs > 0 ? [`-c statement_timeout=${timeoutMs}`] : []), DEAD_PEER_OPTIONS];
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    application_name: opts.applicationName ?? 'switchboard',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    ...(timeoutMs > 0 ? { query_timeout: timeoutMs + 5_000 } : {}),
    options: options.join(' '),
  });
  pool.on('connect', (client) => client.on('error', (err) => opts.onConnectionError?.(err)));
  // The pool re-emits an idle connection's error on itself: the client's own listener above reported it.
  pool.on('error', () => undefined);
  return pool;
}
