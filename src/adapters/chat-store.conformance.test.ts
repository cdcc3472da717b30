/**
 * Runs the conformance suite against every store, each on its real backend:
 * memory, SQLite (a file in a temp dir), PostgreSQL (127.0.0.1:5432, db `test`,
 * a fresh schema per store).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import { describeChatStore } from './chat-store-conformance.js';
import { MemoryChatStore } from './memory/memory-chat-store.js';
import { createPostgresChatStore } from './postgres/postgres-chat-store.js';
import { createSqliteChatStore } from './sqlite/sqlite-chat-store.js';

const PG_URL = process.env.SWITCHBOARD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];
const dirs = new Map<object, string>();
const pgSchemas = new Map<object, string>();

describeChatStore('memory', {
  async open() {
    const s = new MemoryChatStore();
    await s.migrate();
    return s;
  },
});

describeChatStore('sqlite', {
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'sb-sqlite-'));
    const s = createSqliteChatStore({ dataDir: dir, synchronous: 'normal' });
    await s.migrate();
    dirs.set(s, dir);
    return s;
  },
  async reopen(previous) {
    const s = createSqliteChatStore({ dataDir: dirs.get(previous)!, synchronous: 'full' });
    await s.migrate();
    return s;
  },
});

describeChatStore('postgres', {
  async open() {
    const schema = `sb_conf_${process.pid}_${schemas.length}_${Date.now() % 100000}`;
    schemas.push(schema);
    const s = await createPostgresChatStore({ url: PG_URL, schema, poolSize: 2 });
    await s.migrate();
    pgSchemas.set(s, schema);
    return s;
  },
  async reopen(previous) {
    const s = await createPostgresChatStore({ url: PG_URL, schema: pgSchemas.get(previous)!, poolSize: 2 });
    await s.migrate();
    return s;
  },
});

afterAll(async () => {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  for (const s of schemas) await client.query(`drop schema if exists ${s} cascade`);
  await client.end();
});
