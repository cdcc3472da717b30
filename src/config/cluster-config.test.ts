/**
 * The cluster section (ADR 0066): every org in exactly one shard, PostgreSQL only, the
 * node's shard among them, SWITCHBOARD_CLUSTER_SHARD picking it from one shared file.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig, validateConfig } from './load-config.js';
import { SECOND_ORG, twoShardConfig } from './cluster-config.test-support.js';
import { refusal, useConfigFiles } from './config-files.test-support.js';
import { unknownSettings } from './unknown-settings.js';

const PG = 'postgres://postgres@127.0.0.1:5432/test';
const files = useConfigFiles('cluster');
const problemsOf = (fn: () => unknown): string[] => refusal(fn).problems;

type Raw = { storage: Record<string, unknown>; orgs: unknown[]; cluster: { shard: string; shards: { id: string; orgs: string[]; url?: string }[] } };
const raw = (shard: 'a' | 'b' = 'a'): Raw => twoShardConfig(PG, shard) as Raw;

describe('the cluster section', () => {
  it('is accepted as the shared file writes it, and is absent without a cluster', () => {
    const config = validateConfig(raw(), 'x.yaml');
    expect(config.cluster).toEqual({ shard: 'a', shards: [{ id: 'a', orgs: ['00D000000000001'] }, { id: 'b', orgs: [SECOND_ORG.organizationId] }] });
    expect(validateConfig({}, 'x.yaml').cluster).toBeUndefined();
    expect(unknownSettings(raw())).toEqual([]);
  });

  it('needs PostgreSQL', () => {
    const r = raw();
    r.storage = { kind: 'sqlite' };
    expect(problemsOf(() => validateConfig(r, 'x.yaml'))).toEqual(['/cluster: needs storage.kind postgres (the shards share one database; sqlite is one node\'s own)']);
  });

  it('puts every org in exactly one shard, and only orgs of the file', () => {
    const none = raw();
    none.cluster.shards[1]!.orgs = ['00D000000000001'];
    expect(problemsOf(() => validateConfig(none, 'x.yaml'))).toEqual([
      '/cluster/shards/1/orgs/0: org 00D000000000001 is already in shard a (an org is served by one shard)',
      '/orgs/1/id: org 00D000000000002 is in no shard of cluster.shards (no node would serve it)',
    ]);
    const unknown = raw();
    unknown.cluster.shards[1]!.orgs.push('00D000000000077');
    expect(problemsOf(() => validateConfig(unknown, 'x.yaml'))).toEqual(['/cluster/shards/1/orgs/1: no org 00D000000000077 in orgs']);
    // An 18-character id is its 15-character twin.
    const long = raw();
    long.cluster.shards[0]!.orgs = ['00D000000000001EAA'];
    expect(validateConfig(long, 'x.yaml').cluster?.shards[0]?.orgs).toEqual(['00D000000000001EAA']);
  });

  it('refuses a shard defined twice, an unknown shard for the node, and a bad id or url', () => {
    const twice = raw();
    twice.cluster.shards[1]!.id = 'a';
    expect(problemsOf(() => validateConfig(twice, 'x.yaml'))).toContain('/cluster/shards/1/id: shard a is already defined');
    const missing = raw();
    missing.cluster.shard = 'c';
    expect(problemsOf(() => validateConfig(missing, 'x.yaml'))).toEqual(['/cluster/shard: no shard c in cluster.shards (a, b)']);
    const bad = raw();
    bad.cluster.shards[0]!.id = 'A B';
    bad.cluster.shards[1]!.url = 'ftp://x';
    const problems = problemsOf(() => validateConfig(bad, 'x.yaml'));
    expect(problems.some((p) => p.startsWith('/cluster/shards/0/id: '))).toBe(true);
    expect(problems.some((p) => p.startsWith('/cluster/shards/1/url: '))).toBe(true);
  });

  it('SWITCHBOARD_CLUSTER_SHARD picks the node\'s shard from one shared file; it does not make a cluster', () => {
    const file = files.file('cluster.json', JSON.stringify(raw('a')));
    expect(loadConfig(file, {}, {}).cluster?.shard).toBe('a');
    expect(loadConfig(file, { SWITCHBOARD_CLUSTER_SHARD: 'b' }, {}).cluster?.shard).toBe('b');
    expect(problemsOf(() => loadConfig(file, { SWITCHBOARD_CLUSTER_SHARD: 'c' }, {}))).toEqual(['/cluster/shard: no shard c in cluster.shards (a, b)']);
    // `*`: whichever shard is free when the node takes the lock.
    expect(loadConfig(file, { SWITCHBOARD_CLUSTER_SHARD: '*' }, {}).cluster?.shard).toBe('*');
    expect(problemsOf(() => loadConfig(file, { SWITCHBOARD_CLUSTER_SHARD: '**' }, {}))[0]).toMatch(/^\/cluster\/shard: /);
    expect(problemsOf(() => loadConfig(undefined, { SWITCHBOARD_CLUSTER_SHARD: 'a' }, {})))
      .toEqual(['SWITCHBOARD_CLUSTER_SHARD: a names a shard, but the config has no cluster section (cluster.shards)']);
  });
});
