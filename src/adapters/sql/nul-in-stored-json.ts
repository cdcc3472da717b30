/**
 * Migration 0009's work: stored JSON that holds a NUL (the escape `\u0000`) is
 * written again with U+FFFD in its place (ADR 0035). PostgreSQL refuses that escape
 * in any JSON it processes (`::jsonb`, `->>`), so one such row failed a migration
 * that backfills a column from the JSON, and an operator's query over it. Visitor
 * bodies lose their NULs since ADR 0033, agent bodies since ADR 0035; rows written
 * before hold them.
 *
 * Each candidate row is parsed in JavaScript and written back only when a string or
 * a key really held a NUL: `\\u0000` (an escaped backslash, then `u0000`) is text
 * and is left as it is. Tables are walked in primary-key order, a batch at a time,
 * so memory stays bounded however large the event log is; the database picks the
 * candidates, so only their JSON is sent.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { NUL_ESCAPE, replaceNul, withoutNul } from '../../protocol/client-json.js';
import type { SqlDialectName } from './migrations.js';

interface JsonTable {
  table: string;
  /** The primary key, walked in order. */
  keys: readonly string[];
  /** Columns of JSON text. */
  json: readonly string[];
  /**
   * Plain text columns of a row that is written again, copied from its JSON (a chat's
   * agent, end reason…) or naming it (a document's id, which its body repeats): they
   * take the same replacement, so they go on matching the JSON. Only SQLite can hold
   * a NUL in one; PostgreSQL refused those rows.
   */
  copies: readonly string[];
}

const TABLES: readonly JsonTable[] = [
  { table: 'events', keys: ['session_id', 'offset'], json: ['data'], copies: [] },
  { table: 'sessions', keys: ['id'], json: ['record', 'request', 'progress'], copies: ['visitor_id', 'org_id', 'chat_state', 'agent_id', 'button_id', 'end_reason'] },
  { table: 'documents', keys: ['kind', 'id'], json: ['body'], copies: ['id'] },
];

/**
 * Rows read per query. Each brings its key, and the JSON of a candidate only: at most
 * this many values in memory at once (events are at most a message long, 64 KB by default).
 */
export const NUL_REWRITE_BATCH = 500;

/** Rewrites every stored JSON value holding a NUL; answers how many rows it wrote. */
export async function replaceNulInStoredJson(db: Kysely<unknown>, dialect: SqlDialectName, batch = NUL_REWRITE_BATCH): Promise<number> {
  let written = 0;
  for (const t of TABLES) written += await rewriteTable(db, dialect, t, batch);
  return written;
}

async function rewriteTable(db: Kysely<unknown>, dialect: SqlDialectName, t: JsonTable, batch: number): Promise<number> {
  const keys = sql.join(t.keys.map((k) => sql.ref(k)));
  const holds = (column: string): RawBuilder<unknown> => (dialect === 'postgres'
    ? sql`strpos(${sql.ref(column)}, ${NUL_ESCAPE}) > 0`
    : sql`instr(${sql.ref(column)}, ${NUL_ESCAPE}) > 0`);
  // A candidate's JSON, and null for every other row: the walk sends keys, not the log.
  const selected = [
    ...t.json.map((c) => sql`case when ${holds(c)} then ${sql.ref(c)} end as ${sql.ref(c)}`),
    ...t.copies.filter((c) => !t.keys.includes(c)).map((c) => sql.ref(c)),
  ];
  let written = 0;
  let after: unknown[] | undefined;
  for (;;) {
    const from = after ? sql`where (${keys}) > (${sql.join(after)})` : sql``;
    const { rows } = await sql<Record<string, unknown>>`select ${keys}, ${sql.join(selected)} from ${sql.table(t.table)} ${from} order by ${keys} limit ${batch}`.execute(db);
    for (const row of rows) {
      const set: Record<string, string> = {};
      for (const c of t.json) {
        const text = row[c];
        if (typeof text !== 'string') continue;
        const fixed = rewritten(text, () => `${t.table}.${c} of (${t.keys.map((k) => String(row[k])).join(', ')})`);
        if (fixed !== undefined) set[c] = fixed;
      }
      if (!Object.keys(set).length) continue;
      for (const c of t.copies) {
        const value = row[c];
        if (typeof value === 'string' && value !== withoutNul(value)) set[c] = withoutNul(value);
      }
      const assignments = sql.join(Object.entries(set).map(([c, v]) => sql`${sql.ref(c)} = ${v}`));
      const where = sql.join(t.keys.map((k) => sql`${sql.ref(k)} = ${row[k]}`), sql` and `);
      await sql`update ${sql.table(t.table)} set ${assignments} where ${where}`.execute(db);
      written += 1;
    }
    if (rows.length < batch) return written;
    const last = rows[rows.length - 1]!;
    after = t.keys.map((k) => last[k]);
  }
}

/**
 * `text` written again with U+FFFD for each NUL in its strings and keys; undefined
 * when it holds none (its escapes were `\\u0000`, text). Every value was written by
 * JSON.stringify, as the new one is: they differ exactly where a NUL was replaced.
 */
function rewritten(text: string, where: () => string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    // Every reader of the row would fail the same way: said here, with the row, rather than skipped.
    throw new Error(`${where()} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const before = JSON.stringify(value);
  const after = JSON.stringify(replaceNul(value));
  return after === before ? undefined : after;
}
