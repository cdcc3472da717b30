/**
 * The chat search uses the indexes of migrations 0008 and 0010 on both SQL engines:
 * every shape of query walks an index in the page's order (no scan of the table, no
 * sort of an org's chats), and a filter the walk's index does not apply is
 * checked on the bounded stretch only (docs/adr/0023). On SQLite a read runs on
 * the event loop: a query that sorted or scanned a large org would stall every chat.
 * An agent's search walks two indexes (the chats they have, those they held), each
 * bounded by a limit, and merges them: its sorts are of those bounded walks only.
 */
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { SessionSearch } from '../../ports/chat-store.js';
import { toSessionRow } from '../../ports/records.js';
import { chatRecord } from '../chat-store-search-conformance.js';
import { migrationProvider, type SqlDialectName } from './migrations.js';
import type { Database } from './schema.js';
import { searchSessions } from './session-search.js';

const PG_URL = process.env.SWITCHBOARD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `sb_search_plan_${process.pid}_${Date.now() % 100000}`;

type Shape = [string, Partial<SessionSearch>, string];
/** Each query shape and the index its walk must use. */
const SHAPES: Shape[] = [
  ['no filter', {}, 'sessions_org_created'],
  ['a state', { chatState: 'waiting' }, 'sessions_org_state'],
  ['an agent', { agentId: 'a' }, 'sessions_org_agent'],
  ['a visitor', { visitorId: 'v' }, 'sessions_visitor_org_created'],
  ['a visitor and an agent', { visitorId: 'v', agentId: 'a' }, 'sessions_visitor_org_created'],
  ['an agent after a place', { agentId: 'a', after: { createdAt: 15, id: 's15' } }, 'sessions_org_agent'],
  ['an agent and a state', { agentId: 'a', chatState: 'ended' }, 'sessions_org_agent'],
  ['a creation range', { createdFrom: 1, createdTo: 15 }, 'sessions_org_created'],
  ['after a place', { after: { createdAt: 15, id: 's15' } }, 'sessions_org_created'],
  ['an end reason', { endReason: 'agent' }, 'sessions_org_created'],
  ['an end reason after a place', { endReason: 'agent', after: { createdAt: 15, id: 's15' } }, 'sessions_org_created'],
  ['a state and a button', { chatState: 'ended', buttonId: 'b1' }, 'sessions_org_state'],
  ['an agent and an end range', { agentId: 'a', endedFrom: 1, endedTo: 500 }, 'sessions_org_agent'],
];

/** Twenty chats, and the queries one search of `shape` runs. */
async function queriesOf(db: Kysely<Database>, log: CompiledQuery[], dialect: SqlDialectName, shape: Partial<SessionSearch>): Promise<CompiledQuery[]> {
  log.length = 0;
  // scanLimit 3 of 20: with a residual filter, the second query is bounded by where the walk ends.
  await searchSessions(db, dialect, { orgId: 'o', limit: 10, scanLimit: 3, ...shape });
  return log.filter((q) => /^select/i.test(q.sql));
}

async function fill(db: Kysely<Database>): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const r = toSessionRow(chatRecord(`s${i}`, { org: 'o', createdAt: i, agent: 'a', visitor: 'v', state: 'ended', endedAt: 100 + i, endReason: 'agent', holders: ['b', 'a'] }));
    await db.insertInto('sessions').values({
      id: r.id, owner: r.owner, closed: 0, visitor_id: r.visitorId, org_id: r.orgId, created_at: r.createdAt, chat_state: r.chatState, agent_id: r.agentId,
      button_id: r.buttonId, ended_at: r.endedAt, end_reason: r.endReason, record: r.json!, request: r.requestJson, progress: null,
    }).execute();
    await db.insertInto('chat_holders').values(r.holders!.map((agentId) => ({ session_id: r.id, agent_id: agentId, org_id: r.orgId!, created_at: r.createdAt }))).execute();
  }
}

/** The agent's walks: both indexes, read in the page's order. */
const byAgent = (index: string) => index === 'sessions_org_agent';

describe('chat search query plans', () => {
  it('SQLite walks the right index in order for every shape: no table scan, no sort of an org\'s chats', async () => {
    const raw = new Sqlite(':memory:');
    const log: CompiledQuery[] = [];
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }), log: (e) => { log.push(e.query); } });
    try {
      await new Migrator({ db, provider: migrationProvider('sqlite') }).migrateToLatest();
      await fill(db);
      for (const [what, shape, index] of SHAPES) {
        const queries = await queriesOf(db, log, 'sqlite', shape);
        expect(queries.length, what).toBeGreaterThan(0);
        for (const q of queries) {
          const plan = (raw.prepare(`explain query plan ${q.sql}`).all(...(q.parameters as unknown[])) as { detail: string }[]).map((r) => r.detail).join(' | ');
          if (byAgent(index)) {
            // Each walk its index's stretch (limited: the page, or scanLimit), the rows by primary key;
            // what is sorted (TEMP B-TREE) and scanned (SCAN a, h, w) is those walks' few entries.
            expect(plan, `${what}: ${q.sql}`).toMatch(/SEARCH sessions USING COVERING INDEX sessions_org_agent \(org_id=\? AND agent_id=\?/);
            expect(plan, `${what}: ${q.sql}`).toMatch(/SEARCH chat_holders USING COVERING INDEX chat_holders_org_agent \(org_id=\? AND agent_id=\?/);
            expect(plan, `${what}: ${q.sql}`).not.toMatch(/SCAN (sessions|chat_holders)|USING (COVERING )?INDEX sessions_(org_created|org_state|visitor)/);
            if (q.sql.includes('"record"')) expect(plan, `${what}: ${q.sql}`).toMatch(/^SEARCH sessions USING INDEX sqlite_autoindex_sessions_1 \(id=\?\)/);
            continue;
          }
          expect(plan, `${what}: ${q.sql}`).toMatch(new RegExp(`^SEARCH sessions USING (COVERING )?INDEX ${index} \\(`));
          expect(plan, `${what}: ${q.sql}`).not.toMatch(/SCAN|TEMP B-TREE/);
          // An agent who held the chat, checked on the rows walked: one primary-key lookup each.
          if (q.sql.includes('chat_holders')) expect(plan, `${what}: ${q.sql}`).toMatch(/SEARCH chat_holders USING PRIMARY KEY \(session_id=\? AND agent_id=\?\)/);
        }
      }
    } finally {
      await db.destroy();
    }
  });

  afterAll(async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`drop schema if exists ${SCHEMA} cascade`);
    await client.end();
  });

  it('PostgreSQL has an index walk in the page\'s order for every shape (ids compared bytewise, as the index has them)', async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${SCHEMA}`);
    await admin.end();
    // One connection, planning as if the table were large: a sequential scan or a sort of
    // the org's chats must not be the only plan there is.
    const pool = new pg.Pool({ connectionString: PG_URL, max: 1, options: `-c search_path=${SCHEMA} -c enable_seqscan=off -c enable_sort=off -c enable_bitmapscan=off` });
    const log: CompiledQuery[] = [];
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: (e) => { log.push(e.query); } });
    try {
      await new Migrator({ db, provider: migrationProvider('postgres'), migrationTableSchema: SCHEMA }).migrateToLatest();
      await fill(db);
      for (const [what, shape, index] of SHAPES) {
        for (const q of await queriesOf(db, log, 'postgres', shape)) {
          const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`explain ${q.sql}`, q.parameters as unknown[]);
          const plan = rows.map((r) => r['QUERY PLAN']).join(' | ');
          if (byAgent(index)) {
            // Both walks in the page's order under a Limit, the rows by primary key; the Sort is of what the limited walks gave.
            expect(plan, `${what}: ${q.sql}`).toMatch(/Limit [^|]* \| +-> +Index Only Scan Backward using sessions_org_agent /);
            expect(plan, `${what}: ${q.sql}`).toMatch(/Limit [^|]* \| +-> +Index Only Scan Backward using chat_holders_org_agent /);
            expect(plan, `${what}: ${q.sql}`).not.toMatch(/Seq Scan|using sessions_(org_created|org_state|visitor)/);
            if (q.sql.includes('"record"')) expect(plan, `${what}: ${q.sql}`).toMatch(/Index Scan using sessions_pkey on sessions /);
            continue;
          }
          // Two indexes fit a state and an agent alike; the planner's choice then rests on statistics.
          if (!(what.includes('agent') && what.includes('state'))) expect(plan, `${what}: ${q.sql}`).toMatch(new RegExp(`Index (Only )?Scan Backward using ${index} `));
          expect(plan, `${what}: ${q.sql}`).not.toMatch(/Seq Scan|Sort/);
          // A lookup per row walked, or the agent's holder rows of this org hashed once: never every org's.
          if (q.sql.includes('chat_holders')) expect(plan, `${what}: ${q.sql}`).toMatch(/Index Only Scan using (chat_holders_pkey on chat_holders [^|]*\| +Index Cond: \(\(session_id|chat_holders_org_agent on chat_holders [^|]*\| +Index Cond: \(\(org_id = [^|]* AND \(agent_id = )/);
        }
      }
    } finally {
      await db.destroy();
    }
  });
});
