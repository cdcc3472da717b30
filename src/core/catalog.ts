/**
 * The configured orgs, deployments, buttons and agents, indexed for the lookups
 * the protocol needs. Ids match on their 15-character form, so clients may send
 * either the 15- or the 18-character Salesforce id.
 */
import type { AgentConfig, ButtonConfig, OrgConfig, SwitchboardConfig } from '../config/config-schema.js';
import { canonicalId } from '../protocol/liberal-values.js';

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

  constructor(config: SwitchboardConfig) {
    for (const org of config.orgs) {
      this.orgs.set(canonicalId(org.id), org);
      for (const dep of org.deployments) {
        this.deployments.set(canonicalId(dep.id), { orgId: org.id, buttonIds: dep.buttons.map((b) => b.id) });
        for (const b of dep.buttons) this.buttons.set(canonicalId(b.id), { orgId: org.id, deploymentId: dep.id, config: b });
      }
      for (const a of org.agents) this.agents.set(canonicalId(a.id), { orgId: org.id, config: a });
    }
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
