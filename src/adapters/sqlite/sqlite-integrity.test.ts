/**
 * A SQLite file with corrupt pages does not start: the store runs PRAGMA
 * quick_check when it opens an existing file (up to a size limit; above it the
 * check is skipped and logged), since the health check reads only `meta` and
 * would report ready. Real files, corrupted by the test.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../../ports/records.js';
import { createSqliteChatStore } from './sqlite-chat-store.js';

const PAGE = 4096;

/** A store file with ~2,000 events, checkpointed and closed; returns its data dir. */
async function storeWithEvents(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-integrity-'));
  const store = createSqliteChatStore({ dataDir: dir, synchronous: 'normal' });
  await store.migrate();
  for (let b = 0; b < 20; b++) {
    const events: LogEvent[] = [];
    for (let i = 1; i <= 100; i++) {
      const offset = b * 100 + i;
      events.push({ sessionId: 's1', offset, vseq: offset, type: 'ChatMessage', actor: 'agent', at: offset, data: { text: `message ${offset} ${'x'.repeat(400)}` } });
    }
    await store.write({ sessions: [], events, buttonStats: [], visitorBreadcrumbs: [] });
  }
  await store.close();
  return dir;
}

/** Overwrites the middle pages of the file (the events table's, written last) with garbage. */
function corruptMiddlePages(file: string): void {
  const pages = Math.floor(statSync(file).size / PAGE);
  const fd = openSync(file, 'r+');
  const garbage = Buffer.alloc(PAGE, 0xa5);
  for (let p = Math.floor(pages / 2); p < Math.floor(pages / 2) + 4; p++) writeSync(fd, garbage, 0, PAGE, p * PAGE);
  closeSync(fd);
}

describe('SQLite integrity check at start-up', () => {
  it('refuses to open a file with corrupt pages, saying which file and what SQLite found', async () => {
    const dir = await storeWithEvents();
    const file = join(dir, 'switchboard.sqlite');
    corruptMiddlePages(file);
    expect(() => createSqliteChatStore({ dataDir: dir, synchronous: 'normal' })).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged \\(SQLite's quick_check: `));
  });

  it('skips the check for a file over the size limit, and says so', async () => {
    const dir = await storeWithEvents();
    corruptMiddlePages(join(dir, 'switchboard.sqlite'));
    const logged: string[] = [];
    const logger = { info: (_: object, msg: string) => logged.push(msg), warn: () => undefined, error: () => undefined };
    const store = createSqliteChatStore({ dataDir: dir, synchronous: 'normal', logger, quickCheckMaxBytes: PAGE });
    expect(logged).toEqual([expect.stringMatching(/quick_check\) skipped/)]);
    await store.close();
  });

  it('the server exits 1 with the message instead of starting and reporting ready', async () => {
    const main = join('dist', 'src', 'cli', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} not found: run \`npm run build\` first`);
    const dir = await storeWithEvents();
    corruptMiddlePages(join(dir, 'switchboard.sqlite'));
    const r = spawnSync(process.execPath, [main, 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dir], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, SWITCHBOARD_CONFIG: '' } });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stderr).toMatch(/switchboard\.sqlite is damaged \(SQLite's quick_check: /);
    // What to do, exactly: restore (which removes the stale -wal), not copy a backup over the file.
    expect(r.stderr).toContain(`run \`switchboard restore --from BACKUP_FILE --data-dir ${dir}\``);
    expect(r.stderr).toContain(`move switchboard.sqlite, switchboard.sqlite-wal and switchboard.sqlite-shm out of ${dir}`);
    expect(r.stdout).not.toMatch(/listening on/);
  });
});
