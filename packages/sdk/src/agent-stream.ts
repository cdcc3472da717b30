/**
 * The agent's realtime stream (WebSocket /agent/v1/stream): reconnects with
 * backoff and jitter, resumes from the last event id it saw (the server replays
 * what was missed, or sends `resync` with a snapshot), drops an event it has
 * already seen, and sends a heartbeat frame so presence stays alive. The server
 * answers every heartbeat, so a socket that has brought nothing back for two
 * heartbeats is dead (half-open: no close will ever come) and is replaced.
 *
 * Every socket opens with a fresh single-use ticket (`?ticket=`, POST
 * /agent/v1/stream-ticket), never the access token: a browser cannot set headers on
 * a WebSocket, and the URL is what devtools print on a failed connection and what
 * proxies log (the server's ADR 0028).
 */
import { backoffDelay, unrefTimer, type RetryOptions, type Timer } from './backoff.js';
import { SwitchboardClosedError, SwitchboardHttpError } from './errors.js';
import type { ConnectionState, ResyncData, StreamEvent } from './types.js';

/** What the SDK needs of a WebSocket: the browser's and the `ws` package's both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (ev: { data?: unknown; code?: number }) => void): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;
/**
 * What `AgentClientOptions.WebSocket` takes: the browser's WebSocket class or the `ws`
 * package's. Their `addEventListener` is typed per event, which no one signature of ours
 * matches, so that method is checked only for being there; the rest is checked as used.
 */
export type WebSocketClass = new (url: string) => Omit<WebSocketLike, 'addEventListener'> & { addEventListener(type: never, listener: never): void };

export interface AgentStreamDeps {
  baseUrl: string;
  WebSocket: WebSocketConstructor;
  retry: RetryOptions | undefined;
  /** Heartbeat interval (default 20 s); nothing received for two of them ends the socket. */
  heartbeatMs?: number | undefined;
  /** The access token (only whether there is one: the socket opens with a ticket). */
  token: () => string | undefined;
  /** A new single-use stream ticket (POST /stream-ticket with the access token); rejects with SwitchboardHttpError when refused. */
  ticket: () => Promise<string>;
  /**
   * After the server refused the token: refresh it. `refused`: the server said no
   * (the session is over, log in again); `unavailable`: it could not be asked now
   * (network, 5xx, 429) and is worth trying again.
   */
  reauthenticate: () => Promise<'ok' | 'refused' | 'unavailable'>;
  onEvent: (e: StreamEvent) => void;
  onResync: (r: ResyncData) => void;
  onConnection: (c: ConnectionState) => void;
}

const HEARTBEAT_MS = 20_000;
const OPEN = 1;
/** A command without a reply by then is given up on the socket (the caller falls back to REST). */
const COMMAND_TIMEOUT_MS = 10_000;

/** The server's answer to a command frame (docs/agent-api.md, "Commands on the stream socket"). */
export interface CommandReply {
  ok: boolean;
  result?: unknown;
  status?: number;
  error?: string;
}

export class AgentStream {
  private ws: WebSocketLike | undefined;
  private lastEventId: string | undefined;
  private closed = true;
  private attempt = 0;
  private reconnectTimer: Timer | undefined;
  private firstOpen: { resolve: () => void; reject: (err: Error) => void; since: number } | undefined;
  /** The last state handed to onConnection: each change is reported once, not every attempt. */
  private reported: ConnectionState | undefined;
  /** The current socket is open and was not refused. */
  private online = false;
  private nextRef = 0;
  /** Counts open() calls: a ticket that arrives for an earlier one is dropped (a newer open, or a disconnect, came since). */
  private opening = 0;
  /** Commands sent and not answered yet, by ref. */
  private readonly pending = new Map<number, { ws: WebSocketLike; timer: Timer; resolve: (r: CommandReply | null) => void }>();

  constructor(private readonly deps: AgentStreamDeps) {}

  /**
   * Opens the stream; resolves once it is open. Later drops reconnect on their own.
   * Rejects when the stream could not be opened within `retry.giveUpAfterMs` (default
   * 30 s): a caller awaiting connect() must not wait for ever on a server that is down.
   */
  connect(): Promise<void> {
    if (!this.closed) return Promise.resolve();
    this.closed = false;
    return new Promise((resolve, reject) => {
      this.firstOpen = { resolve, reject, since: Date.now() };
      this.open();
    });
  }

  disconnect(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const ws = this.ws;
    this.ws = undefined;
    this.online = false;
    ws?.close(1000, 'client disconnect');
    this.firstOpen?.reject(new Error('disconnected before the stream opened'));
    this.firstOpen = undefined;
    this.report('offline');
  }

  /**
   * Opens a new socket now, resuming after the last event, and closes the old one: for a
   * network change, after which the old socket may be half-open and the backoff may have put
   * the next attempt many seconds away. The stream stays one that was open, so it goes on
   * reconnecting for as long as it takes (a first connect() gives up after giveUpAfterMs).
   * False, doing nothing, when the stream is not running (never connected, disconnect(), or
   * given up): connect() then.
   */
  reconnect(): boolean {
    if (this.closed) return false;
    clearTimeout(this.reconnectTimer);
    this.attempt = 0;
    if (this.online) {
      this.online = false;
      this.report('reconnecting');
    }
    this.open();
    return true;
  }

  /** The id of the last event received (what a reconnect resumes after). */
  get lastId(): string | undefined {
    return this.lastEventId;
  }

  /**
   * Sends a chat action on the socket. Resolves with the server's reply, or with
   * null when it could not be sent or no reply came (socket gone, timeout): the
   * caller then uses REST, which is safe for the idempotent actions it sends here.
   */
  command(action: string, chatId: string | undefined, body: unknown): Promise<CommandReply | null> {
    const ws = this.ws;
    if (!this.online || !ws || ws.readyState !== OPEN) return Promise.resolve(null);
    const ref = ++this.nextRef;
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(ref, null), COMMAND_TIMEOUT_MS);
      unrefTimer(timer);
      this.pending.set(ref, { ws, timer, resolve });
      try {
        ws.send(JSON.stringify({ ref, action, chatId, body }));
      } catch {
        this.settle(ref, null);
      }
    });
  }

  private settle(ref: number, reply: CommandReply | null): void {
    const p = this.pending.get(ref);
    if (!p) return;
    this.pending.delete(ref);
    clearTimeout(p.timer);
    p.resolve(reply);
  }

  private open(): void {
    if (this.closed) return;
    if (!this.deps.token()) return this.fail(new Error('not logged in: call login() or useToken() first'));
    // Never two sockets: one left from before (a reconnect racing a connect()) is closed, not orphaned.
    const previous = this.ws;
    if (previous) {
      this.ws = undefined;
      try {
        previous.close(1000, 'replaced');
      } catch {
        // already closing
      }
    }
    const attempt = ++this.opening;
    this.deps.ticket().then(
      (ticket) => {
        if (!this.closed && attempt === this.opening) this.openSocket(ticket);
      },
      (err: unknown) => {
        if (!this.closed && attempt === this.opening) this.ticketRefused(err);
      },
    );
  }

  /** No ticket: asked the way a refused socket is answered (401: refresh; 403: give up; else: later). */
  private ticketRefused(err: unknown): void {
    // logout() or close() stopped the client's calls; its disconnect() follows.
    if (err instanceof SwitchboardClosedError) return;
    const status = err instanceof SwitchboardHttpError ? err.status : undefined;
    if (status === 401) return this.reauthenticateThenOpen();
    if (status === 403) return this.fail(new Error('the stream is forbidden for this user'));
    this.report('reconnecting');
    this.retryLater();
  }

  /** After the server refused the credential: refresh it, then open again (or give up when refused). */
  private reauthenticateThenOpen(): void {
    const attempt = this.opening;
    this.report('reconnecting');
    this.deps.reauthenticate().then(
      (outcome) => {
        // disconnect() (and maybe a new connect() or reconnect()) while the refresh ran: that call decides now.
        if (this.closed || attempt !== this.opening) return;
        if (outcome === 'ok') this.scheduleReconnect(0);
        else if (outcome === 'unavailable') this.retryLater();
        else this.fail(new Error('the stream refused the access token'));
      },
      (err: unknown) => this.fail(err instanceof Error ? err : new Error(String(err))),
    );
  }

  private openSocket(ticket: string): void {
    const url = new URL(`${this.deps.baseUrl.replace(/\/+$/, '')}/agent/v1/stream`);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('ticket', ticket);
    if (this.lastEventId) url.searchParams.set('lastEventId', this.lastEventId);
    let ws: WebSocketLike;
    try {
      ws = new this.deps.WebSocket(url.toString());
    } catch (err) {
      return this.fail(err instanceof Error ? err : new Error(String(err)));
    }
    this.ws = ws;
    let refusedWith: number | undefined;
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    let heardAt = Date.now();
    const beatMs = this.deps.heartbeatMs ?? HEARTBEAT_MS;

    ws.addEventListener('open', () => {
      if (this.ws !== ws) return;
      heardAt = Date.now();
      heartbeat = setInterval(() => {
        if (ws.readyState !== OPEN) return;
        if (Date.now() - heardAt > 2 * beatMs) {
          // Silent through two answered heartbeats: the connection is gone without a close.
          clearInterval(heartbeat);
          closed(4000);
          try {
            ws.close(4000, 'no answer to heartbeats');
          } catch {
            // closing already
          }
          return;
        }
        ws.send('{"type":"heartbeat"}');
      }, beatMs);
      unrefTimer(heartbeat);
    });
    ws.addEventListener('message', (ev) => {
      if (this.ws !== ws) return;
      heardAt = Date.now();
      const frame = parseFrame(ev.data);
      if (!frame) return;
      if (frame['type'] === 'error') {
        refusedWith = Number(frame['status']) || 401;
        return;
      }
      this.markOpen();
      if (frame['type'] === 'reply') {
        if (typeof frame['ref'] === 'number') this.settle(frame['ref'], frame as unknown as CommandReply);
        return;
      }
      if (frame['type'] === 'resync') {
        this.deps.onResync({ reason: String(frame['reason'] ?? ''), snapshot: frame['snapshot'] as ResyncData['snapshot'] });
        return;
      }
      if (typeof frame['id'] !== 'string') return;
      if (this.seen(frame['id'])) return;
      this.lastEventId = frame['id'];
      this.deps.onEvent(frame as unknown as StreamEvent);
    });
    // Every failure ends in `close`; `error` only needs a listener (ws throws without one).
    ws.addEventListener('error', () => undefined);
    const closed = (code: number): void => {
      clearInterval(heartbeat);
      for (const [ref, p] of this.pending) if (p.ws === ws) this.settle(ref, null);
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.online = false;
      if (this.closed) return;
      if (refusedWith === 401 || code === 4401) return this.reauthenticateThenOpen();
      if (refusedWith === 403 || code === 4403) return this.fail(new Error('the stream is forbidden for this user'));
      this.report('reconnecting');
      this.retryLater();
    };
    ws.addEventListener('close', (ev) => closed(ev.code ?? 0));

    // The server says nothing on a successful connect: call it open once the
    // socket is open and no refusal followed within a moment.
    ws.addEventListener('open', () => {
      setTimeout(() => {
        if (this.ws === ws && refusedWith === undefined && ws.readyState === OPEN) this.markOpen();
      }, 50);
    });
  }

  private markOpen(): void {
    if (this.online) return;
    this.online = true;
    this.attempt = 0;
    this.report('online');
    this.firstOpen?.resolve();
    this.firstOpen = undefined;
  }

  /** True for an event at or before the last one seen in the same epoch (a replay overlap). */
  private seen(id: string): boolean {
    if (!this.lastEventId) return false;
    const [epoch, off] = id.split(':');
    const [lastEpoch, lastOff] = this.lastEventId.split(':');
    return epoch === lastEpoch && Number(off) <= Number(lastOff);
  }

  /** The next attempt after a backoff, unless the first connect() has waited long enough. */
  private retryLater(): void {
    const giveUpAfterMs = this.deps.retry?.giveUpAfterMs ?? 30_000;
    if (this.firstOpen && Date.now() - this.firstOpen.since >= giveUpAfterMs) {
      return this.fail(new Error(`the stream could not be opened within ${giveUpAfterMs} ms`));
    }
    this.scheduleReconnect(backoffDelay(++this.attempt, this.deps.retry));
  }

  private report(c: ConnectionState): void {
    if (this.reported === c) return;
    this.reported = c;
    this.deps.onConnection(c);
  }

  private scheduleReconnect(ms: number): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.open(), ms);
  }

  /** Gives up for good: `connection` turns `offline`, and connect() rejects if it is still waiting. */
  private fail(err: Error): void {
    this.closed = true;
    this.online = false;
    this.report('offline');
    this.firstOpen?.reject(err);
    this.firstOpen = undefined;
  }
}

function parseFrame(data: unknown): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(typeof data === 'string' ? data : String(data)) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
