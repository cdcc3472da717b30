/**
 * Queues and agent selection. Each button has a FIFO queue ordered by the time
 * the chat first asked for an agent, so a chat that comes back (agent
 * disconnect, transfer to a button) regains its old place. Selection follows the
 * button's rule: Most Available (lowest load ratio) or Least Active (fewest chats).
 * A chat that waits for one named agent (a transfer to an agent) sits in its
 * queue without holding a place in line: visitors waiting there are not told a
 * worse position or wait because of it, and it does not fill the queue.
 */
import type { ButtonConfig } from '../../config/config-schema.js';
import type { AgentDirectory, AgentRuntime } from '../agent-directory.js';
import type { Catalog } from '../catalog.js';
import type { ButtonHours } from './button-hours.js';

export interface Candidate {
  agentId: string;
  active: number;
  capacity: number;
  load: number;
}

/** Why an agent was chosen: kept in the log so supervisors can see it. */
export interface RoutingDecision {
  agentId: string;
  rule: ButtonConfig['routing'] | 'DirectToAgent';
  candidates: Candidate[];
}

interface QueueEntry {
  sessionId: string;
  queuedAt: number;
  /** Arrival order among chats queued in the same millisecond (see ChatSession.queueTicket). */
  ticket: number;
  /** False for a chat that waits for one named agent, not for the queue's agents. */
  holdsPlace: boolean;
  /**
   * False for a chat under transfer: its visitor still reads its agent's name, so it is told no
   * position (0) and no QueueUpdate, though a transfer to a skill or button stands in line ahead
   * of the chats that came after it, and counts in their positions (ADR 0043, later note).
   */
  toldPlace: boolean;
}

export class Router {
  private readonly queues = new Map<string, QueueEntry[]>();
  private readonly where = new Map<string, string>();

  constructor(
    private readonly catalog: Catalog,
    private readonly directory: AgentDirectory,
    private readonly hours: ButtonHours,
  ) {}

  /**
   * Queues a chat by (queuedAt, ticket): a chat that comes back (its agent
   * dropped, a transfer failed) keeps its queuedAt and its ticket, so it goes back
   * to its old place, also ahead of chats that arrived later in the same millisecond.
   */
  enqueue(buttonId: string, sessionId: string, queuedAt: number, ticket: number, holdsPlace = true, toldPlace = holdsPlace): void {
    this.remove(sessionId);
    let q = this.queues.get(buttonId);
    if (!q) this.queues.set(buttonId, (q = []));
    let i = q.length;
    while (i > 0 && (q[i - 1]!.queuedAt > queuedAt || (q[i - 1]!.queuedAt === queuedAt && q[i - 1]!.ticket > ticket))) i--;
    q.splice(i, 0, { sessionId, queuedAt, ticket, holdsPlace, toldPlace });
    this.where.set(sessionId, buttonId);
  }

  remove(sessionId: string): void {
    const b = this.where.get(sessionId);
    if (b === undefined) return;
    this.where.delete(sessionId);
    const q = this.queues.get(b);
    if (q) q.splice(q.findIndex((e) => e.sessionId === sessionId), 1);
  }

  queueOf(sessionId: string): string | undefined {
    return this.where.get(sessionId);
  }

  /**
   * 1-based position in line in its button's queue (chats that hold no place are
   * not counted), 0 when not queued, holding no place itself, or told none (under transfer).
   */
  position(sessionId: string): number {
    const b = this.where.get(sessionId);
    if (b === undefined) return 0;
    if (!this.queues.get(b)?.find((e) => e.sessionId === sessionId)?.toldPlace) return 0;
    return this.inLine(b).indexOf(sessionId) + 1;
  }

  /** Every chat in the queue, in order: also those waiting for one named agent. */
  queued(buttonId: string): string[] {
    return (this.queues.get(buttonId) ?? []).map((e) => e.sessionId);
  }

  /** The chats that hold a place in the queue's line, in order: what positions, waits and the size limit count. */
  inLine(buttonId: string): string[] {
    return (this.queues.get(buttonId) ?? []).filter((e) => e.holdsPlace).map((e) => e.sessionId);
  }

  buttonsWithQueues(): string[] {
    return [...this.queues.keys()].filter((b) => (this.queues.get(b)?.length ?? 0) > 0);
  }

  /**
   * Every waiting chat of every queue, oldest first by (queuedAt, ticket): a merge
   * of the queues, each already in that order. An agent who serves several queues
   * gets the chat that has waited longest, not the head of whichever queue happened
   * to be made first.
   */
  allQueuedOldestFirst(): { queueKey: string; sessionId: string }[] {
    const heads = [...this.queues].filter(([, q]) => q.length > 0).map(([queueKey, q]) => ({ queueKey, q, i: 0 }));
    const out: { queueKey: string; sessionId: string }[] = [];
    for (;;) {
      let best: (typeof heads)[number] | undefined;
      for (const h of heads) {
        if (h.i >= h.q.length) continue;
        const e = h.q[h.i]!;
        const b = best?.q[best.i];
        if (!b || e.queuedAt < b.queuedAt || (e.queuedAt === b.queuedAt && e.ticket < b.ticket)) best = h;
      }
      if (!best) return out;
      out.push({ queueKey: best.queueKey, sessionId: best.q[best.i]!.sessionId });
      best.i += 1;
    }
  }

  /**
   * Agents who serve the button and are online (whether or not they have room):
   * only agents of `orgId`, by default the button's own org, whatever skills other
   * orgs' agents have. A skill queue passes the chat's org: its config carries the
   * id of the chat's routed button, which may have been removed from the config
   * since, and a skill queue needs nothing of it but defaults. A button the catalog
   * does not know, without an org given, is served by nobody.
   */
  onlineAgents(button: ButtonConfig, orgId = this.catalog.button(button.id)?.orgId): AgentRuntime[] {
    if (orgId === undefined) return [];
    return this.directory.all().filter((a) => a.orgId === orgId && a.presence === 'online' && this.catalog.agentServesButton(a.config, button));
  }

  /**
   * A button is available when it is within its business hours (ADR 0062) and an agent serving
   * it is online with free capacity. Only new requests ask this: chats already waiting in a
   * closed button's queue are still offered (pick does not look at the hours).
   */
  isAvailable(button: ButtonConfig): boolean {
    return this.hours.openNow(button) && this.onlineAgents(button).some((a) => this.directory.hasRoom(a));
  }

  /** Picks an agent of `orgId` (onlineAgents) for a chat on `button`, skipping `exclude` (agents who declined). */
  pick(button: ButtonConfig, exclude: readonly string[], orgId?: string): RoutingDecision | null {
    const candidates = this.onlineAgents(button, orgId)
      .filter((a) => this.directory.hasRoom(a) && !exclude.includes(a.id))
      .map((a) => ({ agentId: a.id, active: this.directory.load(a), capacity: a.capacity, load: this.directory.loadRatio(a) }));
    if (!candidates.length) return null;
    const rule = button.routing;
    const sorted = [...candidates].sort((x, y) =>
      rule === 'LeastActive' ? x.active - y.active || x.load - y.load : x.load - y.load || x.active - y.active,
    );
    return { agentId: sorted[0]!.agentId, rule, candidates };
  }

  /** Direct routing to one agent of the chat's org (ChasitorInit agentId, a transfer to an agent). */
  pickAgent(agentId: string, orgId: string, exclude: readonly string[]): RoutingDecision | null {
    const a = this.directory.get(agentId);
    if (!a || a.orgId !== orgId || !this.directory.hasRoom(a) || exclude.includes(a.id)) return null;
    return { agentId: a.id, rule: 'DirectToAgent', candidates: [{ agentId: a.id, active: this.directory.load(a), capacity: a.capacity, load: this.directory.loadRatio(a) }] };
  }
}
