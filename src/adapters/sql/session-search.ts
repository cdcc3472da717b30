/**
 * ChatStore.searchSessions for SQLite and PostgreSQL: a keyset walk of one org's
 * sessions, newest first, along the index of the driving filter
 * (session-search-plan.ts, docs/adr/0023). Every call does bounded work: with
 * only indexed filters it reads the page and one row more; with others, it first
 * finds where a walk of `scanLimit` sessions ends (index entries only) and checks
 * the other filters on that stretch alone. On SQLite a read runs on the event loop,
 * so an unbounded walk of a large org would hold every chat of the server meanwhile.
 */
import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { SearchPosition, SessionSearch, SessionSearchPage } from '../../ports/chat-store.js';
import { fromSessionRow } from '../../ports/records.js';
import { pageOf, searchPlan, type SearchPlan } from '../session-search-plan.js';
import type { SqlDialectName } from './migrations.js';
import type { Database } from './schema.js';

export async function searchSessions(db: Kysely<Database>, dialect: SqlDialectName, q: SessionSearch): Promise<SessionSearchPage> {
  const plan = searchPlan(q);
  // Bytewise on both engines (SQLite's default; PostgreSQL's "C"), as the indexes of migration 0008 are.
  const id = dialect === 'postgres' ? sql<string>`${sql.ref('id')} collate "C"` : sql<string>`${sql.ref('id')}`;

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

type Eb = ExpressionBuilder<Database, 'sessions'>;

/**
 * The filters the walk's index does not apply. On SQLite each column is written
 * `+column`, which keeps the planner off that column's index (its documented way):
 * a residual state or agent would otherwise offer an index as good as the walk's,
 * and SQLite could take it, walking a stretch of unbounded size.
 */
function residualFilters(eb: Eb, dialect: SqlDialectName, q: SessionSearch, plan: SearchPlan): Expression<SqlBool>[] {
  const col = (name: 'visitor_id' | 'agent_id' | 'chat_state' | 'button_id' | 'end_reason' | 'ended_at') => (dialect === 'sqlite' ? sql<string | number>`+${sql.ref(name)}` : sql.ref(name));
  const out: Expression<SqlBool>[] = [];
  if (plan.driving !== 'visitorId' && q.visitorId !== undefined) out.push(eb(col('visitor_id'), '=', q.visitorId));
  if (plan.driving !== 'agentId' && q.agentId !== undefined) out.push(eb(col('agent_id'), '=', q.agentId));
  if (plan.driving !== 'chatState' && q.chatState !== undefined) out.push(eb(col('chat_state'), '=', q.chatState));
  if (q.buttonId !== undefined) out.push(eb(col('button_id'), '=', q.buttonId));
  if (q.endReason !== undefined) out.push(eb(col('end_reason'), '=', q.endReason));
  if (q.endedFrom !== undefined) out.push(eb(col('ended_at'), '>=', q.endedFrom));
  if (q.endedTo !== undefined) out.push(eb(col('ended_at'), '<', q.endedTo));
  return out;
}
