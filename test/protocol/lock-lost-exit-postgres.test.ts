/**
 * A node cut off from PostgreSQL steps aside (storage.lockLostExitSeconds, ADR 0073): its node
 * lock lost and not taken again for that long, it exits with code 1, so that a balancer's
 * connect-failure failover (nginx `backup`) sends its traffic to the standby that took the shard
 * over, instead of to a node that can only answer 500s. Real processes on a real database: node A
 * of shard a reaches it through a TCP proxy the test cuts; its standby B reaches it directly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDatabase } from '../../src/adapters/postgres/scratch-database.test-support.js';
import { twoShardConfig } from '../../src/config/cluster-config.test-support.js';
import { TcpProxy } from '../sdk/tcp-proxy.js';
import { OWNS_PROCESS, TestServer, needsProcess, sleep } from './harness.js';
import { Failover, expectStandingBy, probe, untilReady } from './standby-support.js';
import { Visitor, expectOk } from './visitor.js';

const EXIT_AFTER_SECONDS = 3;

function shardANode(url: () => string, env: Record<string, string>): TestServer {
  return new TestServer({}, {
    env: { SWITCHBOARD_CLUSTER_SHARD: 'a', ...env },
    config: (settings) => ({ ...twoShardConfig(url(), 'a'), settings: { clientPollTimeoutSeconds: 40, ...settings } }),
  });
}

/** The value of `switchboard_cluster_shard{shard="a"}` a node reports. */
async function shardGauge(server: TestServer): Promise<string | undefined> {
  const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
  return /^switchboard_cluster_shard\{shard="a"\} (\S+)$/m.exec(text)?.[1];
}

describe.skipIf(!OWNS_PROCESS)(needsProcess('a node cut off from PostgreSQL on PostgreSQL'), () => {
  const db = scratchDatabase('sb_lockexit');
  const target = new URL(db.url);
  const proxy = new TcpProxy(() => ({ host: target.hostname, port: Number(target.port || 5432) }));
  const viaProxy = (): string => {
    const u = new URL(db.url);
    u.host = `127.0.0.1:${proxy.port}`;
    return u.toString();
  };
  const a = shardANode(viaProxy, { SWITCHBOARD_LOCK_LOST_EXIT_SECONDS: String(EXIT_AFTER_SECONDS) });
  const b = shardANode(() => db.url, { SWITCHBOARD_STANDBY: 'true' });
  beforeAll(async () => {
    await db.create();
    await proxy.start();
    await a.start();
    await b.start();
  }, 60_000);
  afterAll(async () => {
    await a.dispose();
    await b.dispose();
    await proxy.stop();
    await db.drop();
  });

  it('the standby takes the shard over; the cut-off node says it lost the shard, then exits 1 after lockLostExitSeconds; a message it accepted is delivered by the standby', async () => {
    await expectStandingBy(b);
    expect(await shardGauge(a)).toBe('1');
    const front = new Failover(a);
    const v = new Visitor(front.server);
    await v.start();
    await v.say('m1');
    await v.awaitEchoes(['m1']);
    // Accepted (200: durable) just before A loses the database.
    expectOk(await v.post('Chasitor/ChatMessage', { text: 'm2' }), 'ChatMessage m2');
    proxy.drop(10 * 60_000);
    const cutAt = performance.now();
    // A lives for now, not ready (its store does not answer), and its metrics say it lost the shard.
    for (let i = 0; i < 40 && (await shardGauge(a)) !== '0'; i++) await sleep(25);
    expect(await shardGauge(a)).toBe('0');
    expect((await probe(a, '/readyz')).status).toBe(503);
    await untilReady(b, 15_000);
    expect(await shardGauge(b)).toBe('1');
    // Then it steps aside: exit code 1 (a service manager restarts it), never 0.
    const exit = await a.exitWithin(EXIT_AFTER_SECONDS * 1000 + 12_000);
    const exitedAfterMs = performance.now() - cutAt;
    expect(exit.code, a.logTail).toBe(1);
    console.info(`lock lost: the cut-off node exited ${Math.round(exitedAfterMs)} ms after the cut (lockLostExitSeconds ${EXIT_AFTER_SECONDS})`);
    expect(exitedAfterMs).toBeGreaterThanOrEqual(EXIT_AFTER_SECONDS * 1000 - 100);
    expect(exitedAfterMs).toBeLessThan(EXIT_AFTER_SECONDS * 1000 + 10_000);
    expect(a.logTail.match(/"level":60[^\n]*node lock lost for 3 s: exiting so that a standby or spare can serve/g)).toHaveLength(1);
    // The standby serves the chat: the message A accepted is answered, once.
    front.to(b);
    await v.awaitEchoes(['m1', 'm2']);
    await v.say('m3');
    await v.awaitEchoes(['m1', 'm2', 'm3']);
    await v.expectNoMore();
  }, 90_000);
});
