/**
 * A cluster config for tests (ADR 0066): the demo org in shard `a` and a copy of it with
 * ids of its own (org 00D000000000002, its bot 005000000000011, logins `agent2`,
 * `supervisor2`, `admin2`) in shard `b`.
 */
import type { OrgConfig } from './config-schema.js';
import { demoOrg } from './demo-deployment.js';

export const SECOND_ORG = {
  organizationId: '00D000000000002',
  deploymentId: '572000000000002',
  botButtonId: '573000000000011',
  emptyButtonId: '573000000000012',
  humanButtonId: '573000000000013',
  botAgentId: '005000000000011',
  humanAgentId: '005000000000012',
  supervisorId: '005000000000013',
  adminId: '005000000000014',
} as const;

/** The demo org again, with the ids of SECOND_ORG and usernames ending in 2. */
export function secondOrg(): OrgConfig {
  const org = structuredClone(demoOrg);
  org.id = SECOND_ORG.organizationId;
  org.name = 'Second Org';
  const d = org.deployments[0]!;
  d.id = SECOND_ORG.deploymentId;
  const [bot, empty, human] = d.buttons;
  bot!.id = SECOND_ORG.botButtonId;
  empty!.id = SECOND_ORG.emptyButtonId;
  human!.id = SECOND_ORG.humanButtonId;
  const ids = [SECOND_ORG.botAgentId, SECOND_ORG.humanAgentId, SECOND_ORG.supervisorId, SECOND_ORG.adminId];
  org.agents.forEach((a, i) => {
    a.id = ids[i]!;
    if (a.username) a.username = `${a.username}2`;
  });
  return org;
}

/** The raw config of a two-shard cluster on `postgresUrl`, as this node of `shard` reads it. */
export function twoShardConfig(postgresUrl: string, shard: 'a' | 'b', urls: { a?: string; b?: string } = {}): Record<string, unknown> {
  return {
    storage: { kind: 'postgres', postgresUrl },
    orgs: [structuredClone(demoOrg), secondOrg()],
    cluster: {
      shard,
      shards: [
        { id: 'a', orgs: [demoOrg.id], ...(urls.a ? { url: urls.a } : {}) },
        { id: 'b', orgs: [SECOND_ORG.organizationId], ...(urls.b ? { url: urls.b } : {}) },
      ],
    },
  };
}
