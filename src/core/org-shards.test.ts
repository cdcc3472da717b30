import { describe, expect, it } from 'vitest';
import { validateConfig } from '../config/load-config.js';
import { SECOND_ORG, twoShardConfig } from '../config/cluster-config.test-support.js';
import { demoOrg } from '../config/demo-deployment.js';
import { OrgShards } from './org-shards.js';

const PG = 'postgres://postgres@127.0.0.1:5432/test';

describe('OrgShards (ADR 0066)', () => {
  it('without a cluster, serves every org, sends nothing elsewhere, and keeps store-wide names', () => {
    const config = validateConfig({ orgs: [structuredClone(demoOrg)] }, 'x');
    const shards = OrgShards.of(config);
    expect(shards.shard).toBeNull();
    expect(shards.serves('00D000000000999')).toBe(true);
    expect(shards.elsewhere(demoOrg.id)).toBeNull();
    expect(shards.scope(config)).toBe(config);
    expect(shards.scoped('writer_epoch')).toBe('writer_epoch');
  });

  it('in a cluster, serves its shard\'s orgs (by either id length), knows where the others are, and scopes names and config', () => {
    const config = validateConfig(twoShardConfig(PG, 'a', { b: 'https://la-b.example.com' }), 'x');
    const shards = OrgShards.of(config);
    expect(shards.shard).toBe('a');
    expect(shards.serves(demoOrg.id)).toBe(true);
    expect(shards.serves(`${demoOrg.id}EAA`)).toBe(true);
    expect(shards.serves(SECOND_ORG.organizationId)).toBe(false);
    expect(shards.elsewhere(demoOrg.id)).toBeNull();
    expect(shards.elsewhere(SECOND_ORG.organizationId)).toEqual({ shard: 'b', url: 'https://la-b.example.com' });
    expect(shards.elsewhere('00D000000000999')).toBeNull();
    expect(shards.deploymentOrg(SECOND_ORG.deploymentId)).toBe(SECOND_ORG.organizationId);
    expect(shards.scope(config).orgs.map((o) => o.id)).toEqual([demoOrg.id]);
    expect(config.orgs).toHaveLength(2);
    expect(shards.scoped('writer_epoch')).toBe('writer_epoch:shard:a');
    expect(OrgShards.misdirectedDetail(SECOND_ORG.organizationId, { shard: 'b', url: undefined })).toBe('organization 00D000000000002 is served by shard b');
    expect(OrgShards.misdirectedDetail(SECOND_ORG.organizationId, { shard: 'b', url: 'https://la-b.example.com' })).toBe('organization 00D000000000002 is served by shard b at https://la-b.example.com');
  });
});
