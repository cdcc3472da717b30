// The Switchboard configuration the bench runs with: one org, the echo bot on
// button ECHO_BUTTON and a human "bench" agent (unlimited capacity) on AGENT_BUTTON.
// The cluster rows run two such orgs (the second a clone with ids of its own), on one
// node or on two shard nodes (ADR 0066).

export const ORG_ID = '00D000000000001';
export const DEPLOYMENT_ID = '572000000000001';
export const ECHO_BUTTON = '573000000000001';
export const AGENT_BUTTON = '573000000000009';
export const AGENT_CREDENTIALS = { username: 'bench', password: 'bench' };

/** The bench org's ids and its bench agent's login. */
export const BENCH_ORG = {
  orgId: ORG_ID,
  deploymentId: DEPLOYMENT_ID,
  echoButton: ECHO_BUTTON,
  agentButton: AGENT_BUTTON,
  botAgentId: '005000000000001',
  benchAgentId: '005000000000009',
  credentials: AGENT_CREDENTIALS,
};

/** The second org of the cluster rows: the bench org with 15-character ids and a login of its own. */
export const SECOND_ORG = {
  orgId: '00D000000000002',
  deploymentId: '572000000000002',
  echoButton: '573000000000021',
  agentButton: '573000000000029',
  botAgentId: '005000000000021',
  benchAgentId: '005000000000029',
  credentials: { username: 'bench-b', password: 'bench-b' },
};

/** One org of the bench config: its echo bot and its bench agent, both unlimited. */
function orgConfig(org) {
  return {
    id: org.orgId,
    deployments: [
      {
        id: org.deploymentId,
        buttons: [
          { id: org.echoButton, skills: ['demo-bot'] },
          { id: org.agentButton, skills: ['bench'] },
        ],
      },
    ],
    agents: [
      { id: org.botAgentId, name: 'Demo Bot', skills: ['demo-bot'], capacity: 0, bot: 'echo' },
      {
        id: org.benchAgentId,
        name: 'Bench Agent',
        username: org.credentials.username,
        password: `plain:${org.credentials.password}`,
        skills: ['bench'],
        capacity: 0,
      },
    ],
  };
}

function settings({ holdSeconds, sessionGraceSeconds }) {
  return { pollHoldSeconds: holdSeconds, ...(sessionGraceSeconds === undefined ? {} : { sessionGraceSeconds }) };
}

/**
 * @param sessionGraceSeconds when set: how long past clientPollTimeout a silent visitor stays
 *   live (the restart and failover scenarios' visitors never poll, and storing 10,000 of them
 *   can take longer than the default 40 + 20 s on a loaded machine).
 */
export function switchboardConfig({ holdSeconds, storage, sessionGraceSeconds }) {
  return { settings: settings({ holdSeconds, sessionGraceSeconds }), storage, orgs: [orgConfig(BENCH_ORG)] };
}

/**
 * The two-org config of the cluster rows: BENCH_ORG and SECOND_ORG. With `shards`
 * ([{id, url}], one per org, in that order) it has the cluster section that puts each org
 * in a shard of its own; without it one node serves both orgs. Every node of a cluster
 * runs this same file and picks its shard with SWITCHBOARD_CLUSTER_SHARD.
 */
export function twoOrgConfig({ holdSeconds, storage, shards = null }) {
  const orgs = [BENCH_ORG, SECOND_ORG];
  if (shards && shards.length !== orgs.length) throw new Error(`twoOrgConfig: ${shards.length} shards for ${orgs.length} orgs`);
  return {
    settings: settings({ holdSeconds }),
    storage,
    orgs: orgs.map(orgConfig),
    // `shard` is required in the file: the first shard's; each node names its own with SWITCHBOARD_CLUSTER_SHARD.
    ...(shards ? { cluster: { shard: shards[0].id, shards: shards.map((shard, i) => ({ id: shard.id, orgs: [orgs[i].orgId], ...(shard.url ? { url: shard.url } : {}) })) } } : {}),
  };
}
