/**
 * The configured orgs, deployments, buttons and agents, indexed for the lookups
 * the protocol needs. Ids match on their 15-character form, so clients may send
 * either the 15- or the 18-character Salesforce id.
 */
import type { AgentConfig, ButtonConfig, OrgConfig, SwitchboardConfig } from '../config/config-schema.js';
import { canonicalId } from '../protocol/liberal-values.js';
import { OrgShards, type ShardPlace } from './org-shards.js';

export interface ButtonEntry {
  orgId: string;
  deploymentId: string;
  config: ButtonConfig;
}

export interface AgentEntry {
  orgId: string;
  config: AgentConfig;
}

export class Catalog {
  private readonly orgs = new Map<string, OrgConfig>();
  private readonly deployments = new Map<string, { orgId: string; buttonIds: string[] }>();
  private readonly buttons = new Map<string, ButtonEntry>();
  private readonly agents = new Map<string, AgentEntry>();

  /**
   * `config` holds the orgs this node serves; `shards` knows the cluster's others (ADR 0066),
   * so that a request for one of them is told where to go.
   */
  constructor(config: SwitchboardConfig, private readonly shards: OrgShards = OrgShards.of(config)) {
    for (const org of config.orgs) {
      this.orgs.set(canonicalId(org.id), org);
      for (const dep of org.deployments) {
        this.deployments.set(canonicalId(dep.id), { orgId: org.id, buttonIds: dep.buttons.map((b) => b.id) });
        for (const b of dep.buttons) this.buttons.set(canonicalId(b.id), { orgId: org.id, deploymentId: dep.id, config: b });
      }
      for (const a of org.agents) this.agents.set(canonicalId(a.id), { orgId: org.id, config: a });
    }
  }

  /** This node's cluster shard; null when it serves every org of its config. */
  get shard(): string | null {
    return this.shards.shard;
  }

  /** Whether this node serves the org (ADR 0066): always without a cluster. */
  serves(orgId: string): boolean {
    return this.shards.serves(orgId);
  }

  /**
   * Where an org is served when another shard of the cluster serves it (a 421 names it), given
   * by its id or, when the request names none, by a deployment's; null for this node's orgs and unknown ones.
   */
  elsewhere(orgId: string | undefined, deploymentId?: string): ShardPlace & { orgId: string } | null {
    const org = orgId || (deploymentId ? this.shards.deploymentOrg(deploymentId) : undefined);
    return org ? this.placeOf(org) : null;
  }

  /**
   * Where the asked button or agent ids are served when none of them is this node's and one is
   * another shard's (an Availability or Settings that names no org or deployment, ADR 0066).
   */
  idsElsewhere(ids: readonly string[]): ShardPlace & { orgId: string } | null {
    if (this.shards.shard === null || ids.some((id) => this.buttons.has(canonicalId(id)) || this.agents.has(canonicalId(id)))) return null;
    for (const id of ids) {
      const org = this.shards.idOrg(id);
      const place = org ? this.placeOf(org) : null;
      if (place) return place;
    }
    return null;
  }

  private placeOf(org: string): ShardPlace & { orgId: string } | null {
    const place = this.shards.elsewhere(org);
    return place ? { ...place, orgId: org } : null;
  }

  org(id: string): OrgConfig | undefined {
    return this.orgs.get(canonicalId(id));
  }

  deployment(orgId: string, deploymentId: string): { orgId: string; buttonIds: string[] } | undefined {
    const d = this.deployments.get(canonicalId(deploymentId));
    return d && canonicalId(d.orgId) === canonicalId(orgId) ? d : undefined;
  }

  /** The org a deployment belongs to (deployment ids are unique across orgs), for a request that names no org. */
  orgOfDeployment(deploymentId: string): string | undefined {
    return this.deployments.get(canonicalId(deploymentId))?.orgId;
  }

  button(id: string): ButtonEntry | undefined {
    return this.buttons.get(canonicalId(id));
  }

  agent(id: string): AgentEntry | undefined {
    return this.agents.get(canonicalId(id));
  }

  allAgents(): AgentEntry[] {
    return [...this.agents.values()];
  }

  allButtons(): ButtonEntry[] {
    return [...this.buttons.values()];
  }

  /** Whether an agent serves a button: ToAgent buttons name their agent; others go by skills. */
  agentServesButton(agent: AgentConfig, button: ButtonConfig): boolean {
    if (button.type === 'ToAgent' && button.agentId) return canonicalId(button.agentId) === canonicalId(agent.id);
    return button.skills.some((s) => agent.skills.includes(s));
  }
}
