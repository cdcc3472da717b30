/**
 * Runs the conformance suite against every store, each on its real backend:
 * memory, SQLite (a file in a temp dir), PostgreSQL (127.0.0.1:5432, db `test`,
 * a fresh schema per store). The SQL stores also open data an older version
 * wrote, to check what their migrations make of it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll } from 'vitest';
import { toSessionRow, type SessionRecord } from '../ports/records.js';
import { describeChatStore } from './chat-store-conformance.js';
import { MemoryChatStore } from './memory/memory-chat-store.js';
import { createPostgresChatStore } from './postgres/postgres-chat-store.js';
import { migrationProvider, type SqlDialectName } from './sql/migrations.js';
import type { Database } from './sql/schema.js';
import { createSqliteChatStore } from './sqlite/sqlite-chat-store.js';

const PG_URL = process.env.SWITCHBOARD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];
const dirs = new Map<object, string>();
const pgSchemas = new Map<object, string>();

/** The last migration before chat_holders (0010): what a store upgraded to this version holds. */
const BEFORE_HOLDERS = '0009-nul-in-stored-json';

/** Migrates `db` up to BEFORE_HOLDERS and writes `records` there as that version's store did: sessions rows only. */
async function writeBeforeHolders(db: Kysely<Database>, dialect: SqlDialectName, records: SessionRecord[], schema?: string): Promise<void> {
  try {
    const { error } = await new Migrator({ db, provider: migrationProvider(dialect), ...(schema ? { migrationTableSchema: schema } : {}) }).migrateTo(BEFORE_HOLDERS);
    if (error) throw error instanceof Error ? error : new Error(String(error));
    for (let i = 0; i < records.length; i += 100) {
      await db.insertInto('sessions').values(records.slice(i, i + 100).map((r) => {
        const s = toSessionRow(r);
        return {
          id: s.id, owner: s.owner, closed: s.closed ? 1 : 0, visitor_id: s.visitorId, org_id: s.orgId, created_at: s.createdAt, chat_state: s.chatState, agent_id: s.agentId,
          button_id: s.buttonId, ended_at: s.endedAt, end_reason: s.endReason, record: s.json!, request: s.requestJson, progress: null,
        };
      })).execute();
    }
  } finally {
    await db.destroy();
  }
}

describeChatStore('memory', {
  async open() {
    const s = new MemoryChatStore();
    await s.migrate();
    return s;
  },
});

describeChatStore('sqlite', {
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'sb-sqlite-'));
    const s = createSqliteChatStore({ dataDir: dir, synchronous: 'normal' });
    await s.migrate();
    dirs.set(s, dir);
    return s;
  },
  async reopen(previous) {
    const s = createSqliteChatStore({ dataDir: dirs.get(previous)!, synchronous: 'full' });
    await s.migrate();
    return s;
  },
  async openMigrated(records) {
    const dir = mkdtempSync(join(tmpdir(), 'sb-sqlite-'));
    await writeBeforeHolders(new Kysely<Database>({ dialect: new SqliteDialect({ database: new Sqlite(join(dir, 'switchboard.sqlite')) }) }), 'sqlite', records);
    const s = createSqliteChatStore({ dataDir: dir, synchronous: 'normal' });
    await s.migrate();
    return s;
  },
});

describeChatStore('postgres', {
  async open() {
    const schema = `sb_conf_${process.pid}_${schemas.length}_${Date.now() % 100000}`;
    schemas.push(schema);
    const s = await createPostgresChatStore({ url: PG_URL, schema, poolSize: 2 });
    await s.migrate();
    pgSchemas.set(s, schema);
    return s;
  },
  async reopen(previous) {
    const s = await createPostgresChatStore({ url: PG_URL, schema: pgSchemas.get(previous)!, poolSize: 2 });
    await s.migrate();
    return s;
  },
  async openMigrated(records) {
    const schema = `sb_conf_${process.pid}_${schemas.length}_${Date.now() % 100000}`;
    schemas.push(schema);
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const pool = new pg.Pool({ connectionString: PG_URL, max: 1, options: `-c search_path=${schema}` });
    await writeBeforeHolders(new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), 'postgres', records, schema);
    const s = await createPostgresChatStore({ url: PG_URL, schema, poolSize: 2 });
    await s.migrate();
    return s;
  },
});

afterAll(async () => {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  for (const s of schemas) await client.query(`drop schema if exists ${s} cascade`);
  await client.end();
});
