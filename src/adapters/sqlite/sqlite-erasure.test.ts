/**
 * An erasure on SQLite leaves the erased text neither in the database file nor in
 * its write-ahead log: deleted cells are overwritten (secure_delete) and the log is
 * checkpointed and cut to zero afterwards (scrubDeleted). Read from the files'
 * bytes, as anyone with the disk would.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sessionRecord } from '../chat-store-conformance.js';
import { emptyBatch } from '../../ports/chat-store.js';
import { toSessionRow, type SessionRecord } from '../../ports/records.js';
import { eraseVisitor } from '../../core/visitor-erasure.js';
import { createSqliteChatStore } from './sqlite-chat-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const SECRET = 'PRIVATE-erase-me-7f3a';
const inFile = (file: string) => existsSync(file) && readFileSync(file).includes(SECRET);

describe('SQLite erasure on disk', () => {
  it("leaves no trace of an erased chat's text in the database file or the WAL", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-erase-'));
    dirs.push(dataDir);
    const file = join(dataDir, 'switchboard.sqlite');
    const store = createSqliteChatStore({ dataDir, synchronous: 'normal' });
    await store.migrate();
    const record = sessionRecord('erased-chat', { closed: true, lastOffset: 2, request: { orgId: 'org-a', visitorId: 'v-secret' } as SessionRecord['request'] });
    const event = (offset: number) => ({ sessionId: 'erased-chat', offset, vseq: offset, type: 'ChasitorChatMessage', actor: 'visitor' as const, at: offset, data: { text: `${SECRET} ${offset}` } });
    await store.write({ ...emptyBatch(), sessions: [toSessionRow(record)], events: [event(1), event(2)], visitorBreadcrumbs: [{ key: 'k1', visitorId: 'v-secret', orgId: 'org-a', location: `https://shop/${SECRET}`, at: 1 }] });
    await store.checkpointNow(); // the text is in the database file too, as it would be after a while
    expect(inFile(file) || inFile(`${file}-wal`), 'the text is on disk before the erasure').toBe(true);

    expect(await eraseVisitor(store, 'org-a', 'v-secret')).toMatchObject({ deletedChats: 1, deletedBreadcrumbs: 1 });
    expect(inFile(file), 'in the database file').toBe(false);
    expect(inFile(`${file}-wal`), 'in the write-ahead log').toBe(false);
    await store.close();
  });
});
