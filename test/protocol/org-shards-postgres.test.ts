/**
 * Cluster mode by static org shards (ADR 0066), against real processes on one
 * scratch PostgreSQL database: node a serves org A, node b org B, side by side;
 * each answers a request for the other's org with 421 (the shard, and its url
 * when it has one); a hot standby of shard a takes a over after kill -9 with
 * nothing lost or doubled while b serves on undisturbed; and a node without a
 * cluster section does not start beside shard nodes, nor a shard node beside it.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { scratchDatabase } from '../../src/adapters/postgres/scratch-database.test-support.js';
import { OWNS_PROCESS, TestServer, needsProcess, type TestSettings } from './harness.js';
import {
  ORG_A, ORG_B, SHARD_B_URL, initBodyFor, login, metaRows, misdirected, shardedConfig, startChat, storedEvents, textsOf,
  unshardedConfig, untilEstablished, visitorGet, type StoredEvent,
} from './shard-support.js';
import { Failover, expectStandingBy, probe, untilReady } from './standby-support.js';
import { Visitor, expectOk } from './visitor.js';

/** A start that must fail: the error's message (the harness puts the exit code and the log in it), or null when it started. */
async function startFails(server: TestServer): Promise<string | null> {
  return server.start().then(() => null, (err: unknown) => (err instanceof Error ? err.message : String(err)));
}

/** Per session: offsets 1, 2, 3… and the visitor sequences among them 1, 2, 3…: nothing lost, nothing written twice. */
function expectUnbrokenLogs(events: readonly StoredEvent[]): void {
  const bySession = new Map<string, StoredEvent[]>();
  for (const e of events) bySession.set(e.session_id, [...(bySession.get(e.session_id) ?? []), e]);
  for (const [session, list] of bySession) {
    expect(list.map((e) => e.offset), `offsets of ${session}`).toEqual(list.map((_, i) => i + 1));
    const vseqs = list.flatMap((e) => (e.vseq === null ? [] : [e.vseq]));
    expect(vseqs, `visitor sequences of ${session}`).toEqual(vseqs.map((_, i) => i + 1));
  }
}

describe.skipIf(!OWNS_PROCESS)(needsProcess('org shards on one PostgreSQL database'), () => {
  describe('two shard nodes and a standby of shard a', () => {
    const db = scratchDatabase('sb_shards');
    const a = new TestServer({}, { config: shardedConfig(db) });
    const b = new TestServer({}, { config: shardedConfig(db), env: { SWITCHBOARD_CLUSTER_SHARD: 'b' } });
    const standbyA = new TestServer({}, { config: shardedConfig(db), env: { SWITCHBOARD_CLUSTER_SHARD: 'a', SWITCHBOARD_STANDBY: 'true' } });
    beforeAll(async () => {
      await db.create();
      await Promise.all([a.start(), b.start()]);
      // After a: a standby started first would take shard a itself.
      await standbyA.start();
    }, 60_000);
    afterAll(async () => {
      await Promise.all([a.dispose(), b.dispose(), standbyA.dispose()]);
      await db.drop();
    });

    it('each node serves its own org\'s chat at the same time; each shard has its own affinity token and writer epoch', async () => {
      await expectStandingBy(standbyA);
      const va = new Visitor(a);
      const vb = new Visitor(b);
      await Promise.all([startChat(va, ORG_A), startChat(vb, ORG_B)]);
      await Promise.all([va.say('a1'), vb.say('b1')]);
      await Promise.all([va.say('a2'), vb.say('b2')]);
      await Promise.all([va.awaitEchoes(['a1', 'a2']), vb.awaitEchoes(['b1', 'b2'])]);
      await Promise.all([va.expectNoMore(), vb.expectNoMore()]);
      expect(va.echoes()).toEqual(['a1', 'a2']);
      expect(vb.echoes()).toEqual(['b1', 'b2']);

      // The affinity token is the shard's node id, kept per shard in the shared meta table.
      expect(va.affinity).not.toBe(vb.affinity);
      const ids = await metaRows(db, 'node_id');
      expect(ids).toMatchObject({ 'node_id:shard:a': va.affinity, 'node_id:shard:b': vb.affinity });
      const epochs = await metaRows(db, 'writer_epoch');
      expect(Object.keys(epochs)).toEqual(expect.arrayContaining(['writer_epoch:shard:a', 'writer_epoch:shard:b']));

      // Both chats are in the one database, each under its org.
      const events = await storedEvents(db);
      expect(textsOf(events.filter((e) => e.org_id === ORG_A.orgId), 'ChasitorChatMessage')).toEqual(['a1', 'a2']);
      expect(textsOf(events.filter((e) => e.org_id === ORG_B.orgId), 'ChasitorChatMessage')).toEqual(['b1', 'b2']);
    });

    it('a request for the other shard\'s org gets 421 naming its shard (and url); the session and the node are not harmed', async () => {
      // ChasitorInit for org B on node a: 421 with shard b's url; then the same request for org A
      // (a client's retry, same sequence) starts the chat: the 421 applied and recorded nothing.
      const v = new Visitor(a);
      await v.createSession();
      const wrong = await v.init(initBodyFor(v, ORG_B));
      expect({ status: wrong.status, text: wrong.text }).toEqual({ status: 421, text: misdirected(ORG_B.orgId, 'b', SHARD_B_URL) });
      expectOk(await v.init(initBodyFor(v, ORG_A)), 'ChasitorInit for org A after the 421');
      await untilEstablished(v);
      await v.say('after the 421');
      expect(await v.awaitEchoes(['after the 421'])).toEqual(['after the 421']);

      // Node b names shard a without a url (it has none).
      const vb = new Visitor(b);
      await vb.createSession();
      const wrongB = await vb.init(initBodyFor(vb, ORG_A));
      expect({ status: wrongB.status, text: wrongB.text }).toEqual({ status: 421, text: misdirected(ORG_A.orgId, 'a') });

      // Availability and Settings by org_id, or by the deployment alone (its org).
      const bOnA = misdirected(ORG_B.orgId, 'b', SHARD_B_URL);
      for (const [noun, query] of [
        ['Availability', `org_id=${ORG_B.orgId}&deployment_id=${ORG_B.deploymentId}&Availability.ids=${ORG_B.botButtonId}`],
        ['Availability', `deployment_id=${ORG_B.deploymentId}&Availability.ids=${ORG_B.botButtonId}`],
        ['Settings', `org_id=${ORG_B.orgId}&deployment_id=${ORG_B.deploymentId}&Settings.buttonIds=${ORG_B.botButtonId}`],
        ['Settings', `deployment_id=${ORG_B.deploymentId}`],
      ] as const) {
        const res = await visitorGet(a, noun, query);
        expect({ status: res.status, text: res.text }, `${noun}?${query} on node a`).toEqual({ status: 421, text: bOnA });
      }
      // Each node answers for its own org.
      for (const [node, org] of [[a, ORG_A], [b, ORG_B]] as const) {
        const res = await visitorGet(node, 'Availability', `org_id=${org.orgId}&deployment_id=${org.deploymentId}&Availability.ids=${org.botButtonId}`);
        expect(res.status, res.text).toBe(200);
        expect(res.json).toEqual({ messages: [{ type: 'Availability', message: { results: [{ id: org.botButtonId, isAvailable: true }] } }] });
      }

      // Agent login: org B's user on node a with the right password, 421; with a wrong one, 401 as for anyone.
      const misLogin = await login(a, ORG_B.username, ORG_B.password);
      expect({ status: misLogin.status, text: misLogin.text }).toEqual({ status: 421, text: bOnA });
      expect((await login(a, ORG_B.username, 'not-the-password')).status).toBe(401);
      const misLoginB = await login(b, ORG_A.username, ORG_A.password);
      expect({ status: misLoginB.status, text: misLoginB.text }).toEqual({ status: 421, text: misdirected(ORG_A.orgId, 'a') });
      for (const [node, org] of [[a, ORG_A], [b, ORG_B]] as const) {
        const ok = await login(node, org.username, org.password);
        expect(ok.status, `${org.username} on its own node: ${ok.text}`).toBe(200);
      }

      // Node a still serves its chat.
      await v.say('still here');
      expect(await v.awaitEchoes(['after the 421', 'still here'])).toEqual(['after the 421', 'still here']);
    });

    it('a node without a cluster section does not start on the database while shard nodes run', async () => {
      const whole = new TestServer({}, { config: unshardedConfig(db, { lockWaitSeconds: 1 }) });
      onTestFinished(() => whole.dispose());
      const failed = await startFails(whole);
      expect(failed, 'the unsharded node started beside the shard nodes').not.toBeNull();
      expect(failed).toMatch(/exited before listening \(code 1,/);
      expect(whole.logTail).toMatch(/another Switchboard node is using .*PostgreSQL database/);
      expect(await probe(a, '/readyz')).toMatchObject({ status: 200 });
      expect(await probe(b, '/readyz')).toMatchObject({ status: 200 });
    });

    it('kill -9 of node a: its standby takes shard a over, every message once and in order; node b serves on throughout', async () => {
      await expectStandingBy(standbyA);
      const front = new Failover(a);
      const va = new Visitor(front.server);
      const vb = new Visitor(b);
      await Promise.all([startChat(va, ORG_A), startChat(vb, ORG_B)]);
      await Promise.all([va.say('m1'), vb.say('n1')]);
      await Promise.all([va.awaitEchoes(['m1']), vb.awaitEchoes(['n1'])]);
      const epochsBefore = await metaRows(db, 'writer_epoch');
      const idsBefore = await metaRows(db, 'node_id');

      // Accepted (200: durable), and the node dies before anyone polls its answer.
      expectOk(await va.post('Chasitor/ChatMessage', { text: 'm2' }), 'ChatMessage m2');
      await a.kill9();
      // Shard b does not notice: a chat goes on while shard a has no node.
      await vb.say('n2');
      await vb.awaitEchoes(['n1', 'n2']);

      const takeoverMs = await untilReady(standbyA, 15_000);
      console.info(`org shards (PostgreSQL): shard a's standby ready ${Math.round(takeoverMs)} ms after kill -9 of node a`);
      expect(takeoverMs).toBeLessThan(10_000);
      expect(standbyA.logTail).toMatch(/node lock taken: taking the store over/);
      // The new node of shard a recovered shard a's chats only: org B's open chat stays node b's
      // (known there, a 503 would invite a resync that moves it; answered, two nodes would write it).
      const stray = await standbyA.req('GET', 'System/Messages', { headers: vb.headers(), query: { ack: -1 } });
      expect([403, 421], `org B's session asked of shard a's new node: ${stray.status} ${stray.text}`).toContain(stray.status);
      front.to(standbyA);
      await va.awaitEchoes(['m1', 'm2']);
      await Promise.all([va.say('m3'), vb.say('n3')]);
      await Promise.all([va.awaitEchoes(['m1', 'm2', 'm3']), vb.awaitEchoes(['n1', 'n2', 'n3'])]);
      await Promise.all([va.expectNoMore(), vb.expectNoMore()]);
      expect(va.echoes()).toEqual(['m1', 'm2', 'm3']);
      expect(vb.echoes()).toEqual(['n1', 'n2', 'n3']);

      // Shard a's writer epoch moved on (the old node is fenced off); shard b's did not; the
      // affinity tokens are the ones the visitors hold (no resync was needed).
      const epochsAfter = await metaRows(db, 'writer_epoch');
      expect(Number(epochsAfter['writer_epoch:shard:a'])).toBeGreaterThan(Number(epochsBefore['writer_epoch:shard:a']));
      expect(epochsAfter['writer_epoch:shard:b']).toBe(epochsBefore['writer_epoch:shard:b']);
      expect(await metaRows(db, 'node_id')).toEqual(idsBefore);

      // The store holds each message and each answer once, in order, with unbroken offsets and sequences.
      const events = await storedEvents(db);
      const ofA = events.filter((e) => e.org_id === ORG_A.orgId);
      const ofB = events.filter((e) => e.org_id === ORG_B.orgId);
      expect(textsOf(ofA, 'ChasitorChatMessage').filter((t) => /^m\d$/.test(t))).toEqual(['m1', 'm2', 'm3']);
      expect(textsOf(ofA, 'ChatMessage').filter((t) => /^m\d$/.test(t))).toEqual(['m1', 'm2', 'm3']);
      expect(textsOf(ofB, 'ChasitorChatMessage').filter((t) => /^n\d$/.test(t))).toEqual(['n1', 'n2', 'n3']);
      expect(textsOf(ofB, 'ChatMessage').filter((t) => /^n\d$/.test(t))).toEqual(['n1', 'n2', 'n3']);
      expect(events.every((e) => e.org_id === ORG_A.orgId || e.org_id === ORG_B.orgId), 'every event is of a session of a known org').toBe(true);
      expectUnbrokenLogs(events);
    });
  });

  describe('a shard node beside a node without a cluster section', () => {
    const db = scratchDatabase('sb_shards_guard');
    const whole = new TestServer({}, { config: unshardedConfig(db) });
    beforeAll(async () => {
      await db.create();
      await whole.start();
    }, 60_000);
    afterAll(async () => {
      await whole.dispose();
      await db.drop();
    });

    it('does not start, and the running node keeps serving both orgs', async () => {
      const shard = new TestServer({}, { config: shardedConfig(db, { lockWaitSeconds: 1 }), env: { SWITCHBOARD_CLUSTER_SHARD: 'b' } });
      onTestFinished(() => shard.dispose());
      const failed = await startFails(shard);
      expect(failed, 'the shard node started beside the unsharded node').not.toBeNull();
      expect(failed).toMatch(/exited before listening \(code 1,/);
      expect(shard.logTail).toMatch(/another Switchboard node is using .*PostgreSQL database/);
      const vb = new Visitor(whole);
      await startChat(vb, ORG_B);
      await vb.say('still one node');
      expect(await vb.awaitEchoes(['still one node'])).toEqual(['still one node']);
    });
  });

  describe('an org moved to another shard in the config file (ADR 0066, note "one shard map")', () => {
    const db = scratchDatabase('sb_shards_move');
    const b = new TestServer({}, { config: shardedConfig(db), env: { SWITCHBOARD_CLUSTER_SHARD: 'b' } });
    beforeAll(async () => {
      await db.create();
      await b.start();
    }, 60_000);
    afterAll(async () => {
      await b.dispose();
      await db.drop();
    });

    it('a node with the new file does not serve while another shard\'s node runs the old one: the moved org is never served by two nodes', async () => {
      const vb = new Visitor(b);
      await startChat(vb, ORG_B);
      await vb.say('before the move');
      expect(await vb.awaitEchoes(['before the move'])).toEqual(['before the move']);
      // The new file swaps the orgs: shard a would serve ORG_B, which b still serves.
      const moved = (settings: TestSettings) => {
        const c = shardedConfig(db, { lockWaitSeconds: 1 })(settings) as { cluster: { shards: { id: string; orgs: string[] }[] } };
        c.cluster.shards = [{ id: 'a', orgs: [ORG_B.orgId] }, { id: 'b', orgs: [ORG_A.orgId] }];
        return c;
      };
      const a = new TestServer({}, { config: moved });
      onTestFinished(() => a.dispose());
      const failed = await startFails(a);
      expect(failed, 'shard a started with another map than shard b\'s node').not.toBeNull();
      expect(failed).toMatch(/exited before listening \(code 1,/);
      expect(a.logTail).toContain("shard b's node runs another shard map");
      // b serves its chat on, alone.
      await vb.say('after the refused start');
      expect(await vb.awaitEchoes(['before the move', 'after the refused start'])).toEqual(['before the move', 'after the refused start']);
    });
  });
});
