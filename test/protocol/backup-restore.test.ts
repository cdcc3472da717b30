/**
 * `switchboard backup` and `switchboard restore` on a real server process and
 * real files (docs/configuration.md#backup-and-restore): a backup taken while
 * visitors write is whole and holds every chat acknowledged before it started;
 * a restore into a data directory with a stale write-ahead log installs the
 * backup and nothing of that log; a restore is refused while a server runs.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { chatFile, logEvent, sessionRecord } from '../../src/adapters/chat-store-conformance.js';
import { offlineMessage } from '../../src/adapters/chat-store-offline-conformance.js';
import { createSqliteChatStore } from '../../src/adapters/sqlite/sqlite-chat-store.js';
import { emptyBatch } from '../../src/ports/chat-store.js';
import { toSessionRow } from '../../src/ports/records.js';
import { OWNS_PROCESS, TestServer, needsProcess } from './harness.js';
import { Visitor } from './visitor.js';

const MAIN = join('dist', 'src', 'cli', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'sb-backup-'));
const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.dispose();
  rmSync(work, { recursive: true, force: true });
});

/** The CLI as a child process, without blocking this one (the load keeps running meanwhile). */
function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  for (const name of ['SWITCHBOARD_DATA_DIR', 'SWITCHBOARD_CONFIG', 'SWITCHBOARD_STORAGE']) delete env[name];
  const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) => child.once('exit', (code) => {
    clearTimeout(killer);
    resolve({ code, stdout, stderr });
  }));
}

/** Visitors opening chats with the demo bot and talking, until stopped; `acked` gets each chat whose ChasitorInit was answered OK. */
function load(server: TestServer, workers: number, acked: Set<string>): { stop(): Promise<void> } {
  let running = true;
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let n = 0; running; n++) {
      const v = new Visitor(server);
      await v.createSession();
      const res = await v.init();
      expect(res.status, res.text).toBe(200);
      acked.add(v.id);
      for (let i = 0; i < 3 && running; i++) await v.post('ChatMessage', { text: `w${w} chat ${n} message ${i}` });
    }
  });
  return { stop: async () => { running = false; await Promise.all(loops); } };
}

/** quick_check, the journal mode as the file says, and the session ids of a store file (opened read-only). */
function inspect(file: string): { check: string; journal: string; ids: Set<string> } {
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    const check = (db.pragma('quick_check', { simple: true }) as string);
    const journal = String(db.pragma('journal_mode', { simple: true }));
    const ids = new Set(db.prepare('select id from sessions').pluck().all() as string[]);
    return { check, journal, ids };
  } finally {
    db.close();
  }
}

async function startServer(): Promise<TestServer> {
  const server = new TestServer();
  servers.push(server);
  await server.start();
  return server;
}

describe.skipIf(!OWNS_PROCESS)(needsProcess('backup and restore'), () => {
  it('backup under write load: every copy passes quick_check, is one file, and holds every chat acknowledged before it started', async () => {
    const server = await startServer();
    const acked = new Set<string>();
    const writers = load(server, 6, acked);
    try {
      for (let round = 0; round < 3; round++) {
        // Some writes acknowledged since the last round (bounded: on a loaded machine the first take longer than 400 ms).
        const ackedBefore = acked.size;
        await new Promise((r) => setTimeout(r, 400));
        for (let waited = 0; acked.size === ackedBefore && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
        const before = new Set(acked);
        expect(before.size).toBeGreaterThan(ackedBefore);
        const file = join(work, `load-${round}.sqlite`);
        const r = await cli('backup', '--data-dir', server.dataDir, '--to', file);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain('quick_check ok');
        const copy = inspect(file);
        expect(copy.check).toBe('ok');
        expect(copy.journal).toBe('delete');
        expect([...before].filter((id) => !copy.ids.has(id))).toEqual([]);
        expect(existsSync(`${file}-wal`)).toBe(false);
      }
    } finally {
      await writers.stop();
    }
    // The server was not disturbed: it still serves, and stops cleanly.
    const v = new Visitor(server);
    await v.createSession();
    expect((await v.init()).status).toBe(200);
    expect((await server.stop()).code).toBe(0);
    // Nothing of the backup's own was left in the data directory (no lock taken, no temporary file).
    expect(readdirSync(server.dataDir).filter((f) => !/^switchboard\.(sqlite|lock)(-wal|-shm|-journal)?$/.test(f))).toEqual([]);
  });

  it('restore into a data directory whose old -wal holds later chats installs the backup and none of them; the server starts on it', async () => {
    const server = await startServer();
    const early = new Set<string>();
    let writers = load(server, 3, early);
    await new Promise((r) => setTimeout(r, 500));
    await writers.stop();
    const backup = join(work, 'restore.sqlite');
    const taken = await cli('backup', '--data-dir', server.dataDir, '--to', backup);
    expect(taken.code, taken.stderr).toBe(0);
    const late = new Set<string>();
    writers = load(server, 3, late);
    await new Promise((r) => setTimeout(r, 500));
    await writers.stop();
    // A crash: the data directory keeps its -wal (and -shm) with the later chats in it.
    await server.kill9();
    expect(existsSync(join(server.dataDir, 'switchboard.sqlite-wal'))).toBe(true);
    expect(late.size).toBeGreaterThan(0);

    // What the audit did, on a copy of the directory: cp the backup over the file. SQLite replays the
    // stale log over it: damaged, or the later chats mixed in. (This is why restore exists.)
    const naive = join(work, 'naive');
    cpSync(server.dataDir, naive, { recursive: true });
    cpSync(backup, join(naive, 'switchboard.sqlite'));
    let naiveResult: string;
    try {
      const n = inspect(join(naive, 'switchboard.sqlite'));
      naiveResult = n.check !== 'ok' ? 'damaged' : [...late].some((id) => n.ids.has(id)) ? 'mixed' : 'clean';
    } catch {
      naiveResult = 'damaged';
    }
    expect(naiveResult).not.toBe('clean');

    const r = await cli('restore', '--from', backup, '--data-dir', server.dataDir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/restored from .* the store it replaced is .*before-restore-/);
    expect(existsSync(join(server.dataDir, 'switchboard.sqlite-wal'))).toBe(false);
    expect(existsSync(join(server.dataDir, 'switchboard.sqlite-shm'))).toBe(false);

    await server.start();
    expect((await server.req('GET', '/readyz')).status).toBe(200);
    expect((await server.stop()).code).toBe(0);
    const restored = inspect(join(server.dataDir, 'switchboard.sqlite'));
    expect(restored.check).toBe('ok');
    expect([...early].filter((id) => !restored.ids.has(id))).toEqual([]);
    expect([...late].filter((id) => restored.ids.has(id))).toEqual([]);
  });

  it('restore is refused while a server runs on the directory, and leaves it alone', async () => {
    const server = await startServer();
    const v = new Visitor(server);
    await v.createSession();
    expect((await v.init()).status).toBe(200);
    const backup = join(work, 'refused.sqlite');
    expect((await cli('backup', '--data-dir', server.dataDir, '--to', backup)).code).toBe(0);
    const r = await cli('restore', '--from', backup, '--data-dir', server.dataDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`a Switchboard node is running on ${server.dataDir}: stop it first`);
    expect(existsSync(join(server.dataDir, 'switchboard.sqlite-wal'))).toBe(true);
    expect(readdirSync(server.dataDir).filter((f) => f.includes('before-restore') || f.endsWith('.tmp'))).toEqual([]);
    expect((await server.req('GET', '/readyz')).status).toBe(200);
    await v.post('ChatMessage', { text: 'still here' });
    expect((await server.stop()).code).toBe(0);
  });

  it('backup and restore say what they need, and point PostgreSQL users to pg_dump', async () => {
    expect((await cli('backup', '--to', join(work, 'x.sqlite'))).code).toBe(2);
    const empty = mkdtempSync(join(work, 'empty-'));
    const r = await cli('backup', '--data-dir', empty, '--to', join(work, 'x.sqlite'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pg_dump');
  });

  it('backup and restore carry the files visitors uploaded (chat_files), byte for byte, and the messages they left (offline_messages)', async () => {
    const dataDir = mkdtempSync(join(work, 'files-data-'));
    const store = createSqliteChatStore({ dataDir, synchronous: 'normal' });
    await store.migrate();
    const file = chatFile('fs', 'f1', 't1');
    await store.write({ ...emptyBatch(), sessions: [toSessionRow(sessionRecord('fs', { lastOffset: 1 }))], events: [logEvent('fs', 1, null)], files: [file] });
    const left = offlineMessage('om1', 'o1', 5, { status: 'handled', handledBy: 'u1', handledAt: 1_800_000_000_010 });
    await store.putOfflineMessage(left);
    await store.close();
    const backupFile = join(work, 'files-backup.sqlite');
    const b = await cli('backup', '--data-dir', dataDir, '--to', backupFile);
    expect(b.code, b.stderr).toBe(0);
    const restoredDir = mkdtempSync(join(work, 'files-restored-'));
    const r = await cli('restore', '--from', backupFile, '--data-dir', restoredDir);
    expect(r.code, r.stderr).toBe(0);
    const restored = createSqliteChatStore({ dataDir: restoredDir, synchronous: 'normal' });
    await restored.migrate();
    const read = await restored.getChatFile('fs', 'f1');
    const messages = await restored.listOfflineMessages({ orgId: 'o1', limit: 5 });
    await restored.close();
    expect(messages).toEqual([left]);
    expect(read?.sha256).toBe(file.sha256);
    expect(Buffer.from(read!.bytes).equals(Buffer.from(file.bytes))).toBe(true);
  });

  it('backup --to an existing directory is refused naming it, and writes nothing there', async () => {
    const dataDir = mkdtempSync(join(work, 'to-dir-data-'));
    const store = createSqliteChatStore({ dataDir, synchronous: 'normal' });
    await store.migrate();
    await store.close();
    const target = mkdtempSync(join(work, 'to-dir-'));
    const r = await cli('backup', '--data-dir', dataDir, '--to', target);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`--to ${target} is a directory: give the backup's file name`);
    expect(r.stderr).not.toContain('EISDIR');
    expect(readdirSync(target)).toEqual([]);
  });

  it('a restore refused for a bad backup names the backup file, not a temporary file in the data directory, and changes nothing', async () => {
    const dataDir = mkdtempSync(join(work, 'restore-target-'));
    const garbage = join(work, 'garbage.sqlite');
    writeFileSync(garbage, 'not a database at all\n'.repeat(300));
    const other = join(work, 'other-app.sqlite');
    const db = new Sqlite(other);
    db.exec('create table t (x)');
    db.close();
    for (const [file, reason] of [[garbage, 'is not a SQLite database'], [other, 'is not a Switchboard store']] as const) {
      const r = await cli('restore', '--from', file, '--data-dir', dataDir);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`${file} ${reason}`);
      expect(r.stderr).not.toContain('.tmp');
    }
    expect(readdirSync(dataDir).filter((f) => f !== 'switchboard.lock')).toEqual([]);
  });
});
