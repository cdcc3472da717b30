/**
 * ChatStore.searchSessions for SQLite and PostgreSQL: a keyset walk of one org's
 * sessions, newest first, along the index of the driving filter
 * (session-search-plan.ts, docs/adr/0023). Every call does bounded work: with
 * only indexed filters it reads the page and one row more; with others, it first
 * finds where a walk of `scanLimit` sessions ends (index entries only) and checks
 * the other filters on that stretch alone. On SQLite a read runs on the event loop,
 * so an unbounded walk of a large org would hold every chat of the server meanwhile.
 * An agent's walk is two, merged: the chats they have, and those they held (chat_holders).
 */
import { sql, type Expression, type ExpressionBuilder, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { SearchPosition, SessionSearch, SessionSearchPage } from '../../ports/chat-store.js';
import { fromSessionRow } from '../../ports/records.js';
import { pageOf, searchPlan, type SearchPlan } from '../session-search-plan.js';
import type { SqlDialectName } from './migrations.js';
import type { Database } from './schema.js';

export async function searchSessions(db: Kysely<Database>, dialect: SqlDialectName, q: SessionSearch): Promise<SessionSearchPage> {
  const plan = searchPlan(q);
  if (plan.driving === 'agentId') return searchByAgent(db, dialect, q, plan);
  const id = bytewise(dialect, 'id');

  const walk = (from?: SearchPosition) => db.selectFrom('sessions')
    .where('org_id', '=', q.orgId)
    .$if(plan.driving === 'visitorId', (b) => b.where('visitor_id', '=', q.visitorId!))
    .$if(plan.driving === 'agentId', (b) => b.where('agent_id', '=', q.agentId!))
    .$if(plan.driving === 'chatState', (b) => b.where('chat_state', '=', q.chatState!))
    .$if(q.createdFrom !== undefined, (b) => b.where('created_at', '>=', q.createdFrom!))
    .$if(q.createdTo !== undefined, (b) => b.where('created_at', '<', q.createdTo!))
    // After a place: a range of the index (created_at <= …), then the ties.
    .$if(from !== undefined, (b) => b.where('created_at', '<=', from!.createdAt)
      .where((eb) => eb.or([eb('created_at', '<', from!.createdAt), eb(id, '<', from!.id)])))
    .orderBy('created_at', 'desc').orderBy(id, 'desc');

  let walkEnd: { last: SearchPosition; more: boolean } | null = null;
  if (plan.residual) {
    // Where a walk of scanLimit sessions ends, and whether there is more after it: two
    // entries of the walk's index, read without the rows.
    const ends = await walk(q.after).select(['created_at', 'id']).limit(2).offset(q.scanLimit - 1).execute();
    if (ends[0]) walkEnd = { last: { createdAt: Number(ends[0].created_at), id: ends[0].id }, more: ends.length === 2 };
  }
  const end = walkEnd?.last;
  const rows = await walk(q.after)
    .$if(plan.residual, (b) => b.where((eb) => eb.and(residualFilters(eb, dialect, q, plan))))
    // Not past the walk's end: the rows checked are the walk's, whatever index the database picks.
    .$if(end !== undefined, (b) => b.where('created_at', '>=', end!.createdAt)
      .where((eb) => eb.or([eb('created_at', '>', end!.createdAt), eb(id, '>=', end!.id)])))
    .select(['id', 'created_at', 'record', 'request', 'progress'])
    .limit(q.limit + 1)
    .execute();
  const page = pageOf(rows.map((r) => ({ ...r, createdAt: Number(r.created_at) })), q.limit, walkEnd);
  return { sessions: page.items.map((r) => fromSessionRow(r.record, r.request, r.progress)), next: page.next };
}

/**
 * An agent's chats: those with the agent now (sessions_org_agent) and those the agent
 * held (chat_holders_org_agent), two walks in the same order, merged. Each walk reads
 * at most what one walk would (the page and one more, or a bounded stretch), and the
 * merge sorts at most twice that many entries: a chat in both (an agent who has it and
 * held it) counts once. The rows are then read by primary key.
 */
async function searchByAgent(db: Kysely<Database>, dialect: SqlDialectName, q: SessionSearch, plan: SearchPlan): Promise<SessionSearchPage> {
  /** One walk's positions (created_at, id), newest first, after `from` and not past `end`, at most `limit`. */
  const walk = (table: 'sessions' | 'chat_holders', bound: { from?: SearchPosition | undefined; end?: SearchPosition | undefined; limit?: number }) => {
    const idColumn = table === 'sessions' ? 'id' : 'session_id';
    const id = bytewise(dialect, idColumn);
    const at = sql.ref('created_at');
    const where: RawBuilder<unknown>[] = [sql`${sql.ref('org_id')} = ${q.orgId}`, sql`${sql.ref('agent_id')} = ${q.agentId!}`];
    if (q.createdFrom !== undefined) where.push(sql`${at} >= ${q.createdFrom}`);
    if (q.createdTo !== undefined) where.push(sql`${at} < ${q.createdTo}`);
    const { from, end, limit } = bound;
    if (from) where.push(sql`${at} <= ${from.createdAt} and (${at} < ${from.createdAt} or ${id} < ${from.id})`);
    if (end) where.push(sql`${at} >= ${end.createdAt} and (${at} > ${end.createdAt} or ${id} >= ${end.id})`);
    const ordered = limit === undefined ? sql`` : sql` order by ${at} desc, ${id} desc limit ${limit}`;
    return sql`select ${at}, ${sql.ref(idColumn)} as id from ${sql.table(table)} where ${sql.join(where, sql` and `)}${ordered}`;
  };
  /** Both walks' positions, each its own subquery (ordered and limited, for a bounded read). */
  const both = (bound: Parameters<typeof walk>[1], union: 'union' | 'union all') =>
    sql`select created_at, id from (${walk('sessions', bound)}) a ${sql.raw(union)} select created_at, id from (${walk('chat_holders', bound)}) h`;

  let walkEnd: { last: SearchPosition; more: boolean } | null = null;
  if (plan.residual) {
    // Where the merged walk of scanLimit chats ends, from index entries only: each walk's
    // first scanLimit + 1 hold the merged walk's first scanLimit + 1.
    const { rows } = await sql<{ created_at: number | string; id: string }>`select created_at, id from (${both({ from: q.after, limit: q.scanLimit + 1 }, 'union')}) w
      order by created_at desc, ${bytewise(dialect, 'id')} desc limit 2 offset ${q.scanLimit - 1}`.execute(db);
    if (rows[0]) walkEnd = { last: { createdAt: Number(rows[0].created_at), id: rows[0].id }, more: rows.length === 2 };
  }
  // With a residual filter the walks end where the merged walk does (or at their end, nearer
  // than that): at most scanLimit entries each, which the limit makes plain to the planner too.
  // Without, each reads the page and one more.
  const bound = plan.residual ? { from: q.after, end: walkEnd?.last, limit: q.scanLimit } : { from: q.after, limit: q.limit + 1 };
  const rows = await db.selectFrom('sessions')
    .where(sql<SqlBool>`${sql.ref('id')} in (select id from (${both(bound, 'union all')}) w)`)
    // Read by primary key: no other index may drive this query, on PostgreSQL either.
    .$if(plan.residual, (b) => b.where((eb) => eb.and(residualFilters(eb, dialect, q, plan, true))))
    .select(['id', 'created_at', 'record', 'request', 'progress'])
    .orderBy('created_at', 'desc').orderBy(bytewise(dialect, 'id'), 'desc')
    .limit(q.limit + 1)
    .execute();
  const page = pageOf(rows.map((r) => ({ ...r, createdAt: Number(r.created_at) })), q.limit, walkEnd);
  return { sessions: page.items.map((r) => fromSessionRow(r.record, r.request, r.progress)), next: page.next };
}

/** A column compared bytewise on both engines (SQLite's default; PostgreSQL's "C"), as the search's indexes have it. */
function bytewise(dialect: SqlDialectName, column: string): RawBuilder<string> {
  return dialect === 'postgres' ? sql<string>`${sql.ref(column)} collate "C"` : sql<string>`${sql.ref(column)}`;
}

type Eb = ExpressionBuilder<Database, 'sessions'>;

/**
 * The filters the walk's index does not apply. On SQLite each column is written
 * `+column`, which keeps the planner off that column's index (its documented way):
 * a residual state or agent would otherwise offer an index as good as the walk's,
 * and SQLite could take it, walking a stretch of unbounded size. With `offIndexes`,
 * PostgreSQL's are kept off the indexes too (`column || ''`, `column + 0`): an agent's
 * rows are read by primary key, and the state index without its org is every org's.
 */
function residualFilters(eb: Eb, dialect: SqlDialectName, q: SessionSearch, plan: SearchPlan, offIndexes = false): Expression<SqlBool>[] {
  const col = (name: 'visitor_id' | 'agent_id' | 'chat_state' | 'button_id' | 'end_reason' | 'ended_at') => {
    if (dialect === 'sqlite') return sql<string | number>`+${sql.ref(name)}`;
    if (!offIndexes) return sql.ref(name);
    return name === 'ended_at' ? sql<number>`(${sql.ref(name)} + 0)` : sql<string>`(${sql.ref(name)} || '')`;
  };
  const out: Expression<SqlBool>[] = [];
  if (plan.driving !== 'visitorId' && q.visitorId !== undefined) out.push(eb(col('visitor_id'), '=', q.visitorId));
  if (plan.driving !== 'agentId' && q.agentId !== undefined) {
    // The agent has it now, or held it: a lookup of chat_holders' primary key per row walked,
    // or (PostgreSQL's choice when it expects many rows) the agent's holder rows of this org, hashed.
    const held = eb.exists(eb.selectFrom('chat_holders').select('chat_holders.session_id')
      .whereRef('chat_holders.session_id', '=', 'sessions.id').where('chat_holders.agent_id', '=', q.agentId).where('chat_holders.org_id', '=', q.orgId));
    out.push(eb.or([eb(col('agent_id'), '=', q.agentId), held]));
  }
  if (plan.driving !== 'chatState' && q.chatState !== undefined) out.push(eb(col('chat_state'), '=', q.chatState));
  if (q.buttonId !== undefined) out.push(eb(col('button_id'), '=', q.buttonId));
  if (q.endReason !== undefined) out.push(eb(col('end_reason'), '=', q.endReason));
  if (q.endedFrom !== undefined) out.push(eb(col('ended_at'), '>=', q.endedFrom));
  if (q.endedTo !== undefined) out.push(eb(col('ended_at'), '<', q.endedTo));
  return out;
}
