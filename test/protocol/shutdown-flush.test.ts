/**
 * SIGTERM whose final flush the store refuses exits 1, not 0: a supervisor
 * (systemd, Kubernetes) must see that the last changes were lost. The store is
 * the real SQLite file of the server, made to refuse writes by triggers the
 * test adds from its own connection. The loss is logged once.
 */
import Sqlite from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OWNS_PROCESS, useServer } from './harness.js';

const server = useServer();

describe.skipIf(!OWNS_PROCESS)('shutdown', () => {
  it('exits 1 and logs the loss when the store refuses the final flush', async () => {
    const db = new Sqlite(join(server.dataDir, 'switchboard.sqlite'));
    db.pragma('busy_timeout = 5000');
    for (const [name, when] of [['refuse_events', 'insert on "events"'], ['refuse_new_sessions', 'insert on "sessions"'], ['refuse_session_updates', 'update on "sessions"']]) {
      db.exec(`create trigger ${name} before ${when} begin select raise(abort, 'writes refused by the test'); end`);
    }
    db.close();

    // A new visitor session is a change the store now refuses; the group commit
    // keeps it to write again, and SIGTERM's drain is its last chance.
    const res = await server.req('GET', 'System/SessionId', { headers: { 'X-LIVEAGENT-API-VERSION': '34', 'X-LIVEAGENT-AFFINITY': 'null' } });
    expect(res.status).toBe(500);

    const exit = await server.stop();
    expect(exit.code, server.logTail).toBe(1);
    expect(server.logTail).toMatch(/final group commit was not written.*writes refused by the test/);
    // Logged once (by the CLI), not once by stop() and again by the CLI.
    expect(server.logTail.split('\n').filter((line) => line.includes('final group commit was not written')), server.logTail).toHaveLength(1);
  });
});
