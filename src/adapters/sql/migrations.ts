/**
 * Schema migrations, as code, run at start-up by both SQL stores. Append new
 * migrations; never edit one that has shipped.
 */
import { sql, type Kysely, type Migration, type MigrationProvider, type RawBuilder } from 'kysely';
import { replaceNulInStoredJson } from './nul-in-stored-json.js';

export type SqlDialectName = 'sqlite' | 'postgres';

/** Sessions per statement of migration 0010's backfill. */
const HOLDERS_BACKFILL_BATCH = 1000;

function migrations(dialect: SqlDialectName): Record<string, Migration> {
  return {
  '0001-initial': {
    async up(db: Kysely<unknown>) {
      await db.schema.createTable('sessions').ifNotExists()
        .addColumn('id', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('owner', 'varchar(32)', (c) => c.notNull())
        .addColumn('closed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('visitor_id', 'varchar(256)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('record', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sessions_open').ifNotExists().on('sessions').columns(['closed', 'owner']).execute();
      await db.schema.createIndex('sessions_visitor').ifNotExists().on('sessions').columns(['visitor_id', 'created_at']).execute();
      await db.schema.createTable('events').ifNotExists()
        .addColumn('session_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('offset', 'integer', (c) => c.notNull())
        .addColumn('vseq', 'integer')
        .addColumn('type', 'varchar(64)', (c) => c.notNull())
        .addColumn('actor', 'varchar(16)', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('events_pk', ['session_id', 'offset'])
        // One B-tree per event insert on SQLite (the hot path): the primary key is the table.
        .$call((b) => (dialect === 'sqlite' ? b.modifyEnd(sql`without rowid`) : b))
        .execute();
      // No index on vseq: visitor reads walk the session's primary-key range (vseq grows with offset).
      await db.schema.createTable('button_stats').ifNotExists()
        .addColumn('button_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('average_wait_ms', 'double precision')
        .addColumn('samples', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createTable('breadcrumbs').ifNotExists()
        .addColumn('id', dialect === 'sqlite' ? 'integer' : 'serial', (c) => (dialect === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey()))
        .addColumn('visitor_id', 'varchar(256)', (c) => c.notNull())
        .addColumn('location', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('breadcrumbs_visitor').ifNotExists().on('breadcrumbs').columns(['visitor_id', 'id']).execute();
      await db.schema.createTable('meta').ifNotExists()
        .addColumn('key', 'varchar(128)', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
      await sql`select 1`.execute(db);
    },
  },
  '0003-session-request-column': {
    async up(db: Kysely<unknown>) {
      // The chat request moves out of the record JSON that every message rewrites
      // (docs/adr/0009). Older rows keep it inside `record`; readers merge both.
      await db.schema.alterTable('sessions').addColumn('request', 'text').execute();
    },
  },
  '0004-retention-index': {
    async up(db: Kysely<unknown>) {
      // Retention finds closed sessions by age (purgeClosedBefore); the index changes only
      // when a session closes, never on the per-message record update.
      await db.schema.createIndex('sessions_closed_created').ifNotExists().on('sessions').columns(['closed', 'created_at']).execute();
    },
  },
  '0005-session-progress-column': {
    async up(db: Kysely<unknown>) {
      // Offsets, cursor and acks change with every message: written alone instead of
      // re-serializing the whole record each time (docs/adr/0013). Null means the
      // record column is current; readers merge the two.
      await db.schema.alterTable('sessions').addColumn('progress', 'text').execute();
    },
  },
  '0006-org-columns': {
    async up(db: Kysely<unknown>) {
      // Visitor ids are client-chosen, or one browser's across every site a server
      // hosts: a visitor's earlier chats and breadcrumbs are read per org, so no
      // tenant sees another's. Sessions take the org of their request (backfilled);
      // breadcrumbs that of the chat they were posted in, older ones stay unattributed.
      await db.schema.alterTable('sessions').addColumn('org_id', 'varchar(128)').execute();
      await db.schema.alterTable('breadcrumbs').addColumn('org_id', 'varchar(128)').execute();
      const backfill = dialect === 'sqlite'
        ? sql`update sessions set org_id = coalesce(json_extract(request, '$.orgId'), json_extract(record, '$.request.orgId'))`
        : sql`update sessions set org_id = coalesce(request::json ->> 'orgId', record::json -> 'request' ->> 'orgId')`;
      await backfill.execute(db);
      // Replaces sessions_visitor (visitor_id, created_at), a prefix of it: still one index to keep per full write.
      await db.schema.createIndex('sessions_visitor_org').ifNotExists().on('sessions').columns(['visitor_id', 'org_id', 'created_at']).execute();
      await db.schema.dropIndex('sessions_visitor').ifExists().execute();
    },
  },
  '0007-breadcrumb-key': {
    async up(db: Kysely<unknown>) {
      // A batch written again after its COMMIT's answer was lost (docs/adr/0016) brings its
      // breadcrumbs again: their key skips those already stored, as the primary key does for
      // events. Rows from before have none (NULLs do not collide in a unique index).
      await db.schema.alterTable('breadcrumbs').addColumn('key', 'varchar(64)').execute();
      await db.schema.createIndex('breadcrumbs_key').unique().on('breadcrumbs').column('key').execute();
    },
  },
  '0008-chat-search': {
    async up(db: Kysely<unknown>) {
      // A supervisor's search of the org's chats, live and past (docs/adr/0023). What it filters
      // on is inside the record JSON, which no index reaches: copied into columns, which change
      // with full writes only (a few per chat), never with the per-message progress write.
      for (const [name, type] of [['chat_state', 'varchar(16)'], ['agent_id', 'varchar(128)'], ['button_id', 'varchar(128)'], ['ended_at', 'bigint'], ['end_reason', 'text']] as const) {
        await db.schema.alterTable('sessions').addColumn(name, type).execute();
      }
      // Rows written before 0003 have their request inside the record.
      const backfill = dialect === 'sqlite'
        ? sql`update sessions set chat_state = json_extract(record, '$.chatState'), agent_id = json_extract(record, '$.agentId'),
            button_id = coalesce(json_extract(request, '$.buttonId'), json_extract(record, '$.request.buttonId')),
            ended_at = json_extract(record, '$.endedAt'), end_reason = json_extract(record, '$.endReason')`
        : sql`update sessions set chat_state = record::json ->> 'chatState', agent_id = record::json ->> 'agentId',
            button_id = coalesce(request::json ->> 'buttonId', record::json -> 'request' ->> 'buttonId'),
            ended_at = round((record::json ->> 'endedAt')::numeric)::bigint, end_reason = record::json ->> 'endReason'`;
      await backfill.execute(db);
      // Newest first within an org, the id breaking ties: the order of every page. PostgreSQL
      // compares ids bytewise ("C"), as SQLite and the memory store do, whatever the database's collation.
      const id = dialect === 'postgres' ? sql`id collate "C"` : sql`id`;
      await sql`create index if not exists sessions_org_created on sessions (org_id, created_at, ${id})`.execute(db);
      // The filters that pick a small share of an org's chats: an agent's, a state's (all but
      // `ended`: the chats running now), a visitor's. The visitor's replaces sessions_visitor_org,
      // a prefix of it (still one index per full write): without the id it cannot give the order,
      // and SQLite then walks the org's index instead, all of it for a visitor's few chats.
      await sql`create index if not exists sessions_org_agent on sessions (org_id, agent_id, created_at, ${id})`.execute(db);
      await sql`create index if not exists sessions_org_state on sessions (org_id, chat_state, created_at, ${id})`.execute(db);
      await sql`create index if not exists sessions_visitor_org_created on sessions (visitor_id, org_id, created_at, ${id})`.execute(db);
      await db.schema.dropIndex('sessions_visitor_org').ifExists().execute();
    },
  },
  '0009-nul-in-stored-json': {
    async up(db: Kysely<unknown>) {
      // PostgreSQL refuses a `\u0000` escape in JSON it processes (`::jsonb`, `->>`): stored JSON
      // holding a NUL, from before the API replaced it, is written again with U+FFFD (docs/adr/0035).
      await replaceNulInStoredJson(db, dialect);
    },
  },
  '0010-chat-holders': {
    async up(db: Kysely<unknown>) {
      // Every agent who held a chat (SessionRecord.holders, inside the record JSON): a chat
      // search finds a chat under each of them, not only under the agent who has it now
      // (docs/adr/0023, note). A table of its own, one row per chat and holder, written when
      // the holders change (an accept), never with a message. org_id and created_at are the
      // session's (neither ever changes): the walk index gives the search's order by itself.
      const collateC = dialect === 'postgres' ? sql` collate "C"` : sql``;
      await sql`create table if not exists chat_holders (
        session_id varchar(128) not null, agent_id varchar(128) not null, org_id varchar(128) not null, created_at bigint not null,
        primary key (session_id, agent_id))${dialect === 'sqlite' ? sql` without rowid` : sql``}`.execute(db);
      // The primary key serves the deletes with the session (erasure, retention) and the check
      // "did this agent hold this chat" when another filter drives the walk; this one the walk.
      await sql`create index if not exists chat_holders_org_agent on chat_holders (org_id, agent_id, created_at, session_id${collateC})`.execute(db);
      // Backfilled from each record, HOLDERS_BACKFILL_BATCH sessions per statement (by id, in
      // the primary key's order): the work stays in the database, the process holds one id.
      const holders = dialect === 'sqlite'
        ? sql`select s.id, h.value, s.org_id, s.created_at from sessions s, json_each(s.record, '$.holders') h
            where s.org_id is not null and json_type(s.record, '$.holders') = 'array'`
        : sql`select s.id, h.value, s.org_id, s.created_at from sessions s cross join lateral json_array_elements_text(s.record::json -> 'holders') as h(value)
            where s.org_id is not null and json_typeof(s.record::json -> 'holders') = 'array'`;
      let after: string | null = null;
      for (;;) {
        const from: RawBuilder<unknown> = after === null ? sql`` : sql`where id > ${after}`;
        const last: { rows: { id: string }[] } = await sql<{ id: string }>`select id from sessions ${from} order by id limit 1 offset ${HOLDERS_BACKFILL_BATCH - 1}`.execute(db);
        const upTo: string | null = last.rows[0]?.id ?? null;
        const range = [...(after === null ? [] : [sql`s.id > ${after}`]), ...(upTo === null ? [] : [sql`s.id <= ${upTo}`])];
        await sql`insert into chat_holders (session_id, agent_id, org_id, created_at)
          ${holders}${range.length ? sql` and ${sql.join(range, sql` and `)}` : sql``}
          on conflict (session_id, agent_id) do nothing`.execute(db);
        if (upTo === null) break;
        after = upTo;
      }
    },
  },
  '0011-chat-files': {
    async up(db: Kysely<unknown>) {
      // One row per uploaded file, keyed by its session first: the deletes with the session
      // (retention, erasure) and a chat's listing walk the primary key. The bytes sit in the
      // row: files are small (fileTransfer.maxBytes, at most 100 MiB) and go with their chat.
      await db.schema.createTable('chat_files').ifNotExists()
        .addColumn('session_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('id', 'varchar(64)', (c) => c.notNull())
        .addColumn('file_token', 'varchar(128)', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'varchar(64)', (c) => c.notNull())
        .addColumn('uploaded_at', 'bigint', (c) => c.notNull())
        .addColumn('bytes', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
        .addPrimaryKeyConstraint('chat_files_pk', ['session_id', 'id'])
        .execute();
      // A token is answered by one file at most: a second upload can never be stored beside the first.
      await db.schema.createIndex('chat_files_token').ifNotExists().unique().on('chat_files').columns(['session_id', 'file_token']).execute();
    },
  },
  '0012-visitor-blocks': {
    async up(db: Kysely<unknown>) {
      // Visitor blocks (ADR 0055): few rows, read whole at start-up and per org by the admin
      // API; the index gives that listing its order (creation, then id).
      await db.schema.createTable('visitor_blocks').ifNotExists()
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('org_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('ip_range', 'varchar(64)', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_by', 'varchar(128)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('chat_id', 'varchar(128)')
        .execute();
      await db.schema.createIndex('visitor_blocks_org').ifNotExists().on('visitor_blocks').columns(['org_id', 'created_at', 'id']).execute();
    },
  },
  '0013-offline-messages': {
    async up(db: Kysely<unknown>) {
      // Messages visitors left when no one could chat (ADR 0063). The index gives the agent
      // API's listing its order (newest first, keyset on creation time and id) per org; the
      // status filter walks it too (an org's messages are few).
      await db.schema.createTable('offline_messages').ifNotExists()
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('org_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('deployment_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('button_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('language', 'varchar(64)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('handled_by', 'varchar(128)')
        .addColumn('handled_at', 'bigint')
        .execute();
      await db.schema.createIndex('offline_messages_org').ifNotExists().on('offline_messages').columns(['org_id', 'created_at', 'id']).execute();
    },
  },
  '0014-ended-chats': {
    async up(db: Kysely<unknown>) {
      // Webhook senders (ADR 0065) read an org's ended chats oldest first from a cursor
      // (when it ended, then id): without this index every read walks all the org's chats.
      const id = dialect === 'postgres' ? sql`id collate "C"` : sql`id`;
      await sql`create index if not exists sessions_org_ended on sessions (org_id, ended_at, ${id})`.execute(db);
    },
  },
  '0002-documents': {
    async up(db: Kysely<unknown>) {
      // Small JSON documents managed through the admin API: users, API keys.
      await db.schema.createTable('documents').ifNotExists()
        .addColumn('kind', 'varchar(32)', (c) => c.notNull())
        .addColumn('id', 'varchar(128)', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('documents_pk', ['kind', 'id'])
        .execute();
    },
  },
  };
}

export function migrationProvider(dialect: SqlDialectName): MigrationProvider {
  return { getMigrations: () => Promise.resolve(migrations(dialect)) };
}

/**
 * Executed migrations this binary does not know, oldest first: the store was
 * written by a newer Switchboard (a downgrade). Kysely would refuse them too,
 * as "corrupted migrations", without saying what happened or what to do.
 */
export function unknownMigrations(dialect: SqlDialectName, executed: readonly string[]): string[] {
  const known = migrations(dialect);
  return executed.filter((name) => !(name in known)).sort();
}

/** Thrown at start-up (and by restore) for a store a newer Switchboard has migrated. */
export class NewerStoreError extends Error {
  constructor(readonly migrationNames: readonly string[]) {
    super(`this data was written by a newer Switchboard (migration ${migrationNames.join(', ')}); downgrades are not supported — run that version or a newer one, or restore a backup taken before the upgrade`);
    this.name = 'NewerStoreError';
  }
}
