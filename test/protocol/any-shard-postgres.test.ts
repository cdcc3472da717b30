/**
 * Nodes of any shard (`cluster.shard: "*"`, ADR 0066), as real processes on one PostgreSQL
 * database: each takes the first shard no other node holds, and a standby of any shard takes
 * over whichever shard's node dies. One spare covers every shard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDatabase } from '../../src/adapters/postgres/scratch-database.test-support.js';
import { SECOND_ORG, twoShardConfig } from '../../src/config/cluster-config.test-support.js';
import { DEMO_IDS } from '../../src/config/demo-deployment.js';
import { OWNS_PROCESS, TestServer, needsProcess, request } from './harness.js';
import { expectStandingBy, untilReady } from './standby-support.js';

function shardNode(url: string, shard: 'a' | '*', env: Record<string, string> = {}): TestServer {
  return new TestServer({}, {
    env: { SWITCHBOARD_CLUSTER_SHARD: shard, ...env },
    config: (settings) => ({ ...twoShardConfig(url, 'a'), settings: { clientPollTimeoutSeconds: 40, ...settings } }),
  });
}

/** Which org a node serves: 200 for its own org's Availability, 421 for the other's. */
async function servedOrg(server: TestServer): Promise<string> {
  const ask = async (org: string, deployment: string, button: string) =>
    (await request(server.baseUrl, 'GET', 'Visitor/Availability', { headers: { 'X-LIVEAGENT-API-VERSION': '34' }, query: { org_id: org, deployment_id: deployment, 'Availability.ids': button } })).status;
  const first = await ask(DEMO_IDS.organizationId, DEMO_IDS.deploymentId, DEMO_IDS.botButtonId);
  const second = await ask(SECOND_ORG.organizationId, SECOND_ORG.deploymentId, SECOND_ORG.botButtonId);
  if (first === 200 && second === 421) return DEMO_IDS.organizationId;
  if (first === 421 && second === 200) return SECOND_ORG.organizationId;
  throw new Error(`serves neither org alone: ${first} / ${second}\n${server.logTail}`);
}

describe.skipIf(!OWNS_PROCESS)(needsProcess('nodes of any shard on PostgreSQL'), () => {
  const db = scratchDatabase('sb_anyshard');
  const a = shardNode(db.url, 'a');
  const anyActive = shardNode(db.url, '*');
  const spare = shardNode(db.url, '*', { SWITCHBOARD_STANDBY: 'true' });
  beforeAll(async () => {
    await db.create();
    await a.start();
  }, 60_000);
  afterAll(async () => {
    await a.dispose();
    await anyActive.dispose();
    await spare.dispose();
    await db.drop();
  });

  it('a node of any shard takes the free one; a spare stands by while both are held, and takes over the shard whose node dies', async () => {
    await anyActive.start();
    expect(await servedOrg(a)).toBe(DEMO_IDS.organizationId);
    expect(await servedOrg(anyActive)).toBe(SECOND_ORG.organizationId);
    expect(anyActive.logTail).toContain('cluster mode: serving shard b');

    await spare.start();
    await expectStandingBy(spare);
    await a.kill9();
    await untilReady(spare, 15_000);
    expect(await servedOrg(spare)).toBe(DEMO_IDS.organizationId);
    expect(spare.logTail).toContain('cluster mode: serving shard a');
    // Shard b was never touched.
    expect(await servedOrg(anyActive)).toBe(SECOND_ORG.organizationId);
  }, 60_000);
});
