/**
 * Migration 0006 on databases written before it, on both SQL backends: a
 * session's org is backfilled from its request (its own column, or inside the
 * record for rows older than migration 0003), and breadcrumbs already recorded
 * stay readable as unattributed ones; after 0007 they stay too, without a key.
 * Migration 0008 backfills the chat search's columns from each record, so chats
 * stored before it are found like new ones.
 * And a store a newer Switchboard migrated is refused by an older one, saying so.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyBatch, type SessionSearch } from '../../ports/chat-store.js';
import { sessionRecord } from '../chat-store-conformance.js';
import { chatRecord } from '../chat-store-search-conformance.js';
import { createPostgresChatStore } from '../postgres/postgres-chat-store.js';
import { createSqliteChatStore } from '../sqlite/sqlite-chat-store.js';
import type { KyselyChatStore } from './kysely-chat-store.js';
import { migrationProvider, type SqlDialectName } from './migrations.js';

const PG_URL = process.env.SWITCHBOARD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BEFORE_ORG_COLUMNS = '0005-session-progress-column';
const BEFORE_SEARCH_COLUMNS = '0007-breadcrumb-key';

/** Rows as a store at migration 0005 wrote them. */
async function writeOldRows(db: Kysely<Record<string, Record<string, unknown>>>): Promise<void> {
  const withRequest = sessionRecord('with-request', { closed: true, createdAt: 10 });
  const legacy = sessionRecord('legacy', { closed: true, createdAt: 20, request: { orgId: 'org-b', visitorId: 'v' } as never });
  await db.insertInto('sessions').values([
    { id: 'with-request', owner: 'n1', closed: 1, visitor_id: 'v', created_at: 10, record: JSON.stringify(withRequest), request: JSON.stringify({ orgId: 'org-a', visitorId: 'v' }), progress: null },
    { id: 'legacy', owner: 'n1', closed: 1, visitor_id: 'v', created_at: 20, record: JSON.stringify(legacy), request: null, progress: null },
  ]).execute();
  // Twice, as a batch written again after its answer was lost left them before migration 0007.
  await db.insertInto('breadcrumbs').values([{ visitor_id: 'v', location: 'https://old.example/', at: 5 }, { visitor_id: 'v', location: 'https://old.example/', at: 5 }]).execute();
}

async function migrateOld(dialect: SqlDialectName, db: Kysely<Record<string, Record<string, unknown>>>, schema?: string): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect), ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error } = await migrator.migrateTo(BEFORE_ORG_COLUMNS);
  if (error) throw error instanceof Error ? error : new Error(String(error));
  await writeOldRows(db);
  await db.destroy();
}

async function expectOrgsBackfilled(store: KyselyChatStore): Promise<void> {
  await store.migrate();
  expect((await store.findSessionsByVisitor('org-a', 'v', 10)).map((s) => s.id)).toEqual(['with-request']);
  expect((await store.findSessionsByVisitor('org-b', 'v', 10)).map((s) => s.id)).toEqual(['legacy']);
  expect((await store.findSessionsByVisitor(null, 'v', 10)).map((s) => s.id)).toEqual(['legacy', 'with-request']);
  // Recorded before breadcrumbs had an org: unattributed, so every org that chats with the visitor still sees them.
  const old = { location: 'https://old.example/', at: 5 };
  expect(await store.readBreadcrumbs('org-a', 'v', 10)).toEqual([old, old]);
  // Migration 0007: rows from before have no key (and do not collide); a keyed one is written once.
  const crumb = { key: 'k1', visitorId: 'v', orgId: 'org-a', location: 'https://new.example/', at: 6 };
  await store.write({ ...emptyBatch(), visitorBreadcrumbs: [crumb] });
  await store.write({ ...emptyBatch(), visitorBreadcrumbs: [crumb] });
  expect(await store.readBreadcrumbs('org-a', 'v', 10)).toEqual([old, old, { location: 'https://new.example/', at: 6 }]);
}

describe('migration 0006 (org columns) on older databases', () => {
  it('SQLite: backfills each session\'s org from its request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-migrate-'));
    const db = new Kysely<Record<string, Record<string, unknown>>>({ dialect: new SqliteDialect({ database: new Sqlite(join(dir, 'switchboard.sqlite')) }) });
    await migrateOld('sqlite', db);
    const store = createSqliteChatStore({ dataDir: dir, synchronous: 'normal' });
    try {
      await expectOrgsBackfilled(store);
    } finally {
      await store.close();
    }
  });

  it('SQLite: a migration that fails half-way leaves nothing behind, and runs whole once the cause is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-migrate-'));
    const file = join(dir, 'switchboard.sqlite');
    const db = new Kysely<Record<string, Record<string, unknown>>>({ dialect: new SqliteDialect({ database: new Sqlite(file) }) });
    await migrateOld('sqlite', db);
    // An obstacle for 0006's last steps (its index name taken by a table): its columns are added first.
    const raw = new Sqlite(file);
    raw.exec('CREATE TABLE sessions_visitor_org (x INTEGER)');
    raw.close();
    const failing = createSqliteChatStore({ dataDir: dir, synchronous: 'normal' });
    await expect(failing.migrate()).rejects.toThrow();
    await failing.close();
    const check = new Sqlite(file);
    const columns = (check.prepare('PRAGMA table_info(sessions)').all() as { name: string }[]).map((c) => c.name);
    expect(columns).not.toContain('org_id');
    check.exec('DROP TABLE sessions_visitor_org');
    check.close();
    const store = createSqliteChatStore({ dataDir: dir, synchronous: 'normal' });
    try {
      await expectOrgsBackfilled(store);
    } finally {
      await store.close();
    }
  });

  const schema = `sb_migrate_${process.pid}_${Date.now() % 100000}`;
  afterAll(async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  });

  it('PostgreSQL: backfills each session\'s org from its request', async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const pool = new pg.Pool({ connectionString: PG_URL, max: 1, options: `-c search_path=${schema}` });
    await migrateOld('postgres', new Kysely({ dialect: new PostgresDialect({ pool }) }), schema);
    const store = await createPostgresChatStore({ url: PG_URL, schema, poolSize: 2 });
    try {
      await expectOrgsBackfilled(store);
    } finally {
      await store.close();
    }
  });
});

/** Rows as a store at migration 0007 wrote them: request in its column, or (before 0003) in the record; a progress column. */
async function writeRowsBeforeSearch(db: Kysely<Record<string, Record<string, unknown>>>): Promise<void> {
  const ended = chatRecord('r-new', { createdAt: 10, state: 'ended', agent: 'ag1', button: 'b1', visitor: 'v1', endedAt: 50, endReason: 'agent', closed: true });
  const legacy = chatRecord('r-legacy', { createdAt: 20, state: 'established', agent: 'ag2', button: 'b2', visitor: 'v2' });
  const waiting = chatRecord('r-progress', { createdAt: 30, state: 'waiting', button: 'b1', visitor: 'v1' });
  const row = (r: typeof ended, requestInRecord = false) => ({
    id: r.id, owner: 'n1', closed: r.closed ? 1 : 0, visitor_id: r.request!.visitorId, org_id: r.request!.orgId, created_at: r.createdAt,
    record: JSON.stringify(requestInRecord ? r : { ...r, request: null }), request: requestInRecord ? null : JSON.stringify(r.request), progress: null as string | null,
  });
  await db.insertInto('sessions').values([row(ended), row(legacy, true), { ...row(waiting), progress: JSON.stringify({ lastOffset: 4, cursor: 2 }) }]).execute();
}

async function expectFoundBySearch(store: KyselyChatStore): Promise<void> {
  await store.migrate();
  const ids = async (q: Omit<SessionSearch, 'orgId' | 'limit' | 'scanLimit'>) => (await store.searchSessions({ orgId: 'org-a', limit: 10, scanLimit: 100, ...q })).sessions.map((s) => s.id);
  expect(await ids({})).toEqual(['r-progress', 'r-legacy', 'r-new']);
  expect(await ids({ chatState: 'ended', agentId: 'ag1', buttonId: 'b1', endReason: 'agent', endedFrom: 50, endedTo: 51 })).toEqual(['r-new']);
  expect(await ids({ chatState: 'established', agentId: 'ag2', buttonId: 'b2', visitorId: 'v2' })).toEqual(['r-legacy']);
  expect(await ids({ chatState: 'waiting', buttonId: 'b1' })).toEqual(['r-progress']);
  expect(await ids({ visitorId: 'v1' })).toEqual(['r-progress', 'r-new']);
  expect((await store.findSessionsByVisitor('org-a', 'v1', 10)).map((s) => s.id)).toEqual(['r-progress', 'r-new']);
}

describe('migration 0008 (chat search columns) on older databases', () => {
  it('SQLite: fills the search columns from each record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-migrate-'));
    const db = new Kysely<Record<string, Record<string, unknown>>>({ dialect: new SqliteDialect({ database: new Sqlite(join(dir, 'switchboard.sqlite')) }) });
    const { error } = await new Migrator({ db, provider: migrationProvider('sqlite') }).migrateTo(BEFORE_SEARCH_COLUMNS);
    if (error) throw error instanceof Error ? error : new Error(String(error));
    await writeRowsBeforeSearch(db);
    await db.destroy();
    const store = createSqliteChatStore({ dataDir: dir, synchronous: 'normal' });
    try {
      await expectFoundBySearch(store);
    } finally {
      await store.close();
    }
  });

  const schema = `sb_migrate8_${process.pid}_${Date.now() % 100000}`;
  afterAll(async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  });

  it('PostgreSQL: fills the search columns from each record', async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const pool = new pg.Pool({ connectionString: PG_URL, max: 1, options: `-c search_path=${schema}` });
    const db = new Kysely<Record<string, Record<string, unknown>>>({ dialect: new PostgresDialect({ pool }) });
    const { error } = await new Migrator({ db, provider: migrationProvider('postgres'), migrationTableSchema: schema }).migrateTo(BEFORE_SEARCH_COLUMNS);
    if (error) throw error instanceof Error ? error : new Error(String(error));
    await writeRowsBeforeSearch(db);
    await db.destroy();
    const store = await createPostgresChatStore({ url: PG_URL, schema, poolSize: 2 });
    try {
      await expectFoundBySearch(store);
    } finally {
      await store.close();
    }
  });
});

const NEWER = /this data was written by a newer Switchboard \(migration 9999-future-migration\); downgrades are not supported — run that version or a newer one, or restore a backup taken before the upgrade/;

describe('a store migrated by a newer Switchboard (a downgrade)', () => {
  it('SQLite: refused with the migration\'s name and what to do; the server exits 1 saying it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-downgrade-'));
    const first = createSqliteChatStore({ dataDir: dir, synchronous: 'normal' });
    await first.migrate();
    await first.close();
    const raw = new Sqlite(join(dir, 'switchboard.sqlite'));
    raw.prepare('insert into kysely_migration (name, timestamp) values (?, ?)').run('9999-future-migration', new Date().toISOString());
    raw.close();
    const store = createSqliteChatStore({ dataDir: dir, synchronous: 'normal' });
    await expect(store.migrate()).rejects.toThrow(NEWER);
    await store.close();
    const r = spawnSync(process.execPath, [join('dist', 'src', 'cli', 'main.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dir], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, SWITCHBOARD_CONFIG: '', SWITCHBOARD_STORAGE: 'sqlite' } });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(NEWER);
  });

  const newerSchema = `sb_downgrade_${process.pid}_${Date.now() % 100000}`;
  afterAll(async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`drop schema if exists ${newerSchema} cascade`);
    await client.end();
  });

  it('PostgreSQL: refused the same way', async () => {
    const first = await createPostgresChatStore({ url: PG_URL, schema: newerSchema, poolSize: 1 });
    await first.migrate();
    await first.close();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`insert into ${newerSchema}.kysely_migration (name, timestamp) values ($1, $2)`, ['9999-future-migration', new Date().toISOString()]);
    await client.end();
    const store = await createPostgresChatStore({ url: PG_URL, schema: newerSchema, poolSize: 1 });
    try {
      await expect(store.migrate()).rejects.toThrow(NEWER);
    } finally {
      await store.close();
    }
  });
});
