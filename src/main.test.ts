/**
 * What the composition root tells the operator about the store: what it opened
 * (PostgreSQL as SQLite, without the password), that it waits for another
 * node's lock, that writes resumed after a failure, and a failed shutdown once.
 * Real stores (SQLite in a temporary directory, a database of its own in the
 * machine's PostgreSQL), the server's own logger with its lines captured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryChatStore } from './adapters/memory/memory-chat-store.js';
import { scratchDatabase } from './adapters/postgres/scratch-database.test-support.js';
import { SqliteNodeLock } from './adapters/sqlite/sqlite-node-lock.js';
import { demoOrg } from './config/demo-deployment.js';
import { validateConfig } from './config/load-config.js';
import { createSwitchboard, type Switchboard } from './main.js';
import type { WriteBatch } from './ports/records.js';

interface LogLine { level: number; msg: string; [field: string]: unknown }

function capture() {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  return { lines, raw, text: () => raw.join(''), logDestination: { write: (s: string) => { raw.push(s); lines.push(JSON.parse(s) as LogLine); } } };
}

const running: Switchboard[] = [];
afterEach(async () => {
  for (const sb of running.splice(0)) await sb.stop().catch(() => undefined);
});

const database = scratchDatabase('sb_logs');

describe('PostgreSQL start-up', () => {
  beforeAll(() => database.create());
  afterAll(() => database.drop());

  it('logs the store it opened, as SQLite does, without the password', async () => {
    const url = new URL(database.url);
    url.password = 'hunter2-not-logged';
    const log = capture();
    const config = validateConfig({ storage: { kind: 'postgres', postgresUrl: url.toString() }, server: { logLevel: 'info' }, orgs: [structuredClone(demoOrg)] }, 'test');
    running.push(await createSwitchboard(config, { logDestination: log.logDestination }));
    const opened = log.lines.find((l) => l.msg === 'PostgreSQL store opened');
    expect(opened, log.text()).toMatchObject({ level: 30, database: database.name, host: url.hostname, port: Number(url.port || 5432), schema: 'public', statementTimeoutMs: 10_000 });
    expect(opened!['url']).toContain('[REDACTED]@');
    expect(log.text()).not.toContain('hunter2-not-logged');
  });
});

describe('SQLite start-up and upgrades', () => {
  it('says it created the store, later which migrations an upgrade applied, and that config users stored for the first time were signed out', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-upgrade-log-'));
    try {
      const config = validateConfig({ storage: { kind: 'sqlite' }, server: { dataDir, logLevel: 'info' }, orgs: [structuredClone(demoOrg)] }, 'test');
      const first = capture();
      const sb = await createSwitchboard(config, { logDestination: first.logDestination });
      await sb.stop();
      expect(first.lines.find((l) => l.msg === 'store created'), first.text()).toMatchObject({ level: 30 });
      expect(first.lines.some((l) => l.msg.startsWith('config users stored for the first time')), first.text()).toBe(false);

      const again = capture();
      await (await createSwitchboard(config, { logDestination: again.logDestination })).stop();
      expect(again.lines.some((l) => l.msg === 'store created' || l.msg.startsWith('store upgraded')), again.text()).toBe(false);

      // As a store of an older version looks: its last migration not yet run (it is idempotent), and
      // no record of the config users (written since ADR 0024).
      const db = new Sqlite(join(dataDir, 'switchboard.sqlite'));
      db.prepare("delete from kysely_migration where name = '0014-ended-chats'").run();
      db.prepare("delete from documents where kind = 'user'").run();
      db.close();
      const upgraded = capture();
      await (await createSwitchboard(config, { logDestination: upgraded.logDestination })).stop();
      expect(upgraded.lines.find((l) => l.msg === 'store upgraded: migrations applied'), upgraded.text()).toMatchObject({ applied: ['0014-ended-chats'], before: 13 });
      const signedOut = upgraded.lines.find((l) => l.msg.startsWith('config users stored for the first time'));
      expect(signedOut?.['users'], upgraded.text()).toEqual(expect.arrayContaining(demoOrg.agents.map((a) => a.id)));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the node lock', () => {
  it('a node that waits for another node\'s lock says so while it waits', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-lockwait-'));
    const other = new SqliteNodeLock(dataDir);
    await other.acquire(0);
    try {
      const log = capture();
      const config = validateConfig({ storage: { kind: 'sqlite', lockWaitSeconds: 10 }, server: { dataDir, logLevel: 'info' }, orgs: [structuredClone(demoOrg)] }, 'test');
      const starting = createSwitchboard(config, { logDestination: log.logDestination });
      const released = new Promise((r) => setTimeout(r, 1_500)).then(() => other.release());
      running.push(await starting);
      await released;
      const waiting = log.lines.filter((l) => l.msg.startsWith('waiting for the node lock'));
      expect(waiting.length, log.text()).toBeGreaterThanOrEqual(1);
      expect(waiting[0]).toMatchObject({ level: 40, waitSeconds: 10 });
      expect(String(waiting[0]!['where'])).toContain(dataDir);
      expect(log.lines.some((l) => l.msg === 'node lock taken' && l.level === 30)).toBe(true);
    } finally {
      await other.release();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** A memory store whose writes fail while `down`. */
class FlakyStore extends MemoryChatStore {
  down = false;
  override async write(batch: WriteBatch): Promise<void> {
    if (this.down) throw new Error('store down');
    await super.write(batch);
  }
}

const V = { 'x-liveagent-api-version': '34', 'x-liveagent-affinity': 'null' };

describe('the store after a failure', () => {
  it('logs once when writes resume', async () => {
    const log = capture();
    const store = new FlakyStore();
    const config = validateConfig({ storage: { kind: 'memory' }, server: { logLevel: 'info' }, orgs: [structuredClone(demoOrg)] }, 'test');
    const sb = await createSwitchboard(config, { store, logDestination: log.logDestination });
    running.push(sb);
    store.down = true;
    expect((await sb.app.inject({ method: 'GET', url: '/chat/rest/System/SessionId', headers: V })).statusCode).toBe(500);
    // Two failed attempts (50 ms, then 100 ms back-off), then the store takes writes again.
    await new Promise((r) => setTimeout(r, 120));
    store.down = false;
    await new Promise((r) => setTimeout(r, 400));
    expect((await sb.app.inject({ method: 'GET', url: '/chat/rest/System/SessionId', headers: V })).statusCode).toBe(200);
    const resumed = log.lines.filter((l) => l.msg === 'store writes resumed');
    expect(resumed, log.text()).toEqual([expect.objectContaining({ level: 30, failedWrites: expect.any(Number) })]);
    expect(resumed[0]!['failedWrites']).toBeGreaterThanOrEqual(2);
  });

  it('a final flush the store refuses: stop() rejects and leaves the log line to its caller (the CLI logs it once)', async () => {
    const log = capture();
    const store = new FlakyStore();
    const config = validateConfig({ storage: { kind: 'memory' }, server: { logLevel: 'info' }, orgs: [structuredClone(demoOrg)] }, 'test');
    const sb = await createSwitchboard(config, { store, logDestination: log.logDestination });
    store.down = true;
    await sb.app.inject({ method: 'GET', url: '/chat/rest/System/SessionId', headers: V });
    await expect(sb.stop()).rejects.toThrow(/final group commit was not written/);
    expect(log.lines.filter((l) => /final group commit|refused the last changes/.test(JSON.stringify(l))), log.text()).toEqual([]);
  });
});
