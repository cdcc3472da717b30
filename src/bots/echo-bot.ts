/**
 * The demo bot, a client of the public agent API: goes online, accepts every
 * chat offered to it, greets, and echoes each visitor message verbatim, in
 * order, exactly once — also across a crash. A file the visitor uploads
 * (ChasitorFileUploaded) is answered the same way, with one message naming it. What it already answered is in the
 * chat's transcript (each reply carries clientMessageId `echo-<offset>`, the
 * greeting `greeting`), so after a restart it reads the transcript, a page at a
 * time, and answers only what is still unanswered; a retried send is
 * deduplicated by the server.
 */
import { TRANSCRIPT_PAGE_DEFAULT, type ChatEventWire, type TranscriptPage } from '../protocol/agent-api-types.js';
import type { AgentTransport } from './agent-transport.js';
import { redactUrl } from '../http/log-redaction.js';

export const DEFAULT_GREETING = 'Hello! I am the Switchboard demo bot. Everything you type is echoed back.';

export interface BotLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

interface BotChat {
  greeted: boolean;
  answeredUpTo: number;
  /**
   * The log offset up to which the transcript was read and all it owed was done: a later
   * catch-up (the stream came back) reads on from here, not the whole chat again.
   */
  readUpTo: number;
  /** Work for one chat runs in order. */
  chain: Promise<void>;
}

/** Back-off before trying a failed request again; doubles per attempt up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5_000;

/** Visitor events the bot answers, each once: messages (echoed) and uploaded files (acknowledged). */
const ANSWERED_TYPES: ReadonlySet<string> = new Set(['ChasitorChatMessage', 'ChasitorFileUploaded']);

/** The demo bot's acknowledgement of an uploaded file. */
export function fileAcknowledgement(data: Record<string, unknown>): string {
  return `Thanks, I received your file ${String(data.name ?? 'file')} (${Number(data.size ?? 0)} bytes).`;
}

/** The demo bot's answer to an empty visitor message (README). */
export const EMPTY_ECHO = '(empty message)';

/**
 * A request the bot did not make because it was stopping: the server it talks to
 * is about to close (fastify refuses an inject then, with a warning per answer).
 * What it would have sent stays owed in the transcript; the next start's catch-up sends it.
 */
class BotStopped extends Error {
  constructor() {
    super('demo bot stopped');
  }
}

export class EchoBot {
  private readonly chats = new Map<string, BotChat>();
  private closeStream: (() => void) | null = null;

  constructor(
    private readonly api: AgentTransport,
    readonly agentId: string,
    private readonly greeting: string,
    private readonly logger: BotLogger,
  ) {}

  /** Opens the stream, goes online, and catches up on chats it held before a restart. */
  async start(): Promise<void> {
    this.stopped = false;
    this.wake = new Promise((resolve) => { this.wakeUp = resolve; });
    const close = await this.api.stream((m) => this.onMessage(m), () => this.reopen());
    // stop() came while the stream opened: it found nothing to close.
    if (this.stopped) {
      close();
      throw new BotStopped();
    }
    this.closeStream = close;
    await this.call('PUT', '/agent/v1/presence', { status: 'online' });
    const mine = await this.request<{ chatId: string; state: string; agentId: string | null }[]>('GET', '/agent/v1/chats');
    for (const c of Array.isArray(mine.body) ? mine.body : []) {
      if (c.agentId !== this.agentId) continue;
      if (c.state === 'offered') this.enqueue(c.chatId, () => this.accept(c.chatId));
      else if (c.state === 'established') this.enqueue(c.chatId, () => this.reconcile(c.chatId));
    }
  }

  /**
   * Stops before the server closes (main.ts awaits it first): the stream is closed,
   * the request under way finishes, and the work queued behind it is dropped rather
   * than sent to a closing server. Nothing owed is lost: the transcript still shows
   * every visitor message without its `echo-<offset>`, and the next start()'s
   * catch-up (it lists the chats it holds and reconciles each) answers them, in order.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp();
    this.closeStream?.();
    this.closeStream = null;
    await this.idle();
    if (this.dropped > 0) this.logger.debug({ agent: this.agentId, dropped: this.dropped }, 'demo bot stopped: work it had queued is left to the catch-up at the next start');
    this.dropped = 0;
  }

  private stopped = false;
  /** Work skipped because the bot was stopping (one debug line at stop(), not one warning each). */
  private dropped = 0;
  /** Resolved by stop(): a back-off in progress ends at once. */
  private wake: Promise<void> = Promise.resolve();
  private wakeUp: () => void = () => undefined;

  /**
   * The stream closed without stop() (the server cut it): open it again and catch
   * up, so the demo bot never sits "online" on offers it cannot see. The server's
   * shutdown closes it too; stop() comes first then, or the reopen fails quietly.
   */
  private reopen(attempt = 0): void {
    this.closeStream = null;
    if (this.stopped) return;
    setTimeout(() => {
      if (this.stopped) return;
      this.start().catch((err: unknown) => {
        if (this.stopped) return;
        this.logger.warn({ err, agent: this.agentId }, 'demo bot: could not reopen its stream');
        this.reopen(attempt + 1);
      });
    }, Math.min(30_000, 500 * 2 ** attempt)).unref();
  }

  /** Resolves when all queued work is done (tests, shutdown). */
  async idle(): Promise<void> {
    // Work may be queued while the queued work runs: wait until no chain grew.
    for (;;) {
      const chains = [...this.chats.values()].map((c) => c.chain);
      await Promise.all(chains);
      const now = [...this.chats.values()].map((c) => c.chain);
      if (now.length === chains.length && now.every((c, i) => c === chains[i])) return;
    }
  }

  private onMessage(m: { type: string; chatId?: string; data?: unknown; snapshot?: unknown }): void {
    const chatId = m.chatId;
    if (m.type === 'resync') {
      const snap = m.snapshot as { chats?: { chatId: string; agentId: string | null; state: string }[] } | undefined;
      const mine = (snap?.chats ?? []).filter((c) => c.agentId === this.agentId);
      // A chat the snapshot no longer gives the bot (the emulator's reset dropped every chat)
      // will send nothing more: its state would stay for the life of the process.
      if (snap) for (const chatId of this.chats.keys()) if (!mine.some((c) => c.chatId === chatId)) this.forget(chatId);
      for (const c of mine) if (c.state === 'established') this.enqueue(c.chatId, () => this.reconcile(c.chatId));
      return;
    }
    if (!chatId) return;
    if (m.type === 'offer') {
      this.enqueue(chatId, () => this.accept(chatId));
      return;
    }
    // The chat left the bot (a supervisor took it over or reassigned it, the offer was
    // withdrawn): its end now reaches the new holder, never the bot, so it is forgotten
    // here or its entry would stay for the life of the process. `accepted` is the bot's own accept.
    if (m.type === 'offer.withdrawn') {
      if ((m.data as { reason?: string } | undefined)?.reason !== 'accepted') this.forget(chatId);
      return;
    }
    if (m.type !== 'chat.event') return;
    const e = m.data as ChatEventWire;
    if (e.type === 'ChatEstablished' || e.type === 'ChatTransferred') this.enqueue(chatId, () => this.reconcile(chatId));
    else if (ANSWERED_TYPES.has(e.type)) this.enqueue(chatId, () => this.answer(chatId, e));
    // AgentDisconnect: the chat went back to its queue without the bot.
    else if (e.type === 'ChatEnded' || e.type === 'ChasitorChatEnded' || e.type === 'ChasitorTimedOut' || e.type === 'AgentDisconnect') this.forget(chatId);
  }

  /** Chats the bot keeps state for (tests, diagnostics). */
  get trackedChats(): number {
    return this.chats.size;
  }

  /** Drops the chat's state once the work already queued for it is done. */
  private forget(chatId: string): void {
    if (this.chats.has(chatId)) this.enqueue(chatId, () => { this.chats.delete(chatId); });
  }

  private async accept(chatId: string): Promise<void> {
    await this.call('POST', `/agent/v1/chats/${encodeURIComponent(chatId)}/accept`);
  }

  /**
   * Transcript reads at once. After a restart the bot may hold thousands of
   * chats; reading them all at once would starve the server it runs in.
   */
  private static readonly RECONCILE_CONCURRENCY = 4;
  /** Events per transcript page: what one read holds, whatever the chat's length. */
  private static readonly PAGE = TRANSCRIPT_PAGE_DEFAULT;
  private reconciling = 0;
  private readonly waiting: (() => void)[] = [];

  private async slot<T>(work: () => Promise<T>): Promise<T> {
    if (this.reconciling >= EchoBot.RECONCILE_CONCURRENCY) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.reconciling++;
    try {
      return await work();
    } finally {
      this.reconciling--;
      // The next one starts on a later turn, so requests waiting in the event
      // loop are served between reconciles (SQLite reads are synchronous).
      const next = this.waiting.shift();
      if (next) setImmediate(next);
    }
  }

  /** Reads the transcript and does whatever is still owed: greeting, replies. */
  private async reconcile(chatId: string): Promise<void> {
    const chat = this.chat(chatId);
    const owed = await this.slot(() => this.readOwed(chatId, chat));
    if (!owed) return;
    if (!chat.greeted) {
      chat.greeted = true;
      await this.send(chatId, this.greeting, 'greeting');
    }
    for (const e of owed.unanswered) await this.answer(chatId, e);
    chat.readUpTo = Math.max(chat.readUpTo, owed.through);
  }

  /**
   * Reads the transcript after what the bot already read of it, a page at a time,
   * noting its greeting and its highest `echo-<offset>`, and keeps only the visitor
   * messages above that: what it still owes. A chat of any length costs a page
   * and the unanswered messages, never the whole transcript. Null when the chat
   * cannot be read (it left the bot or was erased).
   */
  private async readOwed(chatId: string, chat: BotChat): Promise<{ unanswered: ChatEventWire[]; through: number } | null> {
    let unanswered: ChatEventWire[] = [];
    for (let after = chat.readUpTo; ;) {
      const res = await this.request<Partial<TranscriptPage>>('GET', `/agent/v1/chats/${encodeURIComponent(chatId)}/transcript?after=${after}&limit=${EchoBot.PAGE}`);
      const page = res.body;
      if (res.status !== 200 || !Array.isArray(page.events) || typeof page.nextAfter !== 'number') return null;
      const answeredBefore = chat.answeredUpTo;
      for (const e of page.events) {
        if (ANSWERED_TYPES.has(e.type)) {
          if (e.offset > chat.answeredUpTo) unanswered.push(e);
          continue;
        }
        if (e.type !== 'ChatMessage' || e.data.agentId !== this.agentId) continue;
        if (e.clientMessageId === 'greeting') chat.greeted = true;
        const replyTo = /^echo-(\d+)$/.exec(e.clientMessageId ?? '');
        if (replyTo) chat.answeredUpTo = Math.max(chat.answeredUpTo, Number(replyTo[1]));
      }
      // A reply comes after the message it answers, often on a later page.
      if (chat.answeredUpTo > answeredBefore) unanswered = unanswered.filter((e) => e.offset > chat.answeredUpTo);
      if (!page.hasMore) return { unanswered, through: page.nextAfter };
      after = page.nextAfter;
    }
  }

  private async answer(chatId: string, e: ChatEventWire): Promise<void> {
    const chat = this.chat(chatId);
    // The greeting comes first: a message that reached the bot before its chat was established
    // (sent while the chat was offered, e.g. in the ChasitorInit's own MultiNoun) is answered by
    // the reconcile, after the greeting.
    if (!chat.greeted) return this.reconcile(chatId);
    if (e.offset <= chat.answeredUpTo) return;
    chat.answeredUpTo = e.offset;
    if (e.type === 'ChasitorFileUploaded') return this.send(chatId, fileAcknowledgement(e.data), `echo-${e.offset}`);
    // An agent message cannot be empty (the agent API says 400): an empty one is answered with EMPTY_ECHO.
    const text = String(e.data.text ?? '');
    await this.send(chatId, text === '' ? EMPTY_ECHO : text, `echo-${e.offset}`);
  }

  private async send(chatId: string, text: string, clientMessageId: string): Promise<void> {
    await this.call('POST', `/agent/v1/chats/${encodeURIComponent(chatId)}/messages`, { text, clientMessageId });
  }

  /** A chat may end between an event and the answer: a 4xx then is expected, not an error. */
  private async call(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<void> {
    const res = await this.request(method, path, body);
    if (res.status >= 500 || res.status === 429) this.logger.warn({ path: redactUrl(path), status: res.status, body: res.body }, 'demo bot request failed');
    else if (res.status >= 400) this.logger.info({ path: redactUrl(path), status: res.status }, 'demo bot action skipped');
  }

  /**
   * A request, tried again after a back-off while the server answers 5xx (its store
   * failed a read or a write for a moment) or 429, until it answers or the bot
   * stops: a transcript read lost to a database blip would otherwise leave the chat
   * unanswered until the next restart. Each chat's work waits meanwhile, so its
   * answers stay in order; a send tried again is deduplicated by its clientMessageId.
   */
  private async request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<{ status: number; body: T }> {
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) throw new BotStopped();
      const res = await this.api.request<T>(method, path, body);
      if (res.status < 500 && res.status !== 429) return res;
      if (this.stopped) throw new BotStopped();
      this.logger.warn({ path: redactUrl(path), status: res.status, attempt }, 'demo bot request failed: trying again');
      await Promise.race([this.wake, new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** attempt)).unref())]);
    }
  }

  private chat(chatId: string): BotChat {
    let c = this.chats.get(chatId);
    if (!c) this.chats.set(chatId, (c = { greeted: false, answeredUpTo: 0, readUpTo: 0, chain: Promise.resolve() }));
    return c;
  }

  private enqueue(chatId: string, work: () => void | Promise<void>): void {
    const c = this.chat(chatId);
    c.chain = c.chain.then(() => {
      if (this.stopped) throw new BotStopped();
      return work();
    }).catch((err: unknown) => {
      if (err instanceof BotStopped) this.dropped++;
      else this.logger.warn({ err, chatId }, 'demo bot could not handle an event');
    });
  }
}
