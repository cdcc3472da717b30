// A fresh PostgreSQL database per run (dropped and re-created), so the server
// creates its tables from scratch and no earlier run's rows skew the figures.

export const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = 'switchboard_bench';

/** Returns {url} for a freshly created database, or {unavailable: reason}. */
export async function freshPostgresDatabase() {
  let pg;
  try {
    pg = (await import('pg')).default;
  } catch {
    return { unavailable: 'the pg package is not installed (npm install)' };
  }
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${DATABASE}`);
  } catch (err) {
    return { unavailable: `PostgreSQL at ${POSTGRES_ADMIN_URL} not usable: ${err.message}` };
  } finally {
    await client.end().catch(() => {});
  }
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${DATABASE}`;
  return { url: url.toString() };
}
