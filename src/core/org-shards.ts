/**
 * Which orgs this node serves (ADR 0066). Without a cluster section a node serves every
 * org of its config (ADR 0017). In cluster mode every node reads the same file, serves the
 * orgs of its own shard, and knows where the others' are, so that a request for one of
 * them is answered 421 with the place to go, not as if the org did not exist.
 */
import type { SwitchboardConfig } from '../config/config-schema.js';
import { canonicalId } from '../protocol/liberal-values.js';

/** Where an org is served: its shard, and the URL its clients reach it at when the config gives one. */
export interface ShardPlace {
  shard: string;
  url: string | undefined;
}

export class OrgShards {
  /** Shard of each org of the config, by canonical org id; empty without a cluster. */
  private readonly shardOfOrg = new Map<string, ShardPlace>();
  /** Org of each deployment of the config, by canonical id (Availability may name only a deployment). */
  private readonly orgOfDeployment = new Map<string, string>();
  /** Org of each button and agent of the config, by canonical id (Availability may name only those). */
  private readonly orgOfId = new Map<string, string>();

  private constructor(
    /** This node's shard; null when the node serves every org (no cluster). */
    readonly shard: string | null,
    config: SwitchboardConfig,
  ) {
    for (const s of config.cluster?.shards ?? []) {
      for (const orgId of s.orgs) this.shardOfOrg.set(canonicalId(orgId), { shard: s.id, url: s.url });
    }
    for (const org of config.orgs) {
      for (const d of org.deployments) {
        this.orgOfDeployment.set(canonicalId(d.id), org.id);
        for (const b of d.buttons) this.orgOfId.set(canonicalId(b.id), org.id);
      }
      for (const a of org.agents) this.orgOfId.set(canonicalId(a.id), org.id);
    }
  }

  static of(config: SwitchboardConfig): OrgShards {
    return new OrgShards(config.cluster?.shard ?? null, config);
  }

  /** True when this node serves the org (always, without a cluster). */
  serves(orgId: string): boolean {
    if (this.shard === null) return true;
    return this.shardOfOrg.get(canonicalId(orgId))?.shard === this.shard;
  }

  /** The shard that serves an org of the cluster when it is not this node's; null otherwise (served here, or unknown). */
  elsewhere(orgId: string): ShardPlace | null {
    if (this.shard === null) return null;
    const place = this.shardOfOrg.get(canonicalId(orgId));
    return place && place.shard !== this.shard ? place : null;
  }

  /** The org of a deployment anywhere in the cluster's config (this node's or another shard's). */
  deploymentOrg(deploymentId: string): string | undefined {
    return this.orgOfDeployment.get(canonicalId(deploymentId));
  }

  /** The org of a button or agent id anywhere in the cluster's config. */
  idOrg(id: string): string | undefined {
    return this.orgOfId.get(canonicalId(id));
  }

  /** The config as this node serves it: only its shard's orgs (the same config without a cluster). */
  scope(config: SwitchboardConfig): SwitchboardConfig {
    if (this.shard === null) return config;
    return { ...config, orgs: config.orgs.filter((o) => this.serves(o.id)) };
  }

  /**
   * A store-wide name made the shard's own (node lock, writer epoch, affinity token): shards run
   * side by side on one database, each with its own. Unchanged without a cluster, so that a
   * single node's store keeps its keys.
   */
  scoped(name: string): string {
    return this.shard === null ? name : `${name}:shard:${this.shard}`;
  }

  /** The text of a 421 (the error catalogue's detail): what serves the org, and where. */
  static misdirectedDetail(orgId: string, place: ShardPlace): string {
    return `organization ${orgId} is served by shard ${place.shard}${place.url ? ` at ${place.url}` : ''}`;
  }
}
