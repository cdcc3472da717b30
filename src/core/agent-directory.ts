/**
 * Agents at run time: presence, capacity, the chats they hold, and the listeners
 * that receive their notifications (the demo bot, agent streams).
 */
import type { AgentConfig } from '../config/config-schema.js';
import type { LogEvent } from '../ports/records.js';
import { canonicalId } from '../protocol/liberal-values.js';
import { fail } from '../protocol/errors.js';
import type { PresenceReason } from '../protocol/agent-api-types.js';

export type Presence = 'online' | 'away' | 'offline';

export type AgentNotification =
  | { kind: 'offer'; sessionId: string }
  | { kind: 'offer-withdrawn'; sessionId: string; reason: string }
  | { kind: 'event'; event: LogEvent }
  /**
   * Presence, capacity or name changed (by the agent on any connection, or by the server: a drop, a
   * disable, an admin's change). `reason`: the server set the agent away for an offer it let pass (ADR 0054).
   */
  | { kind: 'presence'; reason?: PresenceReason };

export type AgentListener = (n: AgentNotification) => void;

export interface AgentRuntime {
  id: string;
  orgId: string;
  name: string;
  config: AgentConfig;
  presence: Presence;
  /** 0 means unlimited (bots). */
  capacity: number;
  /** Chats offered to or held by this agent. */
  chats: Set<string>;
  /**
   * Chats this agent is transferring, until the transfer happens or fails: each keeps
   * its place in the agent's capacity, so a transfer that fails always has room to come
   * back to its sender (docs/adr/0008 §9).
   */
  transfersOut: Set<string>;
  lastSeenAt: number;
}

export class AgentDirectory {
  private readonly agents = new Map<string, AgentRuntime>();
  private readonly listeners = new Map<string, Set<AgentListener>>();

  /**
   * Adds an agent. An id whose 15-character form is already taken is refused
   * rather than replacing that agent (config and user creation check it first;
   * this keeps a slip from handing one org's agent to another).
   */
  register(orgId: string, config: AgentConfig): AgentRuntime {
    if (this.agents.has(canonicalId(config.id))) fail('CONFLICT', `agent ${config.id} exists`);
    const a: AgentRuntime = { id: config.id, orgId, name: config.name, config, presence: 'offline', capacity: config.capacity, chats: new Set(), transfersOut: new Set(), lastSeenAt: 0 };
    this.agents.set(canonicalId(config.id), a);
    return a;
  }

  /**
   * Applies a user's stored fields (admin changes) to its routing entry: name,
   * skills, capacity, role. The capacity an agent chose for itself (PUT /presence)
   * lasts until the process restarts: an admin change replaces it only when it
   * changes the capacity (`capacityChanged`). Callers dispatch afterwards.
   */
  applyUser(u: { id: string; name: string; skills: string[]; capacity: number; role: AgentConfig['role'] }, capacityChanged = true): void {
    const a = this.get(u.id);
    if (!a || a.id !== u.id) return;
    Object.assign(a.config, { name: u.name, skills: u.skills, capacity: u.capacity, role: u.role });
    a.name = u.name;
    if (capacityChanged) a.capacity = u.capacity;
  }

  /** By id; an 18-character Salesforce id finds its 15-character agent. */
  get(id: string): AgentRuntime | undefined {
    return this.agents.get(canonicalId(id));
  }

  all(): AgentRuntime[] {
    return [...this.agents.values()];
  }

  /** What counts against the agent's capacity: chats offered to or held by it, and those it is transferring. */
  load(a: AgentRuntime): number {
    return a.chats.size + a.transfersOut.size;
  }

  /** True when the agent may take one more chat. */
  hasRoom(a: AgentRuntime): boolean {
    return a.presence === 'online' && (a.capacity === 0 || this.load(a) < a.capacity);
  }

  /** Load ratio for Most Available routing; unlimited agents count as empty. */
  loadRatio(a: AgentRuntime): number {
    return a.capacity === 0 ? 0 : this.load(a) / a.capacity;
  }

  subscribe(agentId: string, listener: AgentListener): () => void {
    let set = this.listeners.get(agentId);
    if (!set) this.listeners.set(agentId, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  notify(agentId: string, n: AgentNotification): void {
    const set = this.listeners.get(agentId);
    if (!set) return;
    for (const l of set) l(n);
  }
}
