/**
 * The Live Agent visitor loop: SessionId → ChasitorInit → long poll, for
 * Switchboard or any Live Agent compatible server (wire-compat.md).
 *
 * Two independent lanes share one session (visitor-session.ts):
 * - the poll loop (visitor-poll-loop.ts): `System/Messages?ack=<last sequence>`,
 *   whose payloads become events (visitor-inbox.ts);
 * - the outbox (visitor-outbox.ts): every POST in call order, each with its
 *   X-LIVEAGENT-SEQUENCE fixed when queued, so a retry after a network failure
 *   or a 503 reuses it and the server drops the duplicate.
 * A 503 sends both through one recovery (visitor-recovery.ts), except a standby's
 * 503 NODE_STANDBY, which each lane waits out and sends again like a network failure.
 */
import type { Handler } from './emitter.js';
import { SwitchboardClosedError, SwitchboardHttpError } from './errors.js';
import { isRecord, parseJson } from './live-agent-http.js';
import type { FileTransferRequested, FileUploaded, SessionIdResponse, VisitorEvents, VisitorSnapshot, VisitorState } from './types.js';
import { uploadFile, type UploadOptions } from './visitor-file-upload.js';
import { VisitorInbox } from './visitor-inbox.js';
import type { VisitorClientOptions } from './visitor-options.js';
import { VisitorOutbox } from './visitor-outbox.js';
import { VisitorPollLoop } from './visitor-poll-loop.js';
import { VisitorRecovery } from './visitor-recovery.js';
import { VisitorSession } from './visitor-session.js';

export type { VisitorClientOptions } from './visitor-options.js';

export class VisitorClient {
  private readonly s: VisitorSession;
  private readonly outbox: VisitorOutbox;
  private readonly poll: VisitorPollLoop;

  constructor(private readonly opts: VisitorClientOptions) {
    this.s = new VisitorSession(opts);
    // The recovery asks whether the poll loop runs only once a resync comes, after it is made.
    const recovery = new VisitorRecovery(this.s, () => this.poll.running);
    this.outbox = new VisitorOutbox(this.s, recovery);
    this.poll = new VisitorPollLoop(this.s, recovery, new VisitorInbox(this.s, recovery));
  }

  get state(): VisitorState {
    return this.s.state;
  }

  /** The session id (`id` of System/SessionId), once known. */
  get sessionId(): string | undefined {
    return this.s.id;
  }

  on<K extends keyof VisitorEvents>(event: K, handler: Handler<VisitorEvents[K]>): () => void {
    return this.s.events.on(event, handler);
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
    const s = this.s;
    if (s.state !== 'idle') throw new Error(`start() called in state ${s.state}`);
    s.state = 'connecting';
    const init = this.outbox.enqueue('Chasitor/ChasitorInit', () => this.initBody());
    // When no session can be made, finish() rejects the queued ChasitorInit and nothing
    // awaits it: handled here so it is not an unhandled rejection (which ends a Node process).
    init.catch(() => undefined);
    try {
      await this.createSession();
      await init;
    } catch (err) {
      if (err instanceof SwitchboardHttpError) s.finish('failed', err.status === 403 ? 'session' : 'init');
      throw err;
    }
    if (s.state === 'connecting') s.state = 'waiting';
    this.poll.start();
  }

  /**
   * The chat as plain JSON, to continue it in another page with resume(); null
   * until the chat request is through (and after the chat is over). Take it when
   * the page goes away (`pagehide`): what happens after it is not in it.
   */
  snapshot(): VisitorSnapshot | null {
    const s = this.s;
    if ((s.state !== 'waiting' && s.state !== 'chatting') || !s.key || !s.id) return null;
    return {
      v: 1, key: s.key, id: s.id, affinity: s.affinity, pollTimeoutMs: s.pollTimeoutMs, state: s.state,
      lastSequence: s.lastSequence, lastOffset: s.lastOffset, nextSequence: s.nextSequence, agentId: s.agentId,
      pending: this.outbox.pending(),
      fileRequests: this.fileRequests,
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
    const s = this.s;
    if (s.state !== 'idle') throw new Error(`resume() called in state ${s.state}`);
    if (snap.v !== 1 || typeof snap.key !== 'string' || typeof snap.id !== 'string') throw new Error('resume(): not a VisitorClient snapshot');
    s.key = snap.key;
    s.id = snap.id;
    s.affinity = snap.affinity;
    s.pollTimeoutMs = snap.pollTimeoutMs;
    s.lastSequence = snap.lastSequence;
    s.lastOffset = snap.lastOffset;
    s.nextSequence = snap.nextSequence;
    s.agentId = snap.agentId;
    for (const r of Array.isArray(snap.fileRequests) ? snap.fileRequests : []) s.fileRequests.set(r.fileToken, r.uploadServletUrl);
    s.state = snap.state;
    s.markReady();
    this.poll.start();
    this.outbox.restore(snap.pending);
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
    this.s.detach();
    return snap;
  }

  send(text: string): Promise<void> {
    return this.outbox.enqueue('Chasitor/ChatMessage', () => ({ text }));
  }

  typing(isTyping: boolean): Promise<void> {
    return this.outbox.enqueue(isTyping ? 'Chasitor/ChasitorTyping' : 'Chasitor/ChasitorNotTyping', () => ({}));
  }

  /** Sends what the visitor is typing. Updates that pile up while offline collapse into the latest. */
  sneakPeek(text: string): Promise<void> {
    return this.outbox.sneakPeek(text);
  }

  customEvent(type: string, data: string): Promise<void> {
    return this.outbox.enqueue('Chasitor/CustomEvent', () => ({ type, data }));
  }

  /**
   * The agent's file requests not answered nor canceled yet, oldest first: each `Requested`
   * fileTransfer event adds one, its `Canceled` or a successful uploadFile() removes it.
   */
  get fileRequests(): FileTransferRequested[] {
    return [...this.s.fileRequests].map(([fileToken, uploadServletUrl]) => ({ type: 'Requested', fileToken, uploadServletUrl }));
  }

  /**
   * Answers the agent's file request `fileToken` (a `fileTransfer` event of type `Requested`):
   * posts `data` as `multipart/form-data` to the request's `uploadServletUrl`, with the
   * session key (`chatKey`), `fileToken` and `orgId` as form fields. Resolves with the
   * server's `{fileToken, fileId, name, size}` once the file is stored and the agent told.
   * Not part of the Live Agent request queue: it runs beside messages, which keep flowing.
   * An upload that got no answer is sent again (twice at most; the server answers an exact
   * retry with the first 200). A 503 `UPLOADS_BUSY` or 429 `RATE_LIMITED` is sent again after its
   * Retry-After (3 tries, 60 s of waiting at most; `options.onBusyWait` hears each wait, and
   * `options.signal`, detach() or end() cut it short). Rejects with SwitchboardHttpError and the server's status and
   * reason: 413 `FILE_TOO_LARGE` (its `maxBytes` says the limit; the request stays open for a
   * smaller file), 403 `FILE_TOKEN_INVALID` (canceled, or the chat is over), 409
   * `FILE_ALREADY_UPLOADED`, 400 `FILE_MISSING` (an empty file); with a plain Error for a token
   * this client never got; with SwitchboardClosedError when the client stopped first.
   */
  async uploadFile(fileToken: string, data: Blob | Uint8Array, name: string, options: UploadOptions = {}): Promise<FileUploaded> {
    const s = this.s;
    if (s.stopped) throw new SwitchboardClosedError(`upload ${name}: the chat is over`);
    const url = s.fileRequests.get(fileToken);
    if (url === undefined || s.key === undefined) throw new Error(`uploadFile(): no file request ${fileToken} pending in this chat`);
    const uploaded = await uploadFile({
      url, chatKey: s.key, fileToken, organizationId: this.opts.organizationId, data, name,
      fetch: s.fetcher, retry: this.opts.retry, stopped: s.stopSignal, options,
    });
    s.fileRequests.delete(fileToken);
    return uploaded;
  }

  /**
   * ChatEnd (after everything queued before it), then stops polling. Emits `ended` `{reason: 'client'}`.
   * Called while start() is still waiting for a session (server unreachable), it ends at once
   * without a request, and start() rejects with SwitchboardClosedError.
   */
  async end(): Promise<void> {
    const s = this.s;
    if (s.over) return;
    if (s.state === 'idle') return s.finish('ended', 'client');
    // No session key yet: start() is still asking System/SessionId (maybe retrying
    // against a server that is down), so the server has no chat to end. Waiting for
    // a session only to end it would hold end() until the retries give up and then
    // report `failed {network}`: end here; finish() aborts the SessionId loop.
    if (s.key === undefined) return s.finish('ended', 'client');
    s.ending = true;
    try {
      await this.outbox.enqueue('Chasitor/ChatEnd', () => ({ reason: 'client' }));
    } catch (err) {
      if (!(err instanceof SwitchboardClosedError)) throw err;
    } finally {
      s.finish('ended', 'client');
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
   * (ADR 0038). A poll that carries no ack yet (the chat's first, or the first after a resync)
   * is left to run: the server could not send its answer again. The outbox's request in flight
   * (a message, typing, ChatEnd) is aborted and sent again at once too, with the same
   * X-LIVEAGENT-SEQUENCE: the server applies it once whether or not the first one reached it,
   * and the requests queued after it keep their order. Returns false, doing nothing, when the
   * chat is not running (start() or resume() not called yet, or the chat is over).
   */
  reconnectNow(): boolean {
    const s = this.s;
    if (s.state === 'idle' || s.stopped) return false;
    s.reconnects += 1;
    this.poll.replace();
    this.outbox.replace();
    s.wakeSleepers();
    return true;
  }

  // ---------------------------------------------------------------- session

  private async createSession(): Promise<void> {
    const s = this.s;
    let attempt = 0;
    for (;;) {
      const res = await s.exchange({ method: 'GET', path: 'System/SessionId', query: { 'SessionId.ClientType': 'chasitor' } }, 30_000).catch(() => null);
      s.throwIfStopped();
      if (res?.status === 200) {
        const body = parseJson(res.text) as Partial<SessionIdResponse> | undefined;
        if (!isRecord(body) || typeof body.key !== 'string') throw new SwitchboardHttpError(res.status, res.text, 'GET System/SessionId: no key');
        s.key = body.key;
        s.id = String(body.id);
        s.affinity = body.affinityToken ? String(body.affinityToken) : 'null';
        const timeout = Number(body.clientPollTimeout);
        if (Number.isFinite(timeout) && timeout > 0) s.pollTimeoutMs = timeout * 1000 + 10_000;
        s.noteSuccess();
        s.markReady();
        return;
      }
      if (res && res.status < 500) throw new SwitchboardHttpError(res.status, res.text, 'GET System/SessionId');
      attempt = await s.failed(attempt + 1);
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
      sessionId: this.s.id,
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
}
