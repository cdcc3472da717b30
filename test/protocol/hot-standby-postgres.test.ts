/**
 * Hot standby on PostgreSQL (ADR 0048): a second process started with
 * SWITCHBOARD_STANDBY waits for the store and takes it over when the active node
 * dies, with nothing lost or duplicated; and when the active node merely loses its
 * node lock (its lock connection ended, the node alive), the writer epoch fences
 * its writes off: no 200 for them, and it stops.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { scratchDatabase, adminQuery } from '../../src/adapters/postgres/scratch-database.test-support.js';
import { OWNS_PROCESS, TestServer, demoConfig, needsProcess } from './harness.js';
import { Failover, expectStandingBy, probe, untilReady } from './standby-support.js';
import { Visitor, expectOk } from './visitor.js';

/** Events of the store, per session, in offset order (what both nodes wrote). */
async function storedEvents(url: string): Promise<{ session_id: string; offset: number; type: string; data: string }[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ session_id: string; offset: number; type: string; data: string }>('select session_id, "offset", type, data from events order by session_id, "offset"')).rows;
  } finally {
    await client.end();
  }
}

function texts(events: { type: string; data: string }[], type: string): string[] {
  return events.filter((e) => e.type === type).map((e) => String((JSON.parse(e.data) as { text?: unknown }).text));
}

function pgServer(url: string, env: Record<string, string> = {}): TestServer {
  return new TestServer({}, { env, config: (settings) => ({ ...demoConfig(settings), storage: { kind: 'postgres', postgresUrl: url } }) });
}

describe.skipIf(!OWNS_PROCESS)(needsProcess('hot standby on PostgreSQL'), () => {
  describe('kill -9 of the active node', () => {
    const db = scratchDatabase('sb_standby');
    const a = pgServer(db.url);
    const b = pgServer(db.url, { SWITCHBOARD_STANDBY: 'true' });
    beforeAll(async () => {
      await db.create();
      await a.start();
      await b.start(); // resolves once the standby listens
    }, 60_000);
    afterAll(async () => {
      await a.dispose();
      await b.dispose();
      await db.drop();
    });

    it('the standby takes over within seconds: every message once, in order, the pending one answered once, sequences keep growing', async () => {
      await expectStandingBy(b);
      const front = new Failover(a);
      const v = new Visitor(front.server);
      await v.start();
      await v.say('m1');
      await v.awaitEchoes(['m1']);
      // Accepted (200: durable), and the node dies before anyone polls its answer.
      expectOk(await v.post('Chasitor/ChatMessage', { text: 'm2' }), 'ChatMessage m2');
      await a.kill9();
      const takeoverMs = await untilReady(b, 15_000);
      console.info(`hot standby (PostgreSQL): ready ${Math.round(takeoverMs)} ms after the active node's kill -9`);
      expect(takeoverMs).toBeLessThan(10_000);
      expect(b.logTail).toMatch(/node lock taken: taking the store over/);
      front.to(b);
      await v.awaitEchoes(['m1', 'm2']);
      await v.say('m3');
      await v.awaitEchoes(['m1', 'm2', 'm3']);
      await v.expectNoMore();
      expect(v.echoes()).toEqual(['m1', 'm2', 'm3']);
      // The store holds each message and each answer once.
      const events = await storedEvents(db.url);
      expect(texts(events, 'ChasitorChatMessage')).toEqual(['m1', 'm2', 'm3']);
      expect(texts(events, 'ChatMessage').filter((t) => /^m\d$/.test(t))).toEqual(['m1', 'm2', 'm3']);
    });
  });

  describe('the active node loses its lock while it lives', () => {
    const db = scratchDatabase('sb_fence');
    // Node A connects as a role of its own, so that the test can keep it from taking its
    // lock again (NOLOGIN: its pool's open connections go on working, as behind a proxy
    // that cut only the lock's connection) while the standby, as postgres, takes it.
    const role = `sb_fence_a_${process.pid}`;
    const aUrl = new URL(db.url);
    aUrl.username = role;
    // lockLostExitSeconds 0: the fence alone stops it here. Its default (10 s, ADR 0073) is a second
    // way out, which would stop A too, before the fence is tried if B's takeover were slow.
    const a = pgServer(aUrl.toString(), { SWITCHBOARD_LOCK_LOST_EXIT_SECONDS: '0' });
    const b = pgServer(db.url, { SWITCHBOARD_STANDBY: 'true' });
    beforeAll(async () => {
      await adminQuery(`create role ${role} login`);
      await adminQuery(`create database ${db.name} owner ${role}`);
      await a.start();
      await b.start();
    }, 60_000);
    afterAll(async () => {
      await a.dispose();
      await b.dispose();
      await db.drop();
      await adminQuery(`drop role if exists ${role}`);
    });

    it('the standby takes over; the old node\'s next write is refused (no 200), it stops with the fatal log; nothing is duplicated', async () => {
      await expectStandingBy(b);
      const front = new Failover(a);
      const v = new Visitor(front.server);
      await v.start();
      await v.say('f1');
      await v.awaitEchoes(['f1']);
      // A's pool keeps the connections it has (closed after 10 s idle): its /readyz pings keep one in use
      // while B takes over, however long that takes on a busy machine.
      const warm = setInterval(() => void probe(a, '/readyz').catch(() => undefined), 200);
      onTestFinished(() => clearInterval(warm));
      await adminQuery(`alter role ${role} nologin`);
      await adminQuery(`select pg_terminate_backend(pid) from pg_stat_activity where usename = '${role}' and application_name = 'switchboard-node-lock'`);
      const takeoverMs = await untilReady(b, 15_000);
      console.info(`hot standby (PostgreSQL): took the store over ${Math.round(takeoverMs)} ms after the old node's lock connection ended`);
      // The old node lives, and knows it lost its lock.
      expect(await probe(a, '/readyz')).toMatchObject({ status: 503, text: 'node lock lost' });
      // Its pool still works: without the fence this message would be written beside the new node's.
      const refused = await v.post('Chasitor/ChatMessage', { text: 'f2' });
      expect(refused.status, refused.text).not.toBe(200);
      clearInterval(warm);
      const exit = await a.exitWithin(15_000);
      expect(exit.code, a.logTail).toBe(1);
      expect(a.logTail).toMatch(/another node took over this store/);
      expect(a.logTail.match(/"level":60[^\n]*another node took over this store/g)).toHaveLength(1);
      // The new node serves the chat; the refused message is nowhere.
      front.to(b);
      await v.awaitEchoes(['f1']);
      await v.say('f3');
      await v.awaitEchoes(['f1', 'f3']);
      await v.expectNoMore();
      const events = await storedEvents(db.url);
      expect(texts(events, 'ChasitorChatMessage')).toEqual(['f1', 'f3']);
      expect(texts(events, 'ChatMessage').filter((t) => /^f\d$/.test(t))).toEqual(['f1', 'f3']);
    });
  });
});
