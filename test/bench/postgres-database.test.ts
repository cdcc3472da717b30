/**
 * The bench's PostgreSQL database (bench/targets/postgres-database.mjs): named per run
 * (BENCH_POSTGRES_DATABASE, else after the runner's pid), so that two benches on one
 * machine do not drop each other's database; a name that is no plain identifier, or one
 * the bench must never drop, is refused. Against the machine's real PostgreSQL.
 * The module is plain JavaScript (the bench's), so it runs in a node child here.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const MODULE = pathToFileURL(join('bench', 'targets', 'postgres-database.mjs')).href;

/** Runs `body` (an async function body given `db`, the module) in node; returns what it printed as JSON. */
function inNode(body: string, env: Record<string, string | undefined> = {}): unknown {
  const { BENCH_POSTGRES_DATABASE: _unset, ...base } = process.env;
  const code = `const db = await import(${JSON.stringify(MODULE)}); const out = await (async () => { ${body} })(); process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000, env: { ...base, BENCH_POSTGRES_URL: 'postgres://postgres@127.0.0.1:5432/postgres', ...env } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('bench PostgreSQL database', () => {
  it('is named after the run (its pid) unless BENCH_POSTGRES_DATABASE names it; odd or kept names are refused', () => {
    const [a, b] = [inNode('return db.benchDatabaseName(1234)'), inNode('return db.benchDatabaseName(5678)')];
    expect(a).toBe('switchboard_bench_1234');
    expect(b).toBe('switchboard_bench_5678');
    expect(inNode('return db.benchDatabaseName(1234)', { BENCH_POSTGRES_DATABASE: 'My_Bench' })).toBe('My_Bench');
    for (const bad of ['a;drop', 'with space', 'x"y', '1abc', 'a'.repeat(64), 'postgres', 'template1']) {
      const refused = inNode('try { db.benchDatabaseName(1); return null; } catch (e) { return e.message; }', { BENCH_POSTGRES_DATABASE: bad });
      expect(refused, bad).toMatch(/^BENCH_POSTGRES_DATABASE: /);
    }
  });

  it("a second bench's fresh database leaves the first one's alone, and each is dropped by name", () => {
    const first = `switchboard_bench_t${process.pid}_a`;
    const second = `switchboard_bench_t${process.pid}_b`;
    const result = inNode(`
      const pg = (await import('pg')).default;
      const exists = async (name) => {
        const c = new pg.Client({ connectionString: db.POSTGRES_ADMIN_URL });
        await c.connect();
        try { return (await c.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1; } finally { await c.end(); }
      };
      const a = await db.freshPostgresDatabase(${JSON.stringify(first)});
      const marker = new pg.Client({ connectionString: a.url });
      await marker.connect();
      await marker.query('create table kept (x int)');
      await marker.end();
      const b = await db.freshPostgresDatabase(${JSON.stringify(second)});
      const c = new pg.Client({ connectionString: a.url });
      await c.connect();
      const kept = (await c.query("select to_regclass('kept') is not null as kept")).rows[0].kept;
      await c.end();
      const both = [await exists(${JSON.stringify(first)}), await exists(${JSON.stringify(second)})];
      const dropped = [await db.dropPostgresDatabase(${JSON.stringify(first)}), await db.dropPostgresDatabase(${JSON.stringify(second)})];
      return { a, b, kept, both, dropped, after: [await exists(${JSON.stringify(first)}), await exists(${JSON.stringify(second)})] };
    `);
    expect(result).toMatchObject({
      a: { url: expect.stringContaining(`/${first}`) }, b: { url: expect.stringContaining(`/${second}`) },
      kept: true, both: [true, true], dropped: [null, null], after: [false, false],
    });
  });
});
