/**
 * The bench's two-org config (bench/targets/switchboard-config.mjs), which the cluster
 * rows of the throughput scenario run with: one node serving both orgs, or two shard
 * nodes (ADR 0066) on the same file. The server's own `check-config` must accept both
 * (a cluster section the server does not know, or shaped otherwise, would only show as
 * a skipped row). Needs dist/ (npm run --silent build); the module is plain JavaScript
 * (the bench's), so it runs in a node child here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const MODULE = pathToFileURL(join('bench', 'targets', 'switchboard-config.mjs')).href;
const MAIN = join('dist', 'src', 'cli', 'main.js');
const STORAGE = { kind: 'postgres', postgresUrl: 'postgres://postgres@127.0.0.1:5432/unused' };
const dir = mkdtempSync(join(tmpdir(), 'bench-cluster-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface OrgShape { id: string; deployments: { id: string; buttons: { id: string }[] }[]; agents: { id: string; username?: string }[] }
interface Config { orgs: OrgShape[]; cluster?: { shard: string; shards: { id: string; orgs: string[]; url?: string }[] } }

function twoOrgConfig(shards: unknown): Config {
  const code = `const m = await import(${JSON.stringify(MODULE)}); process.stdout.write(JSON.stringify(m.twoOrgConfig({ holdSeconds: 25, storage: ${JSON.stringify(STORAGE)}, shards: ${JSON.stringify(shards)} })));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Config;
}

function checkConfig(config: Config, name: string): { status: number | null; output: string } {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  const r = spawnSync(process.execPath, [MAIN, 'check-config', '--config', file], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('bench two-org config (cluster rows)', () => {
  it('has two orgs with ids of their own, and each org in one shard when sharded', () => {
    const oneNode = twoOrgConfig(null);
    expect(oneNode.cluster).toBeUndefined();
    const ids = oneNode.orgs.flatMap((o) => [o.id, ...o.deployments.flatMap((d) => [d.id, ...d.buttons.map((b) => b.id)]), ...o.agents.map((a) => a.id)]);
    expect(oneNode.orgs).toHaveLength(2);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9A-Za-z]{15}$/);
    const logins = oneNode.orgs.flatMap((o) => o.agents.map((a) => a.username).filter(Boolean));
    expect(new Set(logins).size).toBe(2);

    const sharded = twoOrgConfig([{ id: 'a', url: 'http://127.0.0.1:8081' }, { id: 'b' }]);
    expect(sharded.orgs).toEqual(oneNode.orgs);
    expect(sharded.cluster?.shard).toBe('a');
    expect(sharded.cluster?.shards).toEqual([
      { id: 'a', orgs: [oneNode.orgs[0]!.id], url: 'http://127.0.0.1:8081' },
      { id: 'b', orgs: [oneNode.orgs[1]!.id] },
    ]);
  });

  it("is accepted by the server's check-config, with and without the cluster section", () => {
    const oneNode = checkConfig(twoOrgConfig(null), 'one-node');
    expect(oneNode.status, oneNode.output).toBe(0);
    const sharded = checkConfig(twoOrgConfig([{ id: 'a', url: 'http://127.0.0.1:8081' }, { id: 'b', url: 'http://127.0.0.1:8082' }]), 'sharded');
    expect(sharded.status, sharded.output).toBe(0);
  });
});
