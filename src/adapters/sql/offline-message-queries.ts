/**
 * The offline_messages table's queries (migration 0013, ADR 0063), shared by SQLite and
 * PostgreSQL through KyselyChatStore, which runs the writes under its writer fence.
 */
import { sql, type ExpressionBuilder, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { OfflineMessagePosition, OfflineMessageQuery, OfflinePurgeScope } from '../../ports/chat-store.js';
import type { OfflineMessageRecord } from '../../ports/records.js';
import type { Database, OfflineMessagesTable } from './schema.js';

/** A row as the record (bigint columns come back as strings from PostgreSQL). */
export function offlineMessageOf(r: Selectable<OfflineMessagesTable>): OfflineMessageRecord {
  return {
    id: r.id, orgId: r.org_id, deploymentId: r.deployment_id, buttonId: r.button_id, name: r.name, email: r.email, subject: r.subject,
    message: r.message, language: r.language, createdAt: Number(r.created_at), status: r.status === 'handled' ? 'handled' : 'new',
    handledBy: r.handled_by, handledAt: r.handled_at === null ? null : Number(r.handled_at),
  };
}

/** Inserts one message; `clean` is the store's text cleaner (NUL, which PostgreSQL refuses). */
export async function insertOfflineMessage(db: Kysely<Database>, m: OfflineMessageRecord, clean: (s: string) => string): Promise<void> {
  await db.insertInto('offline_messages').values({
    id: m.id, org_id: m.orgId, deployment_id: m.deploymentId, button_id: m.buttonId, name: clean(m.name), email: clean(m.email), subject: clean(m.subject),
    message: clean(m.message), language: m.language === null ? null : clean(m.language), created_at: m.createdAt, status: m.status, handled_by: m.handledBy, handled_at: m.handledAt,
  }).execute();
}

export async function selectOfflineMessages(db: Kysely<Database>, q: OfflineMessageQuery): Promise<OfflineMessageRecord[]> {
  const before = q.before;
  const rows = await db.selectFrom('offline_messages').selectAll().where('org_id', '=', q.orgId)
    .$if(q.status !== undefined, (b) => b.where('status', '=', q.status!))
    .$if(before !== undefined, (b) => b.where((eb) => eb.or([
      eb('created_at', '<', before!.createdAt),
      eb.and([eb('created_at', '=', before!.createdAt), eb('id', '<', before!.id)]),
    ])))
    .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
  return rows.map(offlineMessageOf);
}

/** True when the org had a message by that id. */
export async function updateOfflineMessageRow(db: Kysely<Database>, orgId: string, id: string, change: Pick<OfflineMessageRecord, 'status' | 'handledBy' | 'handledAt'>): Promise<boolean> {
  const r = await db.updateTable('offline_messages').set({ status: change.status, handled_by: change.handledBy, handled_at: change.handledAt })
    .where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function selectOfflineMessage(db: Kysely<Database>, id: string): Promise<OfflineMessageRecord | null> {
  const row = await db.selectFrom('offline_messages').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? offlineMessageOf(row) : null;
}

export async function deleteOfflineMessageRow(db: Kysely<Database>, orgId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('offline_messages').where('org_id', '=', orgId).where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** `id` as the store orders ids: bytewise (`collate "C"` on PostgreSQL), as the memory store and JavaScript compare them. */
type IdExpression = RawBuilder<string>;

function after(eb: ExpressionBuilder<Database, 'offline_messages'>, at: OfflineMessagePosition, id: IdExpression) {
  return eb.or([eb('created_at', '>', at.createdAt), eb.and([eb('created_at', '=', at.createdAt), eb(id, '>', at.id)])]);
}

export async function selectOfflineMessagesAfter(db: Kysely<Database>, orgId: string, at: OfflineMessagePosition | null, limit: number, id: IdExpression): Promise<OfflineMessageRecord[]> {
  const rows = await db.selectFrom('offline_messages').selectAll().where('org_id', '=', orgId)
    .$if(at !== null, (b) => b.where((eb) => after(eb, at!, id)))
    .orderBy('created_at').orderBy(id).limit(limit).execute();
  return rows.map(offlineMessageOf);
}

export async function countOfflineMessagesAfter(db: Kysely<Database>, orgId: string, at: OfflineMessagePosition | null, cap: number, id: IdExpression): Promise<number> {
  // Over a limited subquery: the walk stops at the cap, however long the backlog.
  const row = await db.selectFrom((eb) => eb.selectFrom('offline_messages').select('id').where('org_id', '=', orgId)
    .$if(at !== null, (b) => b.where((e) => after(e, at!, id))).limit(cap).as('backlog'))
    .select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function purgeOfflineMessageRows(db: Kysely<Database>, before: number, scope: OfflinePurgeScope, id: IdExpression): Promise<number> {
  if (scope.orgs?.length === 0) return 0;
  const keep = scope.keep ?? [];
  const r = await db.deleteFrom('offline_messages').where('created_at', '<', before)
    .$if(scope.orgs !== undefined, (b) => b.where('org_id', 'in', scope.orgs!))
    // What a webhook has still to send stays, whatever its age (ADR 0068).
    .$if(keep.length > 0, (b) => b.where((eb) => eb.not(eb.or(keep.map((k) => eb.and([eb('org_id', '=', k.orgId), after(eb, k.after, id)]))))))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function deleteOfflineMessageRowsByEmail(db: Kysely<Database>, orgId: string, email: string): Promise<number> {
  // lower() on both sides: an address's case is not the visitor's to choose twice the same way.
  const r = await db.deleteFrom('offline_messages').where('org_id', '=', orgId).where(sql<string>`lower(email)`, '=', email.toLowerCase()).executeTakeFirst();
  return Number(r.numDeletedRows);
}
