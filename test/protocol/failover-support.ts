/**
 * Helpers of the failover suites behind a load balancer (ADR 0048): the agent's view of
 * a chat as the console keeps it across a resync, and bounded waits.
 */
import type { AgentClient, ResyncData } from '../../packages/sdk/src/index.js';
import { sleep, type TestSettings } from './harness.js';
import { DEPLOYMENT_ID, ORG_ID } from './visitor.js';

/** The one button and the one human agent of the failover suites. */
export const HUMAN_BUTTON = '573000000000003';
export const AGENT = { id: '005000000000002', name: 'Alex Agent', username: 'agent', password: 'agent-demo' };

/**
 * One human agent on one button, `storage` as given (none: SQLite in the data directory),
 * the agents' restart grace `agentGraceSeconds` (the default 60 s: the agent must be back well within it).
 */
export function humanAgentConfig(storage?: object, agentGraceSeconds = 60) {
  return (settings: TestSettings): object => ({
    settings: { pollHoldSeconds: 1, clientPollTimeoutSeconds: 40, agentGraceSeconds, ...settings },
    ...(storage ? { storage } : {}),
    orgs: [{
      id: ORG_ID,
      deployments: [{ id: DEPLOYMENT_ID, buttons: [{ id: HUMAN_BUTTON, type: 'Standard', skills: ['support'] }] }],
      agents: [{ id: AGENT.id, name: AGENT.name, username: AGENT.username, password: `plain:${AGENT.password}`, role: 'agent', skills: ['support'], capacity: 3 }],
    }],
  });
}

/**
 * The agent's side as the console keeps it (console-app.ts): the chat's events by log
 * offset, from the stream, and after a `resync` (the new node's stream has another epoch,
 * so it cannot replay) from the transcript after the last offset seen; presence set again,
 * as the docs ask after `epoch changed`. `deliveries` counts every delivery of an offset,
 * by either path, so a duplicate shows.
 */
export class AgentView {
  readonly byOffset = new Map<number, { type: string; data: Record<string, unknown> }>();
  readonly deliveries = new Map<number, number>();
  readonly resyncs: Array<{ at: number; reason: string }> = [];
  /** Handlers of ours that failed (the SDK reports them as `error`). */
  readonly errors: unknown[] = [];
  readonly connection: Array<{ at: number; state: string }> = [];
  /** performance.now() of every stream frame the client handed us (events and resyncs). */
  readonly frames: number[] = [];
  chatId: string | undefined;
  resyncDone: Promise<void> = Promise.resolve();

  constructor(readonly client: AgentClient) {
    client.on('chat.event', ({ chatId, data }) => {
      if (chatId === this.chatId) this.add(data.offset, data.type, data.data);
    });
    client.on('event', () => void this.frames.push(performance.now()));
    client.on('error', (e) => void this.errors.push(e.error));
    client.on('connection', (state) => void this.connection.push({ at: performance.now(), state }));
    client.on('resync', (r: ResyncData) => {
      this.frames.push(performance.now());
      this.resyncs.push({ at: performance.now(), reason: r.reason });
      this.resyncDone = this.rebuild(r);
      return this.resyncDone;
    });
  }

  private add(offset: number, type: string, data: Record<string, unknown>): void {
    this.deliveries.set(offset, (this.deliveries.get(offset) ?? 0) + 1);
    this.byOffset.set(offset, { type, data });
  }

  private async rebuild(r: ResyncData): Promise<void> {
    await this.client.setPresence('online', 3);
    for (const chat of r.snapshot.chats) {
      if (chat.chatId !== this.chatId) continue;
      const after = Math.max(0, ...this.byOffset.keys());
      const t = await this.client.transcript(chat.chatId, after);
      for (const e of t.events) this.add(e.offset, e.type, e.data);
    }
  }

  texts(type: string): string[] {
    return [...this.byOffset.entries()].sort(([a], [b]) => a - b).filter(([, e]) => e.type === type).map(([, e]) => String(e.data['text']));
  }

  duplicates(): number[] {
    return [...this.deliveries.entries()].filter(([, n]) => n > 1).map(([offset]) => offset);
  }
}

/** Resolves once `cond()` holds, running `step` between looks; fails with `what` after `ms`. */
export async function until(cond: () => boolean, what: string, ms: number, step: () => Promise<void> = () => sleep(20)): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await step();
  }
}

export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms); })]).finally(() => clearTimeout(timer));
}

