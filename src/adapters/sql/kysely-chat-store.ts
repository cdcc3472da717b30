/**
 * The ChatStore over Kysely, shared by SQLite and PostgreSQL: the same queries,
 * a different dialect. Each write batch is one transaction (group commit).
 */
import { DEFAULT_MIGRATION_TABLE, Migrator, sql, type Kysely, type Transaction } from 'kysely';
import { WriterFencedError, type ChatStore, type EndedPosition, type MigrationOutcome, type OfflineMessagePosition, type OfflineMessageQuery, type OfflinePurgeScope, type SessionSearch, type SessionSearchPage, type PurgeScope } from '../../ports/chat-store.js';
import { compareOpenSessions, fromSessionRow, type ButtonStatsRecord, type ChatFileMeta, type ChatFileRecord, type LogEvent, type OfflineMessageRecord, type SessionRecord, type VisitorBlockRecord, type WriteBatch } from '../../ports/records.js';
import { NewerStoreError, migrationProvider, unknownMigrations, type SqlDialectName } from './migrations.js';
import type { Database, EventsTable } from './schema.js';
import { searchSessions } from './session-search.js';
import * as offline from './offline-message-queries.js';

/**
 * The emulator's reset wipes the memory store only (ADR 0022): a durable store refuses
 * a wiping batch rather than write it without the wipe.
 */
export const WIPE_REFUSED = 'this store does not wipe: the emulator resets the memory store only (ADR 0022)';

/** The `meta` key of the writer epoch (ADR 0048). */
export const WRITER_EPOCH_KEY = 'writer_epoch';

/** SQLite limits bound parameters per statement; keep multi-row inserts under it. */
const EVENT_ROWS_PER_INSERT = 100;

export class KyselyChatStore implements ChatStore {
  readonly kind: string;
  /** Set by claimWriter: the epoch this node raised, checked by every PostgreSQL write (ADR 0048). */
  private writer: { epoch: number; key: string; onFenced: () => void; told: boolean } | null = null;

  constructor(
    protected readonly db: Kysely<Database>,
    private readonly dialect: SqlDialectName,
    /** PostgreSQL schema holding the tables (and Kysely's migration bookkeeping). */
    private readonly schema?: string,
  ) {
    this.kind = dialect;
  }

  migrate(): Promise<MigrationOutcome> {
    return this.migrateWith(this.db);
  }

  /** Runs the migrations over `db` (PostgreSQL migrates on a connection of its own, without the statement timeout). */
  protected async migrateWith(db: Kysely<Database>): Promise<MigrationOutcome> {
    // A downgrade: refused with what happened and what to do, before Kysely's "corrupted migrations".
    const executed = await this.executedMigrations(db);
    const newer = unknownMigrations(this.dialect, executed);
    if (newer.length) throw new NewerStoreError(newer);
    const migrator = new Migrator({ db, provider: migrationProvider(this.dialect), ...(this.schema ? { migrationTableSchema: this.schema } : {}) });
    const { error, results } = await migrator.migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error || failed) {
      throw new Error(`${failed ? `migration ${failed.migrationName}` : 'migrations'} failed: ${String(error)}`, { cause: error });
    }
    return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName), before: executed.length };
  }

  /** Names in Kysely's migration table; none before the first start. */
  private async executedMigrations(db: Kysely<Database>): Promise<string[]> {
    const table = sql.table(this.schema ? `${this.schema}.${DEFAULT_MIGRATION_TABLE}` : DEFAULT_MIGRATION_TABLE);
    try {
      const { rows } = await sql<{ name: string }>`select name from ${table}`.execute(db);
      return rows.map((r) => r.name);
    } catch (err) {
      // SQLite's "no such table", PostgreSQL's undefined_table: a new store.
      if ((err as { code?: string }).code === '42P01' || /no such table/.test(String(err))) return [];
      throw err;
    }
  }

  async claimWriter(onFenced: () => void, key = WRITER_EPOCH_KEY): Promise<number> {
    const epoch = await this.raiseWriterEpoch(key);
    this.writer = { epoch, key, onFenced, told: false };
    return epoch;
  }

  /**
   * Adds one to the writer epoch and returns it. On PostgreSQL the update waits for
   * the write transactions under way that hold the row (FOR SHARE), so none of the
   * old writer's commits lands after it. Same SQL on both dialects.
   */
  protected raiseWriterEpoch(key: string): Promise<number> {
    return raiseWriterEpochOn(this.db, key);
  }

  /**
   * A write transaction: on PostgreSQL, once this node claimed the store, it first
   * reads the writer epoch with a share lock and refuses to go on if another node has
   * raised it (ADR 0048). The lock is held to the commit, so a raise waits for it.
   */
  protected writeTransaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      await this.checkFence(trx);
      return work(trx);
    });
  }

  /** A single-statement write: a transaction of its own only where the fence needs one. */
  protected writeStatement<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.fencing() ? this.writeTransaction(work) : work(this.db);
  }

  private fencing(): boolean {
    // SQLite needs no fence: its lock is the operating system's, lost only with the process.
    return this.writer !== null && this.dialect === 'postgres';
  }

  private async checkFence(trx: Transaction<Database>): Promise<void> {
    const w = this.writer;
    if (w === null || this.dialect !== 'postgres') return;
    const row = await trx.selectFrom('meta').select('value').where('key', '=', w.key).forShare().executeTakeFirst();
    if (row !== undefined && Number(row.value) === w.epoch) return;
    if (!w.told) {
      w.told = true;
      w.onFenced();
    }
    throw new WriterFencedError(w.epoch, row?.value ?? null);
  }

  async write(batch: WriteBatch): Promise<void> {
    if (batch.wipe) throw new Error(WIPE_REFUSED);
    if (!batch.sessions.length && !batch.events.length && !batch.buttonStats.length && !batch.visitorBreadcrumbs.length && !batch.files?.length) return;
    await this.writeTransaction(async (trx) => {
      for (let i = 0; i < batch.events.length; i += EVENT_ROWS_PER_INSERT) {
        const rows: EventsTable[] = batch.events.slice(i, i + EVENT_ROWS_PER_INSERT).map((e) => ({
          session_id: e.sessionId, offset: e.offset, vseq: e.vseq, type: e.type, actor: e.actor, at: e.at, data: JSON.stringify(e.data),
        }));
        // A batch written again after a commit whose answer was lost (ADR 0016) finds its events
        // there already: the same rows are skipped; a different event at a taken offset is refused.
        const inserted = await trx.insertInto('events').values(rows).onConflict((oc) => oc.columns(['session_id', 'offset']).doNothing())
          .returning(['session_id', 'offset']).execute();
        if (inserted.length < rows.length) {
          const fresh = new Set(inserted.map((r) => `${r.session_id}\u0000${Number(r.offset)}`));
          for (const row of rows) {
            if (fresh.has(`${row.session_id}\u0000${row.offset}`)) continue;
            const stored = await trx.selectFrom('events').select(['type', 'actor', 'at', 'data']).where('session_id', '=', row.session_id).where('offset', '=', row.offset).executeTakeFirst();
            if (!stored || !sameEvent(stored, row)) throw new Error(`event ${row.offset} of ${row.session_id} exists with other content`);
          }
        }
      }
      for (const s of batch.sessions) {
        if (s.json === null) {
          const r = await trx.updateTable('sessions').set({ progress: s.progressJson }).where('id', '=', s.id).executeTakeFirst();
          if (Number(r.numUpdatedRows) === 0) throw new Error(`session ${s.id}: progress written before the session`);
          continue;
        }
        const row = {
          id: s.id, owner: s.owner, closed: s.closed ? 1 : 0, visitor_id: plainText(s.visitorId), org_id: s.orgId, created_at: s.createdAt,
          chat_state: s.chatState, agent_id: s.agentId, button_id: s.buttonId, ended_at: s.endedAt, end_reason: s.endReason, record: s.json, request: s.requestJson, progress: null,
        };
        await trx.insertInto('sessions').values(row)
          .onConflict((oc) => oc.column('id').doUpdateSet({
            owner: row.owner, closed: row.closed, visitor_id: row.visitor_id, org_id: row.org_id, created_at: row.created_at, chat_state: row.chat_state, agent_id: row.agent_id,
            button_id: row.button_id, ended_at: row.ended_at, end_reason: row.end_reason, record: row.record, request: sql`coalesce(excluded.request, sessions.request)`, progress: null,
          }))
          .execute();
        // Holders are only added (an accept): one already stored, or a batch written again, is skipped.
        if (s.holders?.length && s.orgId !== null) {
          const { orgId } = s;
          await trx.insertInto('chat_holders').values(s.holders.map((agentId) => ({ session_id: s.id, agent_id: agentId, org_id: orgId, created_at: s.createdAt })))
            .onConflict((oc) => oc.columns(['session_id', 'agent_id']).doNothing()).execute();
        }
      }
      for (const b of batch.buttonStats) {
        await trx.insertInto('button_stats').values({ button_id: b.buttonId, average_wait_ms: b.averageWaitMs, samples: b.samples })
          .onConflict((oc) => oc.column('button_id').doUpdateSet({ average_wait_ms: b.averageWaitMs, samples: b.samples }))
          .execute();
      }
      for (const f of batch.files ?? []) {
        // Stored already by a batch written again (ADR 0016): skipped by its id.
        await trx.insertInto('chat_files').values(chatFileRow(f)).onConflict((oc) => oc.columns(['session_id', 'id']).doNothing()).execute();
      }
      if (batch.visitorBreadcrumbs.length) {
        // One already stored (a batch written again, ADR 0016) is skipped by its key.
        await trx.insertInto('breadcrumbs').values(batch.visitorBreadcrumbs.map((b) => ({ key: b.key, visitor_id: plainText(b.visitorId), org_id: b.orgId, location: plainText(b.location), at: b.at })))
          .onConflict((oc) => oc.column('key').doNothing()).execute();
      }
    });
  }

  async loadOpenSessions(): Promise<SessionRecord[]> {
    const rows = await this.db.selectFrom('sessions').select(['record', 'request', 'progress']).where('closed', '=', 0).execute();
    return rows.map((r) => fromSessionRow(r.record, r.request, r.progress)).sort(compareOpenSessions);
  }

  async getSession(id: string): Promise<SessionRecord | null> {
    const row = await this.db.selectFrom('sessions').select(['record', 'request', 'progress']).where('id', '=', id).executeTakeFirst();
    return row ? fromSessionRow(row.record, row.request, row.progress) : null;
  }

  async readEvents(sessionId: string, afterOffset: number, limit: number): Promise<LogEvent[]> {
    const rows = await this.db.selectFrom('events').selectAll()
      .where('session_id', '=', sessionId).where('offset', '>', afterOffset)
      .orderBy('offset').limit(limit).execute();
    return rows.map(toLogEvent);
  }

  async readEventsOfTypes(sessionId: string, types: readonly string[], afterOffset: number, limit: number): Promise<LogEvent[]> {
    if (!types.length) return [];
    // The session's primary-key range, filtered in the database: only the matching rows come back.
    const rows = await this.db.selectFrom('events').selectAll()
      .where('session_id', '=', sessionId).where('offset', '>', afterOffset).where('type', 'in', [...types])
      .orderBy('offset').limit(limit).execute();
    return rows.map(toLogEvent);
  }

  async readVisitorEvents(sessionId: string, afterVseq: number, limit: number): Promise<LogEvent[]> {
    const rows = await this.db.selectFrom('events').selectAll()
      .where('session_id', '=', sessionId).where('vseq', '>', afterVseq)
      .orderBy('offset').limit(limit).execute();
    return rows.map(toLogEvent);
  }

  async loadButtonStats(): Promise<ButtonStatsRecord[]> {
    const rows = await this.db.selectFrom('button_stats').selectAll().execute();
    return rows.map((r) => ({ buttonId: r.button_id, averageWaitMs: r.average_wait_ms === null ? null : Number(r.average_wait_ms), samples: Number(r.samples) }));
  }

  async listChatFiles(sessionId: string): Promise<ChatFileMeta[]> {
    const rows = await this.db.selectFrom('chat_files').select(FILE_META_COLUMNS).where('session_id', '=', sessionId).orderBy('uploaded_at').orderBy('id').execute();
    return rows.map(toChatFileMeta);
  }

  async getChatFile(sessionId: string, fileId: string): Promise<ChatFileRecord | null> {
    const row = await this.db.selectFrom('chat_files').select([...FILE_META_COLUMNS, 'bytes']).where('session_id', '=', sessionId).where('id', '=', fileId).executeTakeFirst();
    return row ? { ...toChatFileMeta(row), bytes: new Uint8Array(row.bytes) } : null;
  }

  async getChatFileByToken(sessionId: string, fileToken: string): Promise<ChatFileMeta | null> {
    const row = await this.db.selectFrom('chat_files').select(FILE_META_COLUMNS).where('session_id', '=', sessionId).where('file_token', '=', fileToken).executeTakeFirst();
    return row ? toChatFileMeta(row) : null;
  }

  async readBreadcrumbs(orgId: string, visitorId: string, limit: number): Promise<{ location: string; at: number }[]> {
    const rows = await this.db.selectFrom('breadcrumbs').select(['location', 'at', 'id'])
      .where('visitor_id', '=', visitorId).where((eb) => eb.or([eb('org_id', '=', orgId), eb('org_id', 'is', null)]))
      .orderBy('id', 'desc').limit(limit).execute();
    return rows.reverse().map((r) => ({ location: r.location, at: Number(r.at) }));
  }

  async findSessionsByVisitor(orgId: string | null, visitorId: string, limit: number): Promise<SessionRecord[]> {
    const rows = await this.db.selectFrom('sessions').select(['record', 'request', 'progress'])
      .where('visitor_id', '=', visitorId).$if(orgId !== null, (q) => q.where('org_id', '=', orgId))
      .orderBy('created_at', 'desc').limit(limit).execute();
    return rows.map((r) => fromSessionRow(r.record, r.request, r.progress));
  }

  searchSessions(q: SessionSearch): Promise<SessionSearchPage> {
    return searchSessions(this.db, this.dialect, q);
  }

  /** Ids compared bytewise on PostgreSQL too, as the index of migration 0014 orders them (SQLite's default is bytewise). */
  private bytewiseId() {
    return this.dialect === 'postgres' ? sql<string>`id collate "C"` : sql<string>`id`;
  }

  async listEndedChats(orgId: string, after: EndedPosition | null, limit: number): Promise<SessionRecord[]> {
    const id = this.bytewiseId();
    const rows = await this.db.selectFrom('sessions').select(['record', 'request', 'progress'])
      .where('org_id', '=', orgId).where('ended_at', 'is not', null)
      .$if(after !== null, (q) => q.where((eb) => eb.or([eb('ended_at', '>', after!.endedAt), eb.and([eb('ended_at', '=', after!.endedAt), eb(id, '>', after!.id)])])))
      .orderBy('ended_at').orderBy(id).limit(limit).execute();
    return rows.map((r) => fromSessionRow(r.record, r.request, r.progress));
  }

  async countEndedChats(orgId: string, after: EndedPosition | null, cap: number): Promise<number> {
    const id = this.bytewiseId();
    // Counted over a limited subquery: the index walk stops at the cap, however long the backlog.
    const row = await this.db.selectFrom((eb) => eb.selectFrom('sessions').select('id')
      .where('org_id', '=', orgId).where('ended_at', 'is not', null)
      .$if(after !== null, (q) => q.where((e) => e.or([e('ended_at', '>', after!.endedAt), e.and([e('ended_at', '=', after!.endedAt), e(id, '>', after!.id)])])))
      .limit(cap).as('backlog'))
      .select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async purgeClosedBefore(before: number, limit: number, scope: PurgeScope = {}): Promise<{ sessions: number; breadcrumbs: number }> {
    const keep = scope.keep ?? [];
    const orgs = scope.orgs;
    return this.writeTransaction(async (trx) => {
      const ids = (await trx.selectFrom('sessions').select('id').where('closed', '=', 1).where('created_at', '<', before)
        .$if(orgs !== undefined, (q) => q.where((eb) => (orgs!.length ? eb.or([eb('org_id', 'is', null), eb('org_id', 'in', [...orgs!])]) : eb('org_id', 'is', null))))
        // Not yet delivered to a webhook: kept (ended_at is null for a session that never started a chat).
        .$if(keep.length > 0, (q) => q.where((eb) => eb.and(keep.map((k) => eb.or([
          eb('org_id', 'is', null), eb('org_id', '!=', k.orgId), eb('ended_at', 'is', null), eb('ended_at', '<', k.after.endedAt),
          eb.and([eb('ended_at', '=', k.after.endedAt), eb(this.bytewiseId(), '<=', k.after.id)]),
        ])))))
        .limit(limit).execute()).map((r) => r.id);
      if (ids.length) {
        await trx.deleteFrom('events').where('session_id', 'in', ids).execute();
        await trx.deleteFrom('chat_files').where('session_id', 'in', ids).execute();
        await trx.deleteFrom('chat_holders').where('session_id', 'in', ids).execute();
        await trx.deleteFrom('sessions').where('id', 'in', ids).execute();
      }
      if (scope.sessionsOnly) return { sessions: ids.length, breadcrumbs: 0 };
      const crumbs = (await trx.selectFrom('breadcrumbs').select('id').where('at', '<', before).limit(limit).execute()).map((r) => r.id);
      if (crumbs.length) await trx.deleteFrom('breadcrumbs').where('id', 'in', crumbs).execute();
      return { sessions: ids.length, breadcrumbs: crumbs.length };
    });
  }

  async deleteClosedSessions(ids: readonly string[]): Promise<number> {
    if (!ids.length) return 0;
    return this.writeTransaction(async (trx) => {
      const closed = (await trx.selectFrom('sessions').select('id').where('id', 'in', [...ids]).where('closed', '=', 1).execute()).map((r) => r.id);
      if (!closed.length) return 0;
      await trx.deleteFrom('events').where('session_id', 'in', closed).execute();
      await trx.deleteFrom('chat_files').where('session_id', 'in', closed).execute();
      await trx.deleteFrom('chat_holders').where('session_id', 'in', closed).execute();
      await trx.deleteFrom('sessions').where('id', 'in', closed).execute();
      return closed.length;
    });
  }

  /** PostgreSQL: deleted rows stay in the heap until VACUUM (autovacuum), as documented. */
  async scrubDeleted(): Promise<void> {}

  async deleteBreadcrumbs(orgId: string, visitorId: string, withUnattributed: boolean): Promise<number> {
    const r = await this.writeStatement((db) => db.deleteFrom('breadcrumbs').where('visitor_id', '=', visitorId)
      .where((eb) => (withUnattributed ? eb.or([eb('org_id', '=', orgId), eb('org_id', 'is', null)]) : eb('org_id', '=', orgId)))
      .executeTakeFirst());
    return Number(r.numDeletedRows);
  }

  async getMeta(key: string): Promise<string | null> {
    const row = await this.db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value ?? null;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.writeStatement((db) => db.insertInto('meta').values({ key, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute());
  }

  async claimMeta(key: string, value: string): Promise<string> {
    await this.writeStatement((db) => db.insertInto('meta').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).execute());
    return (await this.getMeta(key)) ?? value;
  }

  async listDocuments(kind: string): Promise<{ id: string; body: unknown }[]> {
    const rows = await this.db.selectFrom('documents').select(['id', 'body']).where('kind', '=', kind).orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, body: JSON.parse(r.body) as unknown }));
  }

  async putDocument(kind: string, id: string, body: unknown): Promise<void> {
    const text = JSON.stringify(body);
    await this.writeStatement((db) => db.insertInto('documents').values({ kind, id, body: text })
      .onConflict((oc) => oc.columns(['kind', 'id']).doUpdateSet({ body: text })).execute());
  }

  async claimDocument(kind: string, id: string, body: unknown): Promise<boolean> {
    const r = await this.writeStatement((db) => db.insertInto('documents').values({ kind, id, body: JSON.stringify(body) })
      .onConflict((oc) => oc.columns(['kind', 'id']).doNothing()).executeTakeFirst());
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async deleteDocument(kind: string, id: string): Promise<boolean> {
    const r = await this.writeStatement((db) => db.deleteFrom('documents').where('kind', '=', kind).where('id', '=', id).executeTakeFirst());
    return Number(r.numDeletedRows) > 0;
  }

  async listVisitorBlocks(orgId: string | null): Promise<VisitorBlockRecord[]> {
    const rows = await this.db.selectFrom('visitor_blocks').selectAll()
      .$if(orgId !== null, (q) => q.where('org_id', '=', orgId!)).orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => ({
      id: r.id, orgId: r.org_id, ipRange: r.ip_range, reason: r.reason, createdBy: r.created_by, createdAt: Number(r.created_at),
      expiresAt: r.expires_at === null ? null : Number(r.expires_at), chatId: r.chat_id,
    }));
  }

  async putVisitorBlock(b: VisitorBlockRecord): Promise<void> {
    await this.writeStatement((db) => db.insertInto('visitor_blocks').values({
      id: b.id, org_id: b.orgId, ip_range: b.ipRange, reason: plainText(b.reason), created_by: b.createdBy, created_at: b.createdAt, expires_at: b.expiresAt, chat_id: b.chatId,
    }).execute());
  }

  async deleteVisitorBlock(orgId: string, id: string): Promise<boolean> {
    const r = await this.writeStatement((db) => db.deleteFrom('visitor_blocks').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst());
    return Number(r.numDeletedRows) > 0;
  }

  async purgeVisitorBlocksExpiredBefore(before: number): Promise<number> {
    // `expires_at < before` is never true for null (never expires): those stay.
    const r = await this.writeStatement((db) => db.deleteFrom('visitor_blocks').where('expires_at', '<', before).executeTakeFirst());
    return Number(r.numDeletedRows);
  }

  putOfflineMessage(m: OfflineMessageRecord): Promise<void> {
    return this.writeStatement((db) => offline.insertOfflineMessage(db, m, plainText));
  }

  listOfflineMessages(q: OfflineMessageQuery): Promise<OfflineMessageRecord[]> {
    return offline.selectOfflineMessages(this.db, q);
  }

  updateOfflineMessage(orgId: string, id: string, change: Pick<OfflineMessageRecord, 'status' | 'handledBy' | 'handledAt'>): Promise<OfflineMessageRecord | null> {
    // Not a Kysely transaction: on SQLite an await inside one would let a group commit run in
    // it (sqlite-chat-store.ts). The row is read back after; one node writes (ADR 0017).
    return this.writeStatement((db) => offline.updateOfflineMessageRow(db, orgId, id, change)).then((found) => (found ? offline.selectOfflineMessage(this.db, id) : null));
  }

  deleteOfflineMessage(orgId: string, id: string): Promise<boolean> {
    return this.writeStatement((db) => offline.deleteOfflineMessageRow(db, orgId, id));
  }

  listOfflineMessagesAfter(orgId: string, after: OfflineMessagePosition | null, limit: number): Promise<OfflineMessageRecord[]> {
    return offline.selectOfflineMessagesAfter(this.db, orgId, after, limit, this.bytewiseId());
  }

  countOfflineMessagesAfter(orgId: string, after: OfflineMessagePosition | null, cap: number): Promise<number> {
    return offline.countOfflineMessagesAfter(this.db, orgId, after, cap, this.bytewiseId());
  }

  purgeOfflineMessagesBefore(before: number, scope: OfflinePurgeScope = {}): Promise<number> {
    return this.writeStatement((db) => offline.purgeOfflineMessageRows(db, before, scope, this.bytewiseId()));
  }

  deleteOfflineMessagesByEmail(orgId: string, email: string): Promise<number> {
    return this.writeStatement((db) => offline.deleteOfflineMessageRowsByEmail(db, orgId, email));
  }

  async ping(): Promise<boolean> {
    try {
      await this.db.selectFrom('meta').select('key').limit(1).execute();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/** Adds one to the writer epoch on `db` and returns the new value (see raiseWriterEpoch). */
export async function raiseWriterEpochOn(db: Kysely<Database>, key: string = WRITER_EPOCH_KEY): Promise<number> {
  const row = await db.insertInto('meta').values({ key, value: '1' })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: sql<string>`cast(cast(meta.value as bigint) + 1 as text)` }))
    .returning('value').executeTakeFirstOrThrow();
  return Number(row.value);
}

/** The row stored at an offset is the one a batch brings again (a retried write). */
export function sameEvent(stored: { type: string; actor: string; at: number | string; data: string }, row: { type: string; actor: string; at: number | string; data: string }): boolean {
  return stored.type === row.type && stored.actor === row.actor && Number(stored.at) === Number(row.at) && stored.data === row.data;
}

/**
 * Client text that goes into a text column as it is (not inside JSON): PostgreSQL
 * cannot store NUL, and one refused row would refuse its whole batch, again and
 * again (ADR 0016). The visitor gate replaces NUL in every body (ADR 0033); this is the last guard.
 */
function plainText<T extends string | null>(value: T): T {
  return (value !== null && value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value) as T;
}

const FILE_META_COLUMNS = ['session_id', 'id', 'file_token', 'name', 'content_type', 'size', 'sha256', 'uploaded_at'] as const;

/** A file as its row (both dialects take a Buffer for BLOB / bytea). */
export function chatFileRow(f: ChatFileRecord) {
  return {
    session_id: f.sessionId, id: f.id, file_token: f.fileToken, name: plainText(f.name), content_type: plainText(f.contentType), size: f.size, sha256: f.sha256,
    uploaded_at: f.uploadedAt, bytes: Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength),
  };
}

function toChatFileMeta(r: { session_id: string; id: string; file_token: string; name: string; content_type: string; size: number | string; sha256: string; uploaded_at: number | string }): ChatFileMeta {
  return { sessionId: r.session_id, id: r.id, fileToken: r.file_token, name: r.name, contentType: r.content_type, size: Number(r.size), sha256: r.sha256, uploadedAt: Number(r.uploaded_at) };
}

function toLogEvent(r: { session_id: string; offset: number; vseq: number | null; type: string; actor: string; at: number | string; data: string }): LogEvent {
  return {
    sessionId: r.session_id,
    offset: Number(r.offset),
    vseq: r.vseq === null ? null : Number(r.vseq),
    type: r.type,
    actor: r.actor as LogEvent['actor'],
    at: Number(r.at),
    data: JSON.parse(r.data) as Record<string, unknown>,
  };
}
