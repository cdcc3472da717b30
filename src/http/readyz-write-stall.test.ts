/**
 * /readyz and a group commit that waits (storage.writeStuckSeconds): the store
 * still answers its ping, so until now the node said "ready" while every change
 * waited. Real stores, with the write lock held from another connection:
 *
 * - SQLite, locked by another process for 2.5 s. better-sqlite3 writes on the main
 *   thread and waits for the lock there (busy_timeout), so nothing, /readyz
 *   included, runs while it waits: the write is seen once it ended (`store write
 *   slow`), for as long again as the bound. (Held longer than the busy timeout, 5 s,
 *   the write fails instead and /readyz says `store refuses writes`, as before.)
 * - PostgreSQL, its sessions table locked by another connection: the write waits
 *   on the server while the node runs on, and /readyz sees it waiting (`store write
 *   stuck`), then `store write slow` once it went through.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scratchDatabase } from '../adapters/postgres/scratch-database.test-support.js';
import { demoOrg } from '../config/demo-deployment.js';
import { validateConfig } from '../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../main.js';

const BOUND_SECONDS = 1;
const NEW_SESSION = { method: 'GET', url: '/chat/rest/System/SessionId', headers: { 'x-liveagent-api-version': '34', 'x-liveagent-affinity': 'null' } } as const;

let running: Switchboard[] = [];
afterEach(async () => {
  for (const sb of running) await sb.stop();
  running = [];
});

async function boot(storage: Record<string, unknown>, server: Record<string, unknown> = {}): Promise<Switchboard> {
  const config = validateConfig({ storage: { writeStuckSeconds: BOUND_SECONDS, ...storage }, server: { host: '127.0.0.1', port: 0, ...server }, orgs: [structuredClone(demoOrg)] }, 'test');
  const sb = await createSwitchboard(config, { logger: pino({ level: 'silent' }) });
  running.push(sb);
  return sb;
}

async function readyz(sb: Switchboard): Promise<[number, string]> {
  const r = await sb.app.inject({ method: 'GET', url: '/readyz' });
  return [r.statusCode, r.body];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Another process that takes SQLite's write lock on `file` (BEGIN IMMEDIATE and a
 * write) and commits `holdMs` later. A process, not a second connection here: the
 * server's write waits for the lock on this thread, so a timer here could never release it.
 */
function holdWriteLock(file: string, holdMs: number): Promise<ChildProcess> {
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3');
  const script = `
    const Database = require(${JSON.stringify(sqlite)});
    const db = new Database(${JSON.stringify(file)});
    db.exec('BEGIN IMMEDIATE');
    db.prepare("insert into meta (key, value) values ('lock-holder', 'x') on conflict (key) do update set value = excluded.value").run();
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('COMMIT'); db.close(); process.stdout.write('released\\n'); }, ${holdMs});
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('locked')) resolve(child); });
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code}) before it held the lock`)));
  });
}

describe('/readyz and a write that waits on SQLite', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-readyz-write-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('answers 503 "store write slow" after a commit that waited for another connection\'s write lock longer than the bound, then ready again', async () => {
    const sb = await boot({ kind: 'sqlite' }, { dataDir });
    expect(await readyz(sb)).toEqual([200, 'ready']);

    const holder = await holdWriteLock(join(dataDir, 'switchboard.sqlite'), 2_500);
    const exited = new Promise((r) => holder.once('exit', r));
    const started = performance.now();
    const session = await sb.app.inject(NEW_SESSION);
    const waited = performance.now() - started;
    expect(session.statusCode, session.body).toBe(200); // it went through, once the lock was released
    expect(waited).toBeGreaterThan(2_000);
    expect(sb.engine.queue.failing).toBe(false);

    expect(await readyz(sb)).toEqual([503, 'store write slow']);
    await sleep(BOUND_SECONDS * 1000 + 100);
    expect(await readyz(sb)).toEqual([200, 'ready']);
    await exited;
  }, 20_000);
});

describe('/readyz and a write that waits on PostgreSQL', () => {
  const database = scratchDatabase('sb_readyz_write');
  beforeAll(() => database.create());
  afterAll(() => database.drop());

  it('answers 503 "store write stuck" while a commit waits behind a table lock, "store write slow" once it went through, then ready', async () => {
    const sb = await boot({ kind: 'postgres', postgresUrl: database.url });
    expect(await readyz(sb)).toEqual([200, 'ready']);

    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    try {
      // Reads go on (the ping reads `meta`, the sessions table too); writes to it wait.
      await locker.query('begin');
      await locker.query('lock table sessions in exclusive mode');
      const session = sb.app.inject(NEW_SESSION);
      await sleep(BOUND_SECONDS * 1000 + 300);
      expect(await readyz(sb)).toEqual([503, 'store write stuck']);
      expect(sb.engine.queue.failing).toBe(false);
      await locker.query('commit');
      expect((await session).statusCode).toBe(200);
      expect(await readyz(sb)).toEqual([503, 'store write slow']);
      await sleep(BOUND_SECONDS * 1000 + 100);
      expect(await readyz(sb)).toEqual([200, 'ready']);
    } finally {
      await locker.end();
    }
  }, 20_000);
});
