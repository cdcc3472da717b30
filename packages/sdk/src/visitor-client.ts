/**
 * The Live Agent visitor loop: SessionId → ChasitorInit → long poll, for
 * Switchboard or any Live Agent compatible server (wire-compat.md).
 *
 * Two independent lanes share one session:
 * - the poll loop: `System/Messages?ack=<last sequence>`, 204 → poll again,
 *   network failure → backoff with jitter, 503 → recovery, 403 → ended;
 * - the outbox: every POST in call order, each with its X-LIVEAGENT-SEQUENCE
 *   fixed when queued, so a retry after a network failure or a 503 reuses it
 *   and the server drops the duplicate.
 */
import { backoffDelay, sleep, type RetryOptions } from './backoff.js';
import { Emitter, type Handler } from './emitter.js';
import { SwitchboardClosedError, SwitchboardHttpError } from './errors.js';
import { isRecord, laRequest, parseJson, type FetchLike, type LaAnswer, type LaRequest } from './live-agent-http.js';
import type {
  ChasitorSessionDataMessage, ConnectionState, PrechatDetail, RawVisitorMessage, SessionIdResponse, VisitorEvents, VisitorSnapshot, VisitorState,
} from './types.js';

export interface VisitorClientOptions {
  /** Server root, e.g. `https://chat.example.com` (the client appends `/chat/rest/...`). */
  baseUrl: string;
  organizationId: string;
  deploymentId: string;
  buttonId: string;
  /** X-LIVEAGENT-API-VERSION (default 34). */
  apiVersion?: number;
  fetch?: FetchLike;
  visitorName?: string;
  prechatDetails?: PrechatDetail[];
  /** Ask for QueueUpdate messages (default true). */
  receiveQueueUpdates?: boolean;
  visitorId?: string;
  retry?: RetryOptions;
  /**
   * What to do after `503 Invalid Affinity Token`: `reconnect` (later API versions,
   * `System/ReconnectSession` with the last offset; default) or `resync` (v34,
   * `System/ResyncSession`, then ChasitorSessionData and ChasitorResyncState).
   */
  recovery?: 'resync' | 'reconnect';
  /** Browsers: `include` sends the `liveagent_vid` cookie cross-origin. */
  credentials?: 'include' | 'same-origin' | 'omit';
  /** Extra ChasitorInit fields (`buttonOverrides`, `agentId`, `doFallback`, `prechatEntities`, ...). */
  initExtras?: Record<string, unknown>;
}

interface Outgoing {
  noun: string;
  body: () => unknown;
  sequence: number | null;
  inFlight: boolean;
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

const MAX_RECOVERIES = 3;

/** A request for the outbox, with the promise its caller awaits. */
function outgoing(noun: string, body: () => unknown, sequence: number | null): Outgoing {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { noun, body, sequence, inFlight: false, promise, resolve, reject };
}

export class VisitorClient {
  private readonly events = new Emitter<VisitorEvents>();
  private readonly fetchImpl: FetchLike;
  private readonly stopper = new AbortController();
  private _state: VisitorState = 'idle';
  private connection: ConnectionState | undefined;

  private key: string | undefined;
  private id: string | undefined;
  private affinity = 'null';
  private pollTimeoutMs = 50_000;
  private sessionReady: Promise<void>;
  private markSessionReady!: () => void;

  /** Last `sequence` received: the next poll's ack. */
  private lastSequence = -1;
  /** Highest `offset` received: what ReconnectSession resumes after. */
  private lastOffset = -1;
  /** Send `ack=-1` until a poll succeeds (after ResyncSession the old sequence must not rewind the new cursor). */
  private ackReset = false;
  /** Set by ResyncSession until the next new payload: a lower sequence may be the new session's numbering. */
  private sequenceMayRestart = false;
  /** The last few payloads handled, as received: a repeat of one of them is a re-delivery, not a restart. */
  private readonly recentPayloads: string[] = [];
  private nextSequence = 1;
  private agentId = '';

  private readonly outbox: Outgoing[] = [];
  private pumping = false;
  private loops = 0;
  private recovering: Promise<void> | null = null;
  private consecutiveRecoveries = 0;
  /** Set between ResyncSession and ChasitorResyncState: the outbox waits, as v34 clients do. */
  private resyncHold: { gen: number; promise: Promise<void>; release: () => void } | null = null;
  private resyncGen = 0;
  private failingSince: number | null = null;
  /**
   * Aborted (and replaced) on every success: a lane sleeping in its backoff wakes and
   * retries at once when the other lane got through, since the server is back. Without
   * it the poll could sleep up to `retry.maxMs` after the outbox already reported `online`.
   * reconnectNow() aborts it too.
   */
  private wake = new AbortController();
  /** Counts reconnectNow() calls: a backoff sleep it cut short starts the count of attempts again. */
  private reconnects = 0;
  /**
   * Aborts the poll in flight, for reconnectNow() to send it again; null between polls and
   * while a poll carries no ack (see reconnectNow()).
   */
  private replacePoll: AbortController | null = null;
  private ending = false;

  constructor(private readonly opts: VisitorClientOptions) {
    const f = opts.fetch;
    // Unbound `fetch` throws "Illegal invocation" in browsers: always call it as a global.
    this.fetchImpl = f ?? ((input, init) => fetch(input, init));
    this.sessionReady = new Promise((r) => (this.markSessionReady = r));
  }

  get state(): VisitorState {
    return this._state;
  }

  /** The session id (`id` of System/SessionId), once known. */
  get sessionId(): string | undefined {
    return this.id;
  }

  on<K extends keyof VisitorEvents>(event: K, handler: Handler<VisitorEvents[K]>): () => void {
    return this.events.on(event, handler);
  }

  /**
   * SessionId, then ChasitorInit, then the poll loop runs in the background. Resolves once
   * ChasitorInit is accepted: whether an agent takes the chat comes later, on the poll — a
   * refused chat request (ChatRequestFail) is the `failed` event with its reason
   * (`Unavailable`, `NoPost`, `InternalFailure`), after start() resolved. Rejects with
   * SwitchboardHttpError when SessionId or ChasitorInit is answered with an error (state
   * `failed`, reason `init`, or `session` for a 403), and with SwitchboardClosedError when the
   * client stopped first (end(), or `failed {network}` after retry.giveUpAfterMs).
   */
  async start(): Promise<void> {
    if (this._state !== 'idle') throw new Error(`start() called in state ${this._state}`);
    this._state = 'connecting';
    const init = this.enqueue('Chasitor/ChasitorInit', () => this.initBody());
    // When no session can be made, finish() rejects the queued ChasitorInit and nothing
    // awaits it: handled here so it is not an unhandled rejection (which ends a Node process).
    init.catch(() => undefined);
    try {
      await this.createSession();
      await init;
    } catch (err) {
      if (err instanceof SwitchboardHttpError) this.finish('failed', err.status === 403 ? 'session' : 'init');
      throw err;
    }
    if (this._state === 'connecting') this._state = 'waiting';
    this.pollLoop().catch((err: unknown) => this.crash(err));
  }

  /**
   * The chat as plain JSON, to continue it in another page with resume(); null
   * until the chat request is through (and after the chat is over). Take it when
   * the page goes away (`pagehide`): what happens after it is not in it.
   */
  snapshot(): VisitorSnapshot | null {
    if ((this._state !== 'waiting' && this._state !== 'chatting') || !this.key || !this.id) return null;
    return {
      v: 1, key: this.key, id: this.id, affinity: this.affinity, pollTimeoutMs: this.pollTimeoutMs, state: this._state,
      lastSequence: this.lastSequence, lastOffset: this.lastOffset, nextSequence: this.nextSequence, agentId: this.agentId,
      pending: this.outbox.map((o) => ({ noun: o.noun, body: o.body(), sequence: o.sequence })),
    };
  }

  /**
   * Continues a chat from snapshot() instead of start(): no new session, the poll
   * loop goes on from the last sequence received (the server re-sends what the old
   * page had not confirmed), and requests that were not answered are sent again
   * under their own sequence numbers (the server applies each once). A chat that
   * ended meanwhile ends here too.
   */
  resume(snap: VisitorSnapshot): void {
    if (this._state !== 'idle') throw new Error(`resume() called in state ${this._state}`);
    if (snap.v !== 1 || typeof snap.key !== 'string' || typeof snap.id !== 'string') throw new Error('resume(): not a VisitorClient snapshot');
    this.key = snap.key;
    this.id = snap.id;
    this.affinity = snap.affinity;
    this.pollTimeoutMs = snap.pollTimeoutMs;
    this.lastSequence = snap.lastSequence;
    this.lastOffset = snap.lastOffset;
    this.nextSequence = snap.nextSequence;
    this.agentId = snap.agentId;
    this._state = snap.state;
    this.markSessionReady();
    for (const p of snap.pending) {
      const item = outgoing(p.noun, () => p.body, p.sequence);
      item.promise.catch(() => undefined); // nobody awaits a request of the previous page
      this.outbox.push(item);
    }
    this.pollLoop().catch((err: unknown) => this.crash(err));
    void this.pump();
  }

  /**
   * Lets go of the chat without ending it, and returns its snapshot (null when
   * there is nothing to continue): this client stops (state `ended`, no `ended`
   * event; its pending calls reject with SwitchboardClosedError) and resume()
   * continues the chat in another client. A page that unloads needs no detach:
   * snapshot() on `pagehide` is enough.
   */
  detach(): VisitorSnapshot | null {
    const snap = this.snapshot();
    if (this._state === 'ended' || this._state === 'failed') return snap;
    this._state = 'ended';
    this.stopper.abort();
    this.markSessionReady();
    this.resyncHold?.release();
    for (const item of this.outbox.splice(0)) item.reject(new SwitchboardClosedError(`${item.noun}: the client was detached`));
    this.setConnection('offline');
    return snap;
  }

  send(text: string): Promise<void> {
    return this.enqueue('Chasitor/ChatMessage', () => ({ text }));
  }

  typing(isTyping: boolean): Promise<void> {
    return this.enqueue(isTyping ? 'Chasitor/ChasitorTyping' : 'Chasitor/ChasitorNotTyping', () => ({}));
  }

  /** Sends what the visitor is typing. Updates that pile up while offline collapse into the latest. */
  sneakPeek(text: string): Promise<void> {
    const last = this.outbox[this.outbox.length - 1];
    const body = { position: text.length, text };
    if (last && last.noun === 'Chasitor/ChasitorSneakPeek' && !last.inFlight) {
      last.body = () => body;
      return last.promise;
    }
    return this.enqueue('Chasitor/ChasitorSneakPeek', () => body);
  }

  customEvent(type: string, data: string): Promise<void> {
    return this.enqueue('Chasitor/CustomEvent', () => ({ type, data }));
  }

  /**
   * ChatEnd (after everything queued before it), then stops polling. Emits `ended` `{reason: 'client'}`.
   * Called while start() is still waiting for a session (server unreachable), it ends at once
   * without a request, and start() rejects with SwitchboardClosedError.
   */
  async end(): Promise<void> {
    if (this._state === 'ended' || this._state === 'failed') return;
    if (this._state === 'idle') return this.finish('ended', 'client');
    // No session key yet: start() is still asking System/SessionId (maybe retrying
    // against a server that is down), so the server has no chat to end. Waiting for
    // a session only to end it would hold end() until the retries give up and then
    // report `failed {network}`: end here; finish() aborts the SessionId loop.
    if (this.key === undefined) return this.finish('ended', 'client');
    this.ending = true;
    try {
      await this.enqueue('Chasitor/ChatEnd', () => ({ reason: 'client' }));
    } catch (err) {
      if (!(err instanceof SwitchboardClosedError)) throw err;
    } finally {
      this.finish('ended', 'client');
    }
  }

  /**
   * Retries now, for a network change (a browser's `online` event, a page shown again after the
   * connection was lost): cuts every backoff wait short, since the backoff may have put the next
   * poll up to `retry.maxMs` away, and the retries count their attempts from the first again.
   * The long poll in flight is aborted and sent again at once, as AgentClient.reconnect()
   * replaces the stream's socket: after a network change it may be held on a connection that
   * died silently, which would keep the visitor waiting for the poll's own timeout
   * (`clientPollTimeout` + 10 s). The new poll goes out only once the old one is aborted, so
   * the poll loop stays one; it carries the same `ack`, so the server sends again an answer the
   * old one took and never delivered, and an answer of the old one that still comes is dropped
   * (ADR 0027). A poll that carries no ack yet (the chat's first, or the first after a resync)
   * is left to run: the server could not send its answer again. Requests of the outbox in
   * flight are left to run too. Returns false, doing nothing, when the chat is not running
   * (start() or resume() not called yet, or the chat is over).
   */
  reconnectNow(): boolean {
    if (this._state === 'idle' || this.stopped) return false;
    this.reconnects += 1;
    this.replacePoll?.abort();
    this.wakeSleepers();
    return true;
  }

  // ---------------------------------------------------------------- session

  private async createSession(): Promise<void> {
    let attempt = 0;
    for (;;) {
      const res = await this.exchange({ method: 'GET', path: 'System/SessionId', query: { 'SessionId.ClientType': 'chasitor' } }, 30_000).catch(() => null);
      this.throwIfStopped();
      if (res?.status === 200) {
        const body = parseJson(res.text) as Partial<SessionIdResponse> | undefined;
        if (!isRecord(body) || typeof body.key !== 'string') throw new SwitchboardHttpError(res.status, res.text, 'GET System/SessionId: no key');
        this.key = body.key;
        this.id = String(body.id);
        this.affinity = body.affinityToken ? String(body.affinityToken) : 'null';
        const timeout = Number(body.clientPollTimeout);
        if (Number.isFinite(timeout) && timeout > 0) this.pollTimeoutMs = timeout * 1000 + 10_000;
        this.noteSuccess();
        this.markSessionReady();
        return;
      }
      if (res && res.status < 500) throw new SwitchboardHttpError(res.status, res.text, 'GET System/SessionId');
      attempt = await this.failed(attempt + 1);
    }
  }

  private initBody(): Record<string, unknown> {
    const o = this.opts;
    const nav = (globalThis as { navigator?: { userAgent?: string; language?: string } }).navigator;
    const screen = (globalThis as { screen?: { width?: number; height?: number } }).screen;
    return {
      organizationId: o.organizationId,
      deploymentId: o.deploymentId,
      buttonId: o.buttonId,
      sessionId: this.id,
      userAgent: nav?.userAgent ?? 'switchboard-sdk',
      language: nav?.language ?? 'en-US',
      screenResolution: screen?.width ? `${screen.width}x${screen.height ?? 0}` : '',
      visitorName: o.visitorName ?? 'Visitor',
      prechatDetails: (o.prechatDetails ?? []).map((d) => ({ transcriptFields: [], displayToAgent: true, ...d })),
      prechatEntities: [],
      receiveQueueUpdates: o.receiveQueueUpdates ?? true,
      isPost: true,
      ...(o.visitorId ? { visitorId: o.visitorId } : {}),
      ...o.initExtras,
    };
  }

  // ---------------------------------------------------------------- poll loop

  private async pollLoop(): Promise<void> {
    this.loops += 1;
    try {
      let attempt = 0;
      while (!this.stopped) {
        if (this.recovering) {
          await this.recovering;
          continue;
        }
        const affinityUsed = this.affinity;
        const gen = this.resyncGen;
        const ack = this.ackReset ? -1 : this.lastSequence;
        // Only a poll whose answer the server can send again (the same ack rewinds its
        // cursor, docs/visitor-api.md) may be replaced: with -1 a taken answer would be lost.
        const replace = new AbortController();
        this.replacePoll = ack >= 0 ? replace : null;
        let res: LaAnswer;
        try {
          res = await this.exchange({ method: 'GET', path: 'System/Messages', query: { ack } }, this.pollTimeoutMs, undefined, undefined, replace.signal);
        } catch {
          if (this.stopped) return;
          // Replaced by reconnectNow(): polls again at once, and it is no failure.
          if (replace.signal.aborted) {
            attempt = 0;
            continue;
          }
          attempt = await this.failed(attempt + 1);
          continue;
        } finally {
          this.replacePoll = null;
        }
        if (this.stopped) return;
        if (res.status === 200 || res.status === 204) {
          attempt = 0;
          this.noteSuccess();
          // Only a poll that itself sent -1 ends the reset: one held since before the reset says nothing.
          if (ack === -1) this.ackReset = false;
          if (res.status === 200) await this.onPayload(res.text);
          if (this.resyncHold && this.resyncHold.gen === gen) await this.completeResync();
        } else if (res.status === 409) {
          // Our poll was replaced by a newer one on this session: if that one is ours, this loop is redundant.
          if (this.loops > 1) return;
          await sleep(backoffDelay(1, this.opts.retry), this.stopper.signal);
        } else if (res.status === 403) {
          // After our own ChatEnd the server closes the session at once; that 403 is the end we asked for.
          return this.finish('ended', this.ending ? 'client' : 'session');
        } else if (res.status === 503) {
          if (this.affinity === affinityUsed) await this.recover();
        } else {
          attempt = await this.failed(attempt + 1);
        }
      }
    } finally {
      this.loops -= 1;
    }
  }

  private async onPayload(text: string): Promise<void> {
    const body = parseJson(text);
    if (!isRecord(body) || !Array.isArray(body['messages'])) return;
    const sequence = Number(body['sequence']);
    const offset = Number(body['offset']);
    if (Number.isInteger(sequence) && this.lastSequence >= 0 && sequence <= this.lastSequence) {
      // A payload we already handled (the server re-sent it after a lost answer): drop it.
      if (!this.sequenceMayRestart || this.recentPayloads.includes(text)) return;
      // After ResyncSession, one we never saw: the new session numbers from the start again.
      this.lastSequence = -1;
    }
    this.sequenceMayRestart = false;
    this.recentPayloads.push(text);
    if (this.recentPayloads.length > 4) this.recentPayloads.shift();
    const offsetBefore = this.lastOffset;
    if (Number.isInteger(sequence)) this.lastSequence = sequence;
    if (Number.isInteger(offset)) this.lastOffset = Math.max(this.lastOffset, offset);
    for (const m of body['messages'] as unknown[]) {
      if (this.stopped) return;
      if (!isRecord(m) || typeof m['type'] !== 'string') continue;
      const msg: RawVisitorMessage = { type: m['type'], message: isRecord(m['message']) ? m['message'] : {} };
      this.events.emit('raw', msg);
      await this.handle(msg, offsetBefore);
    }
  }

  private async handle({ type, message: m }: RawVisitorMessage, offsetBefore: number): Promise<void> {
    const str = (k: string): string => (typeof m[k] === 'string' ? m[k] : m[k] === undefined || m[k] === null ? '' : String(m[k]));
    const num = (k: string, d = -1): number => (typeof m[k] === 'number' ? m[k] : Number.isFinite(Number(m[k])) && m[k] !== undefined ? Number(m[k]) : d);
    switch (type) {
      case 'ChatRequestSuccess':
        if (this._state === 'connecting') this._state = 'waiting';
        this.events.emit('queue', { position: num('queuePosition', 0), estimatedWaitTime: num('estimatedWaitTime') });
        break;
      case 'QueueUpdate':
        this.events.emit('queue', { position: num('position', 0), estimatedWaitTime: num('estimatedWaitTime') });
        break;
      case 'ChatRequestFail':
        return this.finish('failed', str('reason') || 'Unavailable');
      case 'ChatEstablished': {
        this.agentId = str('userId');
        this._state = 'chatting';
        const idle = isRecord(m['chasitorIdleTimeout']) ? m['chasitorIdleTimeout'] : {};
        this.events.emit('established', {
          name: str('name'), userId: this.agentId, sneakPeekEnabled: m['sneakPeekEnabled'] === true || m['sneakPeekEnabled'] === 'true',
          chasitorIdleTimeout: { isEnabled: idle['isEnabled'] === true, warningTime: Number(idle['warningTime'] ?? 0), timeout: Number(idle['timeout'] ?? 0) },
        });
        break;
      }
      case 'ChatMessage':
        if (m['agentId'] !== undefined) this.agentId = str('agentId');
        this.events.emit('message', { text: str('text'), name: str('name'), agentId: str('agentId') || this.agentId });
        break;
      case 'AgentTyping':
      case 'AgentNotTyping':
        this.events.emit('agentTyping', type === 'AgentTyping');
        break;
      case 'ChatTransferred':
        this.agentId = str('userId');
        this._state = 'chatting';
        this.events.emit('transferred', { name: str('name'), userId: this.agentId });
        break;
      case 'AgentDisconnect':
        // The chat goes back to the queue until another agent takes it.
        if (this._state === 'chatting') this._state = 'waiting';
        this.events.emit('agentDisconnected', {});
        break;
      case 'CustomEvent':
        this.events.emit('customEvent', { type: str('type'), data: str('data') });
        break;
      case 'ChatEnded':
        return this.finish('ended', str('reason') || 'agent');
      case 'ChasitorSessionData':
        this.replaySnapshot(m as Partial<ChasitorSessionDataMessage>, offsetBefore);
        if (this.resyncHold) await this.completeResync();
        break;
      default:
        break; // types we do not know are only in `raw`, as the field expects
    }
  }

  /**
   * After ResyncSession the server replaces what was not yet delivered with a
   * transcript snapshot: agent messages newer than the last payload we saw are
   * emitted from it, so nothing is lost and nothing repeats.
   */
  private replaySnapshot(data: Partial<ChasitorSessionDataMessage>, offsetBefore: number): void {
    if (this._state === 'waiting' && typeof data.queuePosition === 'number' && data.queuePosition > 0) {
      this.events.emit('queue', { position: data.queuePosition, estimatedWaitTime: -1 });
    }
    for (const e of Array.isArray(data.chatMessages) ? data.chatMessages : []) {
      if (e.type !== 'Agent' || !(Number(e.sequence) > offsetBefore)) continue;
      this.events.emit('message', { text: String(e.content), name: String(e.name), agentId: this.agentId });
    }
  }

  // ---------------------------------------------------------------- recovery (503)

  private recover(): Promise<void> {
    this.recovering ??= this.runRecovery().finally(() => {
      this.recovering = null;
    });
    return this.recovering;
  }

  private async runRecovery(): Promise<void> {
    this.setConnection('reconnecting');
    if (++this.consecutiveRecoveries > MAX_RECOVERIES) return this.finish('failed', 'recovery');
    const resync = this.opts.recovery === 'resync';
    let attempt = 0;
    while (!this.stopped) {
      let res: LaAnswer;
      try {
        res = resync
          ? await this.exchange({ method: 'GET', path: 'System/ResyncSession', query: { SessionId: this.id ?? '' } }, 30_000)
          : await this.exchange({
            method: 'GET', path: 'System/ReconnectSession', query: this.lastOffset >= 0 ? { 'ReconnectSession.offset': this.lastOffset } : {},
          }, 30_000, 'null');
      } catch {
        if (this.stopped) return;
        attempt = await this.failed(attempt + 1);
        continue;
      }
      if (res.status === 200) return resync ? this.applyResync(res.text) : this.applyReconnect(res.text);
      if (res.status === 403) return this.finish('ended', 'session');
      // 405: nothing to recover (someone already did); the request that got the 503 is retried and tells.
      if (res.status === 405) return;
      if (res.status < 500) return this.finish('failed', 'recovery');
      attempt = await this.failed(attempt + 1);
    }
  }

  private applyReconnect(text: string): void {
    const body = parseJson(text);
    const first = isRecord(body) && Array.isArray(body['messages']) ? (body['messages'] as unknown[])[0] : undefined;
    const m = isRecord(first) && isRecord(first['message']) ? first['message'] : isRecord(body) ? body : {};
    if (typeof m['affinityToken'] === 'string' && m['affinityToken']) this.affinity = m['affinityToken'];
    if (m['resetSequence'] === true) {
      this.lastSequence = -1;
      this.ackReset = true;
    }
  }

  private applyResync(text: string): void {
    const body = parseJson(text);
    if (!isRecord(body) || body['isValid'] === false) return this.finish('ended', 'session');
    if (typeof body['key'] === 'string' && body['key']) this.key = body['key'];
    if (typeof body['affinityToken'] === 'string' && body['affinityToken']) this.affinity = body['affinityToken'];
    // ResyncSession gives a new key: "the new session" (v34 guide) may number its payloads
    // from the start again, and dropping them as already seen would lose ChasitorSessionData
    // and every agent message until the count caught up. Not a plain reset to -1: a server
    // that goes on counting (Switchboard) may already have answered a held poll with the
    // snapshot, and re-sends it to our ack=-1: onPayload() tells the two apart.
    this.sequenceMayRestart = true;
    this.ackReset = true;
    this.resyncGen += 1;
    let release!: () => void;
    const promise = new Promise<void>((r) => (release = r));
    this.resyncHold?.release();
    this.resyncHold = { gen: this.resyncGen, promise, release };
    // The hold is released after a poll; before start() has its ChasitorInit through (a
    // 503 on the ChasitorInit itself), no poll runs yet: finish the resync now, and the
    // snapshot comes with the first poll.
    if (this.loops === 0) this.completeResync().catch((err: unknown) => this.crash(err));
  }

  /** ChasitorResyncState (no sequence), then the outbox re-sends what the 503 cancelled. */
  private async completeResync(): Promise<void> {
    const hold = this.resyncHold;
    if (!hold) return;
    this.resyncHold = null;
    let attempt = 0;
    while (!this.stopped) {
      try {
        const res = await this.exchange({ method: 'POST', path: 'Chasitor/ChasitorResyncState', body: { organizationId: this.opts.organizationId } }, 30_000);
        if (res.status === 403) this.finish('ended', 'session');
        if (res.status < 500) break;
      } catch {
        if (this.stopped) break;
      }
      attempt = await this.failed(attempt + 1);
    }
    hold.release();
  }

  // ---------------------------------------------------------------- outbox

  private enqueue(noun: string, body: () => unknown): Promise<void> {
    if (this.stopped) return Promise.reject(new SwitchboardClosedError(`${noun}: the chat is over`));
    if (this._state === 'idle' && noun !== 'Chasitor/ChasitorInit') return Promise.reject(new Error(`${noun}: call start() first`));
    const item = outgoing(noun, body, this.nextSequence++);
    this.outbox.push(item);
    void this.pump();
    return item.promise;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      await this.sessionReady;
      let attempt = 0;
      while (this.outbox.length > 0 && !this.stopped) {
        if (this.recovering) {
          await this.recovering;
          continue;
        }
        if (this.resyncHold) {
          await this.resyncHold.promise;
          continue;
        }
        const item = this.outbox[0] as Outgoing;
        item.inFlight = true;
        const affinityUsed = this.affinity;
        let res: LaAnswer;
        try {
          res = await this.exchange({ method: 'POST', path: item.noun, body: item.body() }, 30_000, undefined, item.sequence);
        } catch {
          if (this.stopped) break;
          attempt = await this.failed(attempt + 1);
          continue;
        }
        if (res.status === 503) {
          if (this.affinity === affinityUsed) await this.recover();
          continue;
        }
        if (res.status >= 500 || res.status === 429) {
          attempt = await this.failed(attempt + 1);
          continue;
        }
        attempt = 0;
        this.outbox.shift();
        if (res.status < 300 || (res.status === 403 && item.noun === 'Chasitor/ChatEnd')) {
          this.noteSuccess();
          item.resolve();
          continue;
        }
        item.reject(new SwitchboardHttpError(res.status, res.text, `POST ${item.noun}`));
        if (res.status === 403) this.finish('ended', this.ending ? 'client' : 'session');
      }
    } finally {
      this.pumping = false;
    }
  }

  // ---------------------------------------------------------------- plumbing

  private get stopped(): boolean {
    return this.stopper.signal.aborted;
  }

  private throwIfStopped(): void {
    if (this.stopped) throw new SwitchboardClosedError('the chat is over');
  }

  private exchange(r: Omit<LaRequest, 'headers' | 'timeoutMs' | 'signals'>, timeoutMs: number, affinity?: string, sequence?: number | null, replace?: AbortSignal): Promise<LaAnswer> {
    const headers: Record<string, string> = {
      'X-LIVEAGENT-API-VERSION': String(this.opts.apiVersion ?? 34),
      'X-LIVEAGENT-AFFINITY': affinity ?? this.affinity,
    };
    if (this.key) headers['X-LIVEAGENT-SESSION-KEY'] = this.key;
    if (sequence !== undefined && sequence !== null) headers['X-LIVEAGENT-SEQUENCE'] = String(sequence);
    return laRequest(this.fetchImpl, this.opts.baseUrl, {
      ...r, headers, timeoutMs, signals: replace ? [this.stopper.signal, replace] : [this.stopper.signal], ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}),
    });
  }

  /**
   * A failed exchange: report, give up when failing for too long, else wait the backoff.
   * Returns the attempt to count on from: 0 when reconnectNow() cut the wait short.
   */
  private async failed(attempt: number): Promise<number> {
    this.setConnection('reconnecting');
    const now = Date.now();
    this.failingSince ??= now;
    if (now - this.failingSince > (this.opts.retry?.giveUpAfterMs ?? 120_000)) {
      this.finish('failed', 'network');
      return attempt;
    }
    const reconnects = this.reconnects;
    await sleep(backoffDelay(attempt, this.opts.retry), this.stopper.signal, this.wake.signal);
    return this.reconnects === reconnects ? attempt : 0;
  }

  private noteSuccess(): void {
    this.failingSince = null;
    this.consecutiveRecoveries = 0;
    this.setConnection('online');
    this.wakeSleepers();
  }

  /** Ends every backoff sleep now (each lane then retries at once). */
  private wakeSleepers(): void {
    this.wake.abort();
    this.wake = new AbortController();
  }

  private setConnection(c: ConnectionState): void {
    if (this.connection === c) return;
    this.connection = c;
    this.events.emit('connection', c);
  }

  /** The one way the client stops: state, events, nothing left in flight. */
  private finish(state: 'ended' | 'failed', reason: string): void {
    if (this._state === 'ended' || this._state === 'failed') return;
    this._state = state;
    this.stopper.abort();
    this.markSessionReady();
    this.resyncHold?.release();
    for (const item of this.outbox.splice(0)) {
      // A ChatEnd still queued when the chat ends has nothing left to do.
      if (item.noun === 'Chasitor/ChatEnd') item.resolve();
      else item.reject(new SwitchboardClosedError(`${item.noun}: the chat is over (${reason})`));
    }
    if (state === 'ended') this.events.emit('ended', { reason });
    else this.events.emit('failed', { reason });
    this.setConnection('offline');
  }

  private crash(err: unknown): void {
    this.finish('failed', 'internal');
    queueMicrotask(() => {
      throw err;
    });
  }
}
