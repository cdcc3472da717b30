/**
 * Migration 0009 on databases written before it, on both SQL backends: JSON
 * holding a NUL (the escape `\u0000`, as JSON.stringify writes it) is written
 * again with U+FFFD, in every JSON column and past the first batch; the plain
 * columns copied from a rewritten row follow it; `\\u0000` (an escaped backslash,
 * then `u0000`) is text and stays byte for byte. On PostgreSQL every stored JSON
 * value then casts to jsonb, which the escape made fail.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatRecord } from '../chat-store-search-conformance.js';
import { createPostgresChatStore } from '../postgres/postgres-chat-store.js';
import { scratchDatabase } from '../postgres/scratch-database.test-support.js';
import { createSqliteChatStore } from '../sqlite/sqlite-chat-store.js';
import type { KyselyChatStore } from './kysely-chat-store.js';
import { migrationProvider, type SqlDialectName } from './migrations.js';

const BEFORE = '0008-chat-search';
const FFFD = '\uFFFD';
/** Events of the long session: more than two of the migration's batches (500 rows), a NUL in every 100th. */
const EVENTS = 1200;
/** Text, not a NUL: a backslash, then `u0000`. */
const BACKSLASH = 'C:\\u0000dir';

type Db = Kysely<Record<string, Record<string, unknown>>>;

const text = (i: number) => (i % 100 === 0 ? `m${i}\u0000` : `m${i}`);
const event = (sessionId: string, offset: number, data: unknown) => ({ session_id: sessionId, offset, vseq: offset, type: 'ChatMessage', actor: 'agent', at: 1000 + offset, data: JSON.stringify(data) });

/** The JSON text of every seeded value that holds no NUL: stays as it is. */
const untouched = {
  event: JSON.stringify({ text: BACKSLASH }),
  record: JSON.stringify({ ...chatRecord('r-text', { createdAt: 20 }), request: null, endReason: BACKSLASH }),
  body: JSON.stringify({ id: 'u2', name: BACKSLASH }),
};

/** Rows as a store at migration 0008 wrote them, NULs and all (PostgreSQL could hold none in a plain column). */
async function writeRowsWithNul(db: Db, dialect: SqlDialectName): Promise<void> {
  const rows = Array.from({ length: EVENTS }, (_, i) => event('s-long', i + 1, { text: text(i + 1), name: 'Alice' }));
  rows.push(event('s-odd', 1, { text: BACKSLASH }), event('s-odd', 2, { text: `${BACKSLASH}\u0000`, ['k\u0000']: [['\u0000']] }));
  for (let i = 0; i < rows.length; i += 100) await db.insertInto('events').values(rows.slice(i, i + 100)).execute();

  const nul = chatRecord('r-nul', { createdAt: 10, state: 'ended', endReason: 'bye\u0000', closed: true });
  const plainNul = dialect === 'sqlite' ? '\u0000' : FFFD;
  await db.insertInto('sessions').values([
    {
      id: 'r-nul', owner: 'n1', closed: 1, visitor_id: `v${plainNul}`, org_id: 'org-a', created_at: 10, chat_state: 'ended', agent_id: null, button_id: 'b1', ended_at: null,
      end_reason: `bye${plainNul}`, record: JSON.stringify({ ...nul, request: null }), request: JSON.stringify({ ...nul.request, visitorName: 'Jo\u0000n', visitorId: 'v\u0000' }),
      progress: JSON.stringify({ cursor: 2, issuedRecent: ['\u0000'] }),
    },
    {
      id: 'r-text', owner: 'n1', closed: 1, visitor_id: 'v', org_id: 'org-a', created_at: 20, chat_state: 'waiting', agent_id: null, button_id: 'b1', ended_at: null,
      end_reason: null, record: untouched.record, request: null, progress: null,
    },
  ]).execute();
  await db.insertInto('documents').values([
    { kind: 'user', id: 'u1', body: JSON.stringify({ id: 'u1', name: 'Nu\u0000l', skills: ['s\u0000'] }) },
    { kind: 'user', id: 'u2', body: untouched.body },
    // An admin could choose a user id with a NUL: SQLite stored it, PostgreSQL refused the user.
    ...(dialect === 'sqlite' ? [{ kind: 'user', id: 'u\u0000x', body: JSON.stringify({ id: 'u\u0000x', name: 'x' }) }] : []),
  ]).execute();
}

async function seed(dialect: SqlDialectName, db: Db): Promise<void> {
  const { error } = await new Migrator({ db, provider: migrationProvider(dialect) }).migrateTo(BEFORE);
  if (error) throw error instanceof Error ? error : new Error(String(error));
  await writeRowsWithNul(db, dialect);
  await db.destroy();
}

type Rows = (sql: string) => Promise<Record<string, unknown>[]>;

/** What the migration leaves, read through the store and row by row. */
async function expectCleaned(store: KyselyChatStore, rows: Rows, dialect: SqlDialectName): Promise<void> {
  await store.migrate();
  const events = await rows('select session_id, "offset", data from events order by session_id, "offset"');
  expect(events.filter((e) => String(e['data']).includes('\\u0000') && e['session_id'] === 's-long')).toEqual([]);
  const long = await store.readEvents('s-long', 0, EVENTS);
  expect(long.map((e) => e.data)).toEqual(Array.from({ length: EVENTS }, (_, i) => ({ text: text(i + 1).replace('\u0000', FFFD), name: 'Alice' })));
  expect((await store.readEvents('s-long', EVENTS - 1, 1))[0]!.data['text']).toBe(`m${EVENTS}${FFFD}`);
  const odd = events.filter((e) => e['session_id'] === 's-odd').map((e) => e['data']);
  expect(odd).toEqual([untouched.event, JSON.stringify({ text: `${BACKSLASH}${FFFD}`, [`k${FFFD}`]: [[FFFD]] })]);

  const session = await store.getSession('r-nul');
  expect(session).toMatchObject({ endReason: `bye${FFFD}`, request: { visitorName: `Jo${FFFD}n`, visitorId: `v${FFFD}` }, issuedRecent: [FFFD] });
  const [nulRow, textRow] = await rows('select id, visitor_id, end_reason, record from sessions order by id');
  expect(nulRow).toMatchObject({ id: 'r-nul', visitor_id: `v${FFFD}`, end_reason: `bye${FFFD}` });
  expect(textRow).toEqual({ id: 'r-text', visitor_id: 'v', end_reason: null, record: untouched.record });
  expect((await store.searchSessions({ orgId: 'org-a', endReason: `bye${FFFD}`, limit: 10, scanLimit: 100 })).sessions.map((s) => s.id)).toEqual(['r-nul']);

  const docs = await store.listDocuments('user');
  expect(docs).toEqual([
    { id: 'u1', body: { id: 'u1', name: `Nu${FFFD}l`, skills: [`s${FFFD}`] } },
    { id: 'u2', body: { id: 'u2', name: BACKSLASH } },
    // Its key follows its body: the document is still found by the id it holds.
    ...(dialect === 'sqlite' ? [{ id: `u${FFFD}x`, body: { id: `u${FFFD}x`, name: 'x' } }] : []),
  ]);
  expect((await rows("select body from documents where id = 'u2'"))[0]!['body']).toBe(untouched.body);
}

describe('migration 0009 (NUL in stored JSON) on older databases', () => {
  it('SQLite: rewrites JSON holding a NUL with U+FFFD, in batches, and leaves \\\\u0000 text alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-migrate-nul-'));
    const file = join(dir, 'switchboard.sqlite');
    await seed('sqlite', new Kysely({ dialect: new SqliteDialect({ database: new Sqlite(file) }) }));
    const store = createSqliteChatStore({ dataDir: dir, synchronous: 'normal' });
    let raw: Sqlite.Database | undefined;
    try {
      await expectCleaned(store, (q) => Promise.resolve((raw ??= new Sqlite(file)).prepare(q).all() as Record<string, unknown>[]), 'sqlite');
    } finally {
      raw?.close();
      await store.close();
    }
  });

  describe('PostgreSQL', () => {
    const database = scratchDatabase('sb_migrate_nul');
    beforeAll(() => database.create());
    afterAll(() => database.drop());

    it('rewrites JSON holding a NUL with U+FFFD, in batches, and leaves \\\\u0000 text alone; every stored JSON casts to jsonb', async () => {
      await seed('postgres', new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }) }));
      const store = await createPostgresChatStore({ url: database.url, poolSize: 2 });
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const rows: Rows = async (q) => (await client.query<Record<string, unknown>>(q)).rows;
        await expectCleaned(store, rows, 'postgres');
        // What a migration's backfill or an operator's query does with the JSON columns: no row refuses it.
        expect(await rows('select count(*)::int as n from events where data::jsonb is not null')).toEqual([{ n: EVENTS + 2 }]);
        expect(await rows("select request::jsonb ->> 'visitorName' as name, progress::jsonb -> 'issuedRecent' as issued from sessions where record::jsonb ->> 'id' = 'r-nul'"))
          .toEqual([{ name: `Jo${FFFD}n`, issued: [FFFD] }]);
        expect(await rows("select body::jsonb ->> 'name' as name from documents order by id")).toEqual([{ name: `Nu${FFFD}l` }, { name: BACKSLASH }]);
      } finally {
        await client.end();
        await store.close();
      }
    });
  });
});
