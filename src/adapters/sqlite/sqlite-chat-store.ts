/**
 * The embedded default store: SQLite in WAL mode through better-sqlite3.
 * synchronous=NORMAL keeps every committed batch across a process crash
 * (kill -9); `full` also fsyncs each commit for power loss (docs/adr/0002).
 *
 * The group-commit write is the hot path, so it runs as one synchronous
 * better-sqlite3 transaction over statements Kysely compiled once at start-up
 * (same SQL as the shared store, without per-query compile and prepare).
 * Checkpoints run in a worker thread, never inside a commit (wal-checkpointer.ts).
 */

/** How often the background checkpointer copies the WAL back into the database. */
const CHECKPOINT_INTERVAL_MS = 250;
/** After a checkpoint the WAL is reused from its start; beyond this it is also truncated. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
/**
 * Files up to this size get PRAGMA quick_check at start-up (a few seconds at most);
 * a larger one would hold the start up too long, so its check is skipped and logged.
 */
const QUICK_CHECK_MAX_BYTES = 256 * 1024 * 1024;
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { TransactionalDdlSqliteDialect } from './transactional-ddl-dialect.js';
import type { WriteBatch } from '../../ports/records.js';
import type { MigrationOutcome, PurgeScope } from '../../ports/chat-store.js';
import { WalCheckpointer, type CheckpointerLogger } from './wal-checkpointer.js';
import type { Clock } from '../../ports/clock.js';
import { systemClock } from '../memory/system-clock.js';
import { KyselyChatStore, WIPE_REFUSED, chatFileRow, sameEvent } from '../sql/kysely-chat-store.js';
import type { Database } from '../sql/schema.js';

export interface SqliteOptions {
  dataDir: string;
  synchronous: 'normal' | 'full';
  /** For tests: an in-memory database instead of a file. */
  inMemory?: boolean;
  /** Where start-up checks and background trouble (a checkpointer thread that died) are reported. */
  logger?: StoreLogger;
  /** Files up to this size are checked at start-up (QUICK_CHECK_MAX_BYTES by default; tests). */
  quickCheckMaxBytes?: number;
  /** Timers for the checkpointer's restart back-off; the system clock by default. */
  clock?: Pick<Clock, 'setTimeout'>;
}

class SqliteChatStore extends KyselyChatStore {
  private statements: ReturnType<SqliteChatStore['prepare']> | null = null;

  constructor(
    db: Kysely<Database>,
    private readonly database: Sqlite.Database,
    private readonly checkpointer: WalCheckpointer | null,
  ) {
    super(db, 'sqlite');
  }

  override async migrate(): Promise<MigrationOutcome> {
    const outcome = await super.migrate();
    this.statements = this.prepare();
    await this.checkpointer?.whenReady();
    return outcome;
  }

  /**
   * What a commit survives, as SQLite reports it for this connection (logged at
   * start-up): `normal` keeps every commit across a process crash, `full` also
   * across a power loss (docs/adr/0002).
   */
  durability(): { journalMode: string; synchronous: 'off' | 'normal' | 'full' | 'extra' } {
    const journalMode = String(this.database.pragma('journal_mode', { simple: true }));
    const level = Number(this.database.pragma('synchronous', { simple: true }));
    return { journalMode, synchronous: (['off', 'normal', 'full', 'extra'] as const)[level] ?? 'off' };
  }

  /** True once the checkpointer thread crashed too often to be restarted: the node is not ready. */
  checkpointsStopped(): boolean {
    return this.checkpointer?.gaveUp ?? false;
  }

  /**
   * The deleted rows' cells were overwritten in place (secure_delete), but their old
   * text is still in the write-ahead log: checkpoint it all and cut the log to zero.
   */
  override async scrubDeleted(): Promise<void> {
    await this.checkpointer?.checkpointNow('truncate');
  }

  /** Runs a WAL checkpoint now in the background thread (tests and diagnostics). */
  checkpointNow() {
    return this.checkpointer?.checkpointNow() ?? Promise.resolve(null);
  }

  override async close(): Promise<void> {
    await this.checkpointer?.stop().catch(() => undefined);
    await super.close();
  }

  /**
   * One synchronous better-sqlite3 transaction, not Kysely's: an await between
   * the statements of a Kysely transaction would let a group commit run inside it
   * on this one connection (as a savepoint), so a message acknowledged as durable
   * could still be rolled back with the purge.
   */
  override purgeClosedBefore(before: number, limit: number, scope: PurgeScope = {}): Promise<{ sessions: number; breadcrumbs: number }> {
    const st = this.statements;
    return st ? settled(() => st.purge(before, limit, scope)) : super.purgeClosedBefore(before, limit, scope);
  }

  /** One synchronous transaction, for the reason given at purgeClosedBefore. */
  override deleteClosedSessions(ids: readonly string[]): Promise<number> {
    const st = this.statements;
    return st ? settled(() => st.deleteClosed(ids)) : super.deleteClosedSessions(ids);
  }

  override write(batch: WriteBatch): Promise<void> {
    const st = this.statements;
    return st ? settled(() => st.transaction(batch)) : super.write(batch);
  }

  /** The group commit's write: one synchronous transaction (see the file comment). */
  writeSync(batch: WriteBatch): void {
    if (!this.statements) throw new Error('the SQLite store is not migrated yet');
    this.statements.transaction(batch);
  }

  private prepare() {
    const k = this.db;
    const compile = (q: { compile(): { sql: string } }) => this.database.prepare(q.compile().sql);
    const insertEvent = compile(k.insertInto('events').values({ session_id: '', offset: 0, vseq: 0, type: '', actor: '', at: 0, data: '' }));
    const upsertSession = compile(k.insertInto('sessions').values({
      id: '', owner: '', closed: 0, visitor_id: '', org_id: '', created_at: 0, chat_state: '', agent_id: '', button_id: '', ended_at: 0, end_reason: '', record: '', request: '', progress: null,
    }).onConflict((oc) => oc.column('id').doUpdateSet({
      owner: sql`excluded.owner`, closed: sql`excluded.closed`, visitor_id: sql`excluded.visitor_id`, org_id: sql`excluded.org_id`, created_at: sql`excluded.created_at`,
      chat_state: sql`excluded.chat_state`, agent_id: sql`excluded.agent_id`, button_id: sql`excluded.button_id`, ended_at: sql`excluded.ended_at`, end_reason: sql`excluded.end_reason`,
      record: sql`excluded.record`, request: sql`coalesce(excluded.request, sessions.request)`, progress: sql`excluded.progress`,
    })));
    // Most session writes change only the record (offsets, cursor). An UPDATE
    // whose SET list leaves the indexed columns out rewrites the table's page and
    // no index page; the upsert sets them all, so SQLite rewrites both secondary
    // indexes too (5 WAL pages per message instead of 3, bench/results). It
    // matches only when those columns are unchanged (the search columns of
    // migration 0008 included: a state change must reach them); otherwise the upsert runs.
    const updateRecordIfKeysUnchanged = this.database.prepare(
      'update "sessions" set "record" = ?, "progress" = null, "request" = coalesce(?, "request") where "id" = ? and "owner" = ? and "closed" = ? and "visitor_id" is ? and "org_id" is ? and "created_at" = ?'
      + ' and "chat_state" is ? and "agent_id" is ? and "button_id" is ? and "ended_at" is ? and "end_reason" is ?',
    );
    // And most of those change only the progress fields (SessionRow, docs/adr/0013).
    const updateProgress = this.database.prepare('update "sessions" set "progress" = ? where "id" = ?');
    const upsertStats = compile(k.insertInto('button_stats').values({ button_id: '', average_wait_ms: 0, samples: 0 })
      .onConflict((oc) => oc.column('button_id').doUpdateSet({ average_wait_ms: sql`excluded.average_wait_ms`, samples: sql`excluded.samples` })));
    // One already stored (a batch written again, ADR 0016) is skipped by its key.
    const insertCrumb = compile(k.insertInto('breadcrumbs').values({ key: '', visitor_id: '', org_id: '', location: '', at: 0 }).onConflict((oc) => oc.column('key').doNothing()));
    const storedEvent = this.database.prepare('select "type", "actor", "at", "data" from "events" where "session_id" = ? and "offset" = ?');
    // Holders are only added (an accept): one already stored, or a batch written again, is skipped.
    const insertHolder = compile(k.insertInto('chat_holders').values({ session_id: '', agent_id: '', org_id: '', created_at: 0 })
      .onConflict((oc) => oc.columns(['session_id', 'agent_id']).doNothing()));
    // Stored already by a batch written again (ADR 0016): skipped by its id.
    const insertFile = compile(k.insertInto('chat_files').values({ session_id: '', id: '', file_token: '', name: '', content_type: '', size: 0, sha256: '', uploaded_at: 0, bytes: new Uint8Array() })
      .onConflict((oc) => oc.columns(['session_id', 'id']).doNothing()));
    const transaction = this.database.transaction((batch: WriteBatch) => {
      if (batch.wipe) throw new Error(WIPE_REFUSED);
      for (const e of batch.events) {
        const data = JSON.stringify(e.data);
        try {
          insertEvent.run(e.sessionId, e.offset, e.vseq, e.type, e.actor, e.at, data);
        } catch (err) {
          // Written before by a batch whose answer was lost: the same row is skipped (see the shared store).
          const stored = (err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
            ? storedEvent.get(e.sessionId, e.offset) as { type: string; actor: string; at: number; data: string } | undefined : undefined;
          if (!stored || !sameEvent(stored, { type: e.type, actor: e.actor, at: e.at, data })) throw err;
        }
      }
      for (const s of batch.sessions) {
        if (s.json === null) {
          if (updateProgress.run(s.progressJson, s.id).changes === 0) throw new Error(`session ${s.id}: progress written before the session`);
          continue;
        }
        const closed = s.closed ? 1 : 0;
        if (updateRecordIfKeysUnchanged.run(s.json, s.requestJson, s.id, s.owner, closed, s.visitorId, s.orgId, s.createdAt, s.chatState, s.agentId, s.buttonId, s.endedAt, s.endReason).changes === 0) {
          upsertSession.run(s.id, s.owner, closed, s.visitorId, s.orgId, s.createdAt, s.chatState, s.agentId, s.buttonId, s.endedAt, s.endReason, s.json, s.requestJson, null);
        }
        // Set on the few full writes whose holders changed (SessionRow.holders), never with a message.
        if (s.holders && s.orgId !== null) for (const agentId of s.holders) insertHolder.run(s.id, agentId, s.orgId, s.createdAt);
      }
      for (const b of batch.buttonStats) upsertStats.run(b.buttonId, b.averageWaitMs, b.samples);
      for (const b of batch.visitorBreadcrumbs) insertCrumb.run(b.key, b.visitorId, b.orgId, b.location, b.at);
      for (const f of batch.files ?? []) {
        const row = chatFileRow(f);
        insertFile.run(row.session_id, row.id, row.file_token, row.name, row.content_type, row.size, row.sha256, row.uploaded_at, row.bytes);
      }
    });
    const dueSessions = this.database.prepare('select "id" from "sessions" where "closed" = 1 and "created_at" < ? limit ?').pluck();
    // A scope (ADR 0065's webhooks, ADR 0066's shards): prepared per retention batch (a few an hour, off the message path), one condition per org kept.
    const dueSessionsIn = (scope: PurgeScope) => {
      const keep = scope.keep ?? [];
      const orgs = scope.orgs === undefined ? '' : ` and ("org_id" is null${scope.orgs.length ? ` or "org_id" in (${scope.orgs.map(() => '?').join(', ')})` : ''})`;
      const statement = this.database.prepare(`select "id" from "sessions" where "closed" = 1 and "created_at" < ?${orgs}${
        ' and ("org_id" is null or "org_id" != ? or "ended_at" is null or "ended_at" < ? or ("ended_at" = ? and "id" <= ?))'.repeat(keep.length)} limit ?`).pluck();
      return (before: number, limit: number) => statement.all(before, ...(scope.orgs ?? []), ...keep.flatMap((k) => [k.orgId, k.after.endedAt, k.after.endedAt, k.after.id]), limit) as string[];
    };
    const deleteEvents = this.database.prepare('delete from "events" where "session_id" = ?');
    const deleteHolders = this.database.prepare('delete from "chat_holders" where "session_id" = ?');
    const deleteFiles = this.database.prepare('delete from "chat_files" where "session_id" = ?');
    const deleteSession = this.database.prepare('delete from "sessions" where "id" = ?');
    const deleteDueCrumbs = this.database.prepare('delete from "breadcrumbs" where "id" in (select "id" from "breadcrumbs" where "at" < ? limit ?)');
    const deleteWithEvents = (id: string): void => {
      deleteEvents.run(id);
      deleteFiles.run(id);
      deleteHolders.run(id);
      deleteSession.run(id);
    };
    const purge = this.database.transaction((before: number, limit: number, scope: PurgeScope) => {
      const ids = scope.keep?.length || scope.orgs ? dueSessionsIn(scope)(before, limit) : (dueSessions.all(before, limit) as string[]);
      for (const id of ids) deleteWithEvents(id);
      return { sessions: ids.length, breadcrumbs: scope.sessionsOnly ? 0 : deleteDueCrumbs.run(before, limit).changes };
    });
    const isClosed = this.database.prepare('select 1 from "sessions" where "id" = ? and "closed" = 1').pluck();
    const deleteClosed = this.database.transaction((ids: readonly string[]) => {
      let n = 0;
      for (const id of ids) {
        if (!isClosed.get(id)) continue;
        deleteWithEvents(id);
        n += 1;
      }
      return n;
    });
    return { transaction, purge, deleteClosed };
  }
}

export interface StoreLogger extends CheckpointerLogger {
  info(obj: object, msg: string): void;
}

export type SqliteStore = KyselyChatStore & Pick<SqliteChatStore, 'checkpointNow' | 'durability' | 'checkpointsStopped'>;

export function createSqliteChatStore(opts: SqliteOptions): SqliteStore {
  let file = ':memory:';
  if (!opts.inMemory) {
    mkdirSync(opts.dataDir, { recursive: true });
    file = join(opts.dataDir, 'switchboard.sqlite');
  }
  const existed = !opts.inMemory && existsSync(file);
  const database = new Sqlite(file);
  if (existed) {
    try {
      checkIntegrity(database, file, opts.quickCheckMaxBytes ?? QUICK_CHECK_MAX_BYTES, opts.logger);
    } catch (err) {
      database.close();
      throw err;
    }
  }
  database.pragma('journal_mode = WAL');
  database.pragma(`synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  // Deleted rows (erasure, retention) are overwritten, not only unlinked: their text does
  // not linger in free pages of the file. Deletes are rare and small; the hot path inserts.
  database.pragma('secure_delete = ON');
  let checkpointer: WalCheckpointer | null = null;
  if (!opts.inMemory) {
    database.pragma('wal_autocheckpoint = 0');
    database.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    checkpointer = new WalCheckpointer(file, CHECKPOINT_INTERVAL_MS, { timers: opts.clock ?? systemClock, logger: opts.logger });
  }
  const db = new Kysely<Database>({ dialect: new TransactionalDdlSqliteDialect({ database }) });
  return new SqliteChatStore(db, database, checkpointer);
}

/** A synchronous store call as a promise: its result, or its exception as the rejection. */
function settled<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/**
 * PRAGMA quick_check on an existing database file before anything uses it. The
 * health check reads only `meta`, so a file with corrupt pages would start and
 * report ready, and fail later on whichever chat sits on a bad page. It refuses
 * to start instead, saying which file and what SQLite found.
 */
function checkIntegrity(database: Sqlite.Database, file: string, maxBytes: number, logger: StoreLogger | undefined): void {
  const bytes = statSync(file).size;
  if (bytes > maxBytes) {
    logger?.info({ file, bytes, limitBytes: maxBytes }, 'SQLite integrity check (quick_check) skipped: the file is too large to check at every start');
    return;
  }
  let problems: string[];
  try {
    problems = (database.pragma('quick_check(20)') as { quick_check: string }[]).map((r) => r.quick_check);
  } catch (err) {
    problems = [err instanceof Error ? err.message : String(err)];
  }
  if (problems.length === 1 && problems[0] === 'ok') return;
  // Says what to run: copying a backup over the file would have SQLite replay the old -wal over it.
  const dir = dirname(file);
  throw new Error(`${file} is damaged (SQLite's quick_check: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ' …' : ''}). `
    + `To restore a backup taken with \`switchboard backup\`, run \`switchboard restore --from BACKUP_FILE --data-dir ${dir}\` (do not copy it over the file: the old switchboard.sqlite-wal would be replayed over it). `
    + `To start with an empty store instead, move switchboard.sqlite, switchboard.sqlite-wal and switchboard.sqlite-shm out of ${dir}.`);
}
