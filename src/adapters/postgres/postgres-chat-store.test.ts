/**
 * The PostgreSQL store against the real server: a pooled connection that the
 * server ends (restart, failover, a proxy's idle timeout, an admin) is reported
 * and replaced; it must not become an unhandled 'error' event that ends the
 * process with every held poll.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgPool, createPostgresChatStore } from './postgres-chat-store.js';

const PG_URL = process.env.SWITCHBOARD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `sb_pgconn_${process.pid}_${Date.now() % 100000}`;
const applicationName = `switchboard-test-${process.pid}-${Date.now() % 100000}`;

afterAll(async () => {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
});

describe('PostgreSQL store: text it cannot hold', () => {
  it('a NUL in a breadcrumb or visitor id does not refuse the batch (PostgreSQL text cannot store NUL)', async () => {
    const store = await createPostgresChatStore({ url: PG_URL, schema, poolSize: 2 });
    try {
      await store.migrate();
      await store.write({ sessions: [], events: [], buttonStats: [], visitorBreadcrumbs: [{ key: 'k1', visitorId: 'nul-visitor\u0000', orgId: 'org', location: 'https://x.example/\u0000', at: 1 }] });
      expect(await store.readBreadcrumbs('org', 'nul-visitor\uFFFD', 10)).toEqual([{ location: 'https://x.example/\uFFFD', at: 1 }]);
    } finally {
      await store.close();
    }
  });
});

describe('PostgreSQL store: lost connections', () => {
  it('an idle connection ended by the server is reported, and the store goes on working', async () => {
    const errors: Error[] = [];
    const store = await createPostgresChatStore({ url: PG_URL, schema, poolSize: 2, applicationName, onConnectionError: (err) => errors.push(err) });
    try {
      await store.migrate();
      await store.setMeta('before', '1');
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      try {
        const ended = await admin.query<{ ended: boolean }>('select pg_terminate_backend(pid) as ended from pg_stat_activity where application_name = $1', [applicationName]);
        expect(ended.rows.length).toBeGreaterThan(0);
      } finally {
        await admin.end();
      }
      for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(errors.length).toBeGreaterThan(0);
      // The pool opened a new connection: reads and writes work again.
      await store.setMeta('after', '2');
      expect(await store.getMeta('before')).toBe('1');
      expect(await store.getMeta('after')).toBe('2');
    } finally {
      await store.close();
    }
  });

  it('a connection ended while a query runs on it fails that query, reported, and the process goes on', async () => {
    const errors: Error[] = [];
    const name = `${applicationName}-busy`;
    const store = await createPostgresChatStore({ url: PG_URL, schema, poolSize: 2, applicationName: name, onConnectionError: (err) => errors.push(err) });
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await store.migrate();
      await store.setMeta('before', '1');
      // Hold the store's next query on a lock, so its connection is checked out when it is ended.
      await admin.query('begin');
      await admin.query(`lock table ${schema}.meta in access exclusive mode`);
      const blocked = store.getMeta('before').then(() => 'answered', (err: unknown) => `failed: ${String(err)}`);
      let waiting = 0;
      for (let i = 0; i < 100 && waiting === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        waiting = (await admin.query("select count(*)::int as n from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'", [name])).rows[0].n as number;
      }
      expect(waiting, 'the store query waits on the lock').toBe(1);
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [name]);
      expect(await blocked).toMatch(/^failed: /);
      await admin.query('commit');
      for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(errors.length).toBeGreaterThan(0);
      await store.setMeta('after', '2');
      expect(await store.getMeta('after')).toBe('2');
    } finally {
      await admin.end();
      await store.close();
    }
  });

  it('a connection ended while checked out between queries (inside a transaction) is reported and does not end the process', async () => {
    const errors: Error[] = [];
    const name = `${applicationName}-tx`;
    const pool = createPgPool({ url: PG_URL, poolSize: 2, applicationName: name, onConnectionError: (err) => errors.push(err) });
    const client = await pool.connect();
    try {
      await client.query('begin');
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [name]);
      await admin.end();
      // Without a listener on the client, its 'error' event is unhandled: vitest fails the run.
      for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(errors.length, errors.map((e) => e.message).join('; ')).toBeGreaterThan(0);
      await expect(client.query('select 1')).rejects.toThrow();
    } finally {
      client.release(true);
    }
    expect((await pool.query('select 1 as one')).rows[0].one, 'a new connection works').toBe(1);
    await pool.end();
  });

  it('a write stuck behind a lock fails after the statement timeout instead of waiting for ever, and works again after', async () => {
    const name = `${applicationName}-timeout`;
    const store = await createPostgresChatStore({ url: PG_URL, schema, poolSize: 2, applicationName: name, statementTimeoutMs: 300 });
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await store.migrate();
      await admin.query('begin');
      await admin.query(`lock table ${schema}.meta in access exclusive mode`);
      const started = performance.now();
      await expect(store.setMeta('stuck', '1')).rejects.toThrow(/statement timeout/);
      expect(performance.now() - started).toBeLessThan(5_000);
      await admin.query('commit');
      await store.setMeta('after', '2');
      expect(await store.getMeta('after')).toBe('2');
    } finally {
      await admin.end();
      await store.close();
    }
  });
});

describe('PostgreSQL store: a node that dies without a word', () => {
  it('its connections have the server find a silent dead peer in about 11 s, not the OS default of two hours (ADR 0048)', async () => {
    const pool = createPgPool({ url: PG_URL, poolSize: 1 });
    try {
      const shown: Record<string, string> = {};
      for (const name of ['tcp_keepalives_idle', 'tcp_keepalives_interval', 'tcp_keepalives_count', 'tcp_user_timeout', 'statement_timeout']) {
        shown[name] = String((await pool.query<Record<string, string>>(`show ${name}`)).rows[0]?.[name]);
      }
      expect(shown).toEqual({ tcp_keepalives_idle: '5', tcp_keepalives_interval: '2', tcp_keepalives_count: '3', tcp_user_timeout: '10000', statement_timeout: '10s' });
    } finally {
      await pool.end();
    }
  });
});
