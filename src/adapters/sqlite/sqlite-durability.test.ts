/**
 * `storage.sqliteSynchronous` reaches SQLite: the store opened from a config
 * reports (from SQLite itself, per connection) the level that config asked for.
 * ADR 0002 promises `full` survives a power loss; a store that ignored the
 * setting would quietly run at `normal`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load-config.js';
import { openStore } from '../../main.js';
import type { SqliteStore } from './sqlite-chat-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function storeWith(synchronous: 'normal' | 'full' | undefined): Promise<SqliteStore> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-sync-'));
  dirs.push(dir);
  const config = loadConfig(undefined, {}, { dataDir: dir });
  if (synchronous) config.storage.sqliteSynchronous = synchronous;
  const store = (await openStore(config)) as SqliteStore;
  await store.migrate();
  return store;
}

describe('SQLite durability settings', () => {
  it('WAL with synchronous=NORMAL by default, FULL when the config asks for it', async () => {
    const byDefault = await storeWith(undefined);
    expect(byDefault.durability()).toEqual({ journalMode: 'wal', synchronous: 'normal' });
    await byDefault.close();
    const full = await storeWith('full');
    expect(full.durability()).toEqual({ journalMode: 'wal', synchronous: 'full' });
    await full.close();
  });
});
