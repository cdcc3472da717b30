// A fresh PostgreSQL database per server start (dropped and re-created), so the server
// creates its tables from scratch and no earlier run's rows skew the figures; dropped
// again when the scenario is done, and by the runner at its end (a scenario process
// killed at its time limit cannot drop its own).
//
// Its name is BENCH_POSTGRES_DATABASE, by default `switchboard_bench_<pid of the runner>`:
// two benches on one machine (two worktrees, two sessions) each have their own, where
// one fixed name had the second drop the first one's database under its running server.

export const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Databases the bench never drops, whatever BENCH_POSTGRES_DATABASE says. */
const KEPT = new Set(['postgres', 'template0', 'template1']);

/**
 * The bench database's name for a run whose runner is process `pid`: BENCH_POSTGRES_DATABASE
 * when set, else `switchboard_bench_<pid>`. Throws for a name that is not a plain identifier
 * (it is dropped and created by name) or one the bench must never drop.
 */
export function benchDatabaseName(pid = process.pid, env = process.env) {
  const name = env.BENCH_POSTGRES_DATABASE || `switchboard_bench_${pid}`;
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`BENCH_POSTGRES_DATABASE: ${JSON.stringify(name)} is not a plain database name (letters, digits, _; at most 63)`);
  const adminDatabase = decodeURIComponent(new URL(POSTGRES_ADMIN_URL).pathname.slice(1)) || 'postgres';
  if (KEPT.has(name) || name === adminDatabase) throw new Error(`BENCH_POSTGRES_DATABASE: ${name} would be dropped by the bench; name a database of its own`);
  return name;
}

/** Runs `sql` on the admin database; returns an error message, or null. */
async function adminQuery(sql) {
  let pg;
  try {
    pg = (await import('pg')).default;
  } catch {
    return 'the pg package is not installed (npm install)';
  }
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    for (const statement of sql) await client.query(statement);
    return null;
  } catch (err) {
    return `PostgreSQL at ${POSTGRES_ADMIN_URL} not usable: ${err.message}`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Returns {url} for a freshly created database `name`, or {unavailable: reason}. */
export async function freshPostgresDatabase(name) {
  // Quoted: the name is used as given (BENCH_POSTGRES_DATABASE may have capitals), as the URL uses it.
  const problem = await adminQuery([`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`, `CREATE DATABASE "${name}"`]);
  if (problem) return { unavailable: problem };
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString() };
}

/** Drops database `name` (gone already is fine); returns an error message, or null. */
export function dropPostgresDatabase(name) {
  return adminQuery([`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`]);
}
