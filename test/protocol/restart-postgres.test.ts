/**
 * The whole server on PostgreSQL, killed and restarted: the restart suite's
 * promises (restart.test.ts) hold on the second store too. The asynchronous
 * group commit (PostgreSQL has no synchronous write), the node lock and the
 * recovery from the store run end to end here, not only in adapter tests.
 * Each run gets a database of its own in the machine's PostgreSQL.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNS_PROCESS, TestServer, demoConfig, needsProcess, sleep } from './harness.js';
import { Visitor, expectOk, type AckMode } from './visitor.js';

const ADMIN_URL = process.env['SWITCHBOARD_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const database = `sb_restart_${process.pid}_${Date.now() % 100_000}`;
const url = new URL(ADMIN_URL);
url.pathname = `/${database}`;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const server = new TestServer({}, { config: (settings) => ({ ...demoConfig(settings), storage: { kind: 'postgres', postgresUrl: url.toString() } }) });

beforeAll(async () => {
  await admin(`create database ${database}`);
  await server.start();
}, 60_000);

afterAll(async () => {
  await server.dispose();
  await admin(`drop database if exists ${database} with (force)`);
});

describe.skipIf(!OWNS_PROCESS)(needsProcess('restart on PostgreSQL'), () => {
  function visitors(): Visitor[] {
    return (['sequence', 'none'] as AckMode[]).map((mode) => {
      const v = new Visitor(server);
      v.ackMode = mode;
      return v;
    });
  }

  it('kill -9 after a 200, with no retry: the message and its undelivered answer are there after restart, once', async () => {
    const vs = visitors();
    await Promise.all(vs.map(async (v) => {
      await v.start();
      await v.say('p1');
      await v.awaitEchoes(['p1']);
      expectOk(await v.post('Chasitor/ChatMessage', { text: 'p2' }), 'ChatMessage p2');
    }));
    await sleep(300);
    await server.kill9();
    await server.start();
    await Promise.all(vs.map(async (v) => {
      await v.awaitEchoes(['p1', 'p2']);
      await v.say('p3');
      await v.awaitEchoes(['p1', 'p2', 'p3']);
      await v.expectNoMore();
      expect(v.echoes(), `ack mode ${v.ackMode}`).toEqual(['p1', 'p2', 'p3']);
    }));
  });

  it('SIGTERM and start again: pending answers delivered once, a retried message applied once, sequences keep growing', async () => {
    const v = new Visitor(server);
    await v.start();
    await v.say('s1');
    await v.awaitEchoes(['s1']);
    const seq = v.sentSequence + 1;
    expectOk(await v.post('Chasitor/ChatMessage', { text: 's2' }, { sequence: seq }), 'ChatMessage s2');
    await sleep(300);
    const exit = await server.restart();
    expect(exit.ms, 'exits within 10 s of SIGTERM').toBeLessThan(10_000);
    expect(exit.code, server.logTail).toBe(0);
    // A client that missed the 200 sends it again with the same sequence: applied once.
    expectOk(await v.post('Chasitor/ChatMessage', { text: 's2' }, { sequence: seq }), 'retried s2');
    await v.awaitEchoes(['s1', 's2']);
    await v.say('s3');
    await v.awaitEchoes(['s1', 's2', 's3']);
    await v.expectNoMore();
    expect(v.echoes()).toEqual(['s1', 's2', 's3']);
    // And it was PostgreSQL that kept them.
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const rows = (await client.query<{ n: string }>("select count(*) as n from events where type = 'ChasitorChatMessage'")).rows;
      expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(7);
    } finally {
      await client.end();
    }
  });
});
