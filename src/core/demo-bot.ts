/**
 * The demo bot: accepts every chat offered to it, greets, and echoes each
 * visitor message verbatim, in order, exactly once — also across a crash. It
 * keeps no state of its own that matters: what it answered is in the chat's log
 * (`$meta.replyTo` on each reply), so after a restart it reads the log and
 * answers only what is still unanswered.
 */
import type { ChatStore } from '../ports/chat-store.js';
import type { LogEvent } from '../ports/records.js';
import type { AgentNotification } from './agent-directory.js';
import type { ChatEngine, EngineLogger } from './chat-engine.js';
import { EventType } from './event-types.js';

interface BotChat {
  greeted: boolean;
  answeredUpTo: number;
  /** Work for one chat runs in order. */
  chain: Promise<void>;
}

export const DEFAULT_GREETING = 'Hello! I am the Switchboard demo bot. Everything you type is echoed back.';

export class EchoBot {
  private readonly chats = new Map<string, BotChat>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly engine: ChatEngine,
    private readonly store: ChatStore,
    readonly agentId: string,
    private readonly greeting: string,
    private readonly logger: EngineLogger,
  ) {}

  /** Subscribes and goes online; call before `engine.start()` so recovered offers reach it. */
  attach(): void {
    this.unsubscribe = this.engine.directory.subscribe(this.agentId, (n) => this.onNotification(n));
    const me = this.engine.directory.get(this.agentId);
    if (me) me.presence = 'online';
  }

  /** After `engine.start()`: catches up on chats it held before a restart. */
  recover(): void {
    for (const s of this.engine.sessions.values()) {
      if (s.record.agentId === this.agentId && s.record.chatState === 'established') this.enqueue(s.id, () => this.reconcile(s.id));
    }
  }

  detach(): void {
    this.unsubscribe?.();
  }

  /** Resolves when all queued work is done (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.chats.values()].map((c) => c.chain));
  }

  private onNotification(n: AgentNotification): void {
    if (n.kind === 'offer') {
      this.guard(() => this.engine.accept(this.agentId, n.sessionId));
      return;
    }
    if (n.kind !== 'event') return;
    const e = n.event;
    if (e.type === EventType.ChatEstablished) this.enqueue(e.sessionId, () => this.reconcile(e.sessionId));
    else if (e.type === EventType.VisitorMessage) this.enqueue(e.sessionId, () => this.answer(e));
    else if (e.type === EventType.ChatEnded || e.type === EventType.VisitorEnded || e.type === EventType.VisitorTimedOut) {
      this.enqueue(e.sessionId, () => { this.chats.delete(e.sessionId); });
    }
  }

  /** Reads the chat's log and does whatever is still owed: greeting, replies. */
  private async reconcile(sessionId: string): Promise<void> {
    await this.engine.queue.commit();
    const events = await this.store.readEvents(sessionId, 0, 100_000);
    const chat = this.chat(sessionId);
    for (const e of events) {
      const meta = e.data.$meta as { bot?: string; replyTo?: number } | undefined;
      if (e.type === EventType.AgentMessage && e.data.agentId === this.agentId) {
        if (meta?.bot === 'greeting') chat.greeted = true;
        if (typeof meta?.replyTo === 'number') chat.answeredUpTo = Math.max(chat.answeredUpTo, meta.replyTo);
      }
    }
    if (!chat.greeted) {
      chat.greeted = true;
      this.guard(() => this.engine.agentMessage(this.agentId, sessionId, this.greeting, { bot: 'greeting' }));
    }
    for (const e of events) if (e.type === EventType.VisitorMessage) this.answer(e);
  }

  private answer(e: LogEvent): void {
    const chat = this.chat(e.sessionId);
    if (e.offset <= chat.answeredUpTo) return;
    chat.answeredUpTo = e.offset;
    this.guard(() => this.engine.agentMessage(this.agentId, e.sessionId, String(e.data.text ?? ''), { replyTo: e.offset }));
  }

  private chat(sessionId: string): BotChat {
    let c = this.chats.get(sessionId);
    if (!c) this.chats.set(sessionId, (c = { greeted: false, answeredUpTo: 0, chain: Promise.resolve() }));
    return c;
  }

  private enqueue(sessionId: string, work: () => void | Promise<void>): void {
    const c = this.chat(sessionId);
    c.chain = c.chain.then(work).catch((err: unknown) => this.logger.warn({ err, sessionId }, 'demo bot could not handle an event'));
  }

  /** The chat may have ended between the event and our answer: that is not an error. */
  private guard(fn: () => unknown): void {
    try {
      fn();
    } catch (err) {
      this.logger.info({ err: String(err) }, 'demo bot skipped an action');
    }
  }
}
