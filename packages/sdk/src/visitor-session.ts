/**
 * What the lanes of a VisitorClient share: the session (key, affinity, the
 * counters of what was received and sent), the one way to talk to the server
 * (headers, time limit, stop), the backoff between failed tries and its
 * wake-up, the connection state, and the one way the client stops.
 */
import { backoffDelay, sleep } from './backoff.js';
import { Emitter } from './emitter.js';
import { SwitchboardClosedError } from './errors.js';
import { laRequest, type FetchLike, type LaAnswer, type LaRequest } from './live-agent-http.js';
import type { ConnectionState, VisitorEvents, VisitorState } from './types.js';
import type { VisitorClientOptions } from './visitor-options.js';

/** More to an exchange than the request: another affinity, a sequence number, a second abort. */
export interface ExchangeExtras {
  /** The affinity header to send instead of the session's (`null` for ReconnectSession). */
  affinity?: string;
  /** X-LIVEAGENT-SEQUENCE, for the outbox's requests. */
  sequence?: number | null;
  /** Aborts this request alone (reconnectNow() replacing the poll, or the outbox's request). */
  replace?: AbortSignal;
}

/**
 * Told when the client stops, to let go of what it holds: `reason` is the `ended` or
 * `failed` reason, null for detach() (which emits no event).
 */
export type StopListener = (reason: string | null) => void;

export class VisitorSession {
  readonly events = new Emitter<VisitorEvents>();
  state: VisitorState = 'idle';

  key: string | undefined;
  id: string | undefined;
  affinity = 'null';
  pollTimeoutMs = 50_000;
  /** Resolves once the session key is known (SessionId answered, or resume()), or the client stopped. */
  readonly ready: Promise<void>;
  readonly markReady: () => void;

  /** Last `sequence` received: the next poll's ack. */
  lastSequence = -1;
  /** Highest `offset` received: what ReconnectSession resumes after. */
  lastOffset = -1;
  /** Send `ack=-1` until a poll succeeds (after ResyncSession the old sequence must not rewind the new cursor). */
  ackReset = false;
  /** Set by ResyncSession until the next new payload: a lower sequence may be the new session's numbering. */
  sequenceMayRestart = false;
  nextSequence = 1;
  agentId = '';
  /** Set by end(): the 403 that follows its ChatEnd is the end it asked for. */
  ending = false;
  /** 503 recoveries in a row, with no success in between. */
  consecutiveRecoveries = 0;
  /** Counts reconnectNow() calls: a backoff sleep it cut short starts the count of attempts again. */
  reconnects = 0;
  /** The agent's file requests not answered nor canceled yet: fileToken → uploadServletUrl, oldest first. */
  readonly fileRequests = new Map<string, string>();

  private readonly stopper = new AbortController();
  private readonly fetchImpl: FetchLike;
  private readonly stopListeners: StopListener[] = [];
  private connection: ConnectionState | undefined;
  private failingSince: number | null = null;
  /**
   * Aborted (and replaced) on every success: a lane sleeping in its backoff wakes and
   * retries at once when the other lane got through, since the server is back. Without
   * it the poll could sleep up to `retry.maxMs` after the outbox already reported `online`.
   * reconnectNow() aborts it too.
   */
  private wake = new AbortController();

  constructor(readonly opts: VisitorClientOptions) {
    const f = opts.fetch;
    // Unbound `fetch` throws "Illegal invocation" in browsers: always call it as a global.
    this.fetchImpl = f ?? ((input, init) => fetch(input, init));
    let mark!: () => void;
    this.ready = new Promise((r) => (mark = r));
    this.markReady = mark;
  }

  get stopped(): boolean {
    return this.stopper.signal.aborted;
  }

  /** Aborted when the client stops (end, failure, detach). */
  get stopSignal(): AbortSignal {
    return this.stopper.signal;
  }

  /** The fetch the client uses (the option's, else the global one). */
  get fetcher(): FetchLike {
    return this.fetchImpl;
  }

  get over(): boolean {
    return this.state === 'ended' || this.state === 'failed';
  }

  throwIfStopped(): void {
    if (this.stopped) throw new SwitchboardClosedError('the chat is over');
  }

  /** Registers what to let go of when the client stops, in the order registered. */
  onStop(listener: StopListener): void {
    this.stopListeners.push(listener);
  }

  exchange(r: Omit<LaRequest, 'headers' | 'timeoutMs' | 'signals'>, timeoutMs: number, extras: ExchangeExtras = {}): Promise<LaAnswer> {
    const headers: Record<string, string> = {
      'X-LIVEAGENT-API-VERSION': String(this.opts.apiVersion ?? 34),
      'X-LIVEAGENT-AFFINITY': extras.affinity ?? this.affinity,
    };
    if (this.key) headers['X-LIVEAGENT-SESSION-KEY'] = this.key;
    if (extras.sequence !== undefined && extras.sequence !== null) headers['X-LIVEAGENT-SEQUENCE'] = String(extras.sequence);
    const signals = extras.replace ? [this.stopper.signal, extras.replace] : [this.stopper.signal];
    return laRequest(this.fetchImpl, this.opts.baseUrl, {
      ...r, headers, timeoutMs, signals, ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}),
    });
  }

  /**
   * A failed exchange: report, give up when failing for too long, else wait the backoff
   * (and at least `minMs`, a Retry-After, up to `retry.maxMs`).
   * Returns the attempt to count on from: 0 when reconnectNow() cut the wait short.
   */
  async failed(attempt: number, minMs = 0, o: { wakeable?: boolean } = {}): Promise<number> {
    this.setConnection('reconnecting');
    const now = Date.now();
    this.failingSince ??= now;
    if (now - this.failingSince > (this.opts.retry?.giveUpAfterMs ?? 120_000)) {
      this.finish('failed', 'network');
      return attempt;
    }
    const reconnects = this.reconnects;
    const wait = Math.max(backoffDelay(attempt, this.opts.retry), Math.min(minMs, this.opts.retry?.maxMs ?? 15_000));
    // Not wakeable: a rate limit's Retry-After is for this lane, whatever the other one does.
    await (o.wakeable === false ? sleep(wait, this.stopper.signal) : sleep(wait, this.stopper.signal, this.wake.signal));
    return this.reconnects === reconnects ? attempt : 0;
  }

  /** Waits the first backoff step (or less, when the client stops). */
  pause(): Promise<void> {
    return sleep(backoffDelay(1, this.opts.retry), this.stopper.signal);
  }

  noteSuccess(): void {
    this.failingSince = null;
    this.consecutiveRecoveries = 0;
    this.setConnection('online');
    this.wakeSleepers();
  }

  /** Ends every backoff sleep now (each lane then retries at once). */
  wakeSleepers(): void {
    this.wake.abort();
    this.wake = new AbortController();
  }

  /** Whether the last exchange failed and none has got through since (`connection` is `reconnecting`). */
  get reconnecting(): boolean {
    return this.connection === 'reconnecting';
  }

  setConnection(c: ConnectionState): void {
    if (this.connection === c) return;
    this.connection = c;
    this.events.emit('connection', c);
  }

  /** The one way the client stops: state, events, nothing left in flight. */
  finish(state: 'ended' | 'failed', reason: string): void {
    if (this.over) return;
    this.halt(state, reason);
    if (state === 'ended') this.events.emit('ended', { reason });
    else this.events.emit('failed', { reason });
    this.setConnection('offline');
  }

  /** Stops without ending the chat, and without an event (detach()). */
  detach(): void {
    if (this.over) return;
    this.halt('ended', null);
    this.setConnection('offline');
  }

  /** A bug in the client's own loop: the chat fails, and the error is thrown where it is seen. */
  crash(err: unknown): void {
    this.finish('failed', 'internal');
    queueMicrotask(() => {
      throw err;
    });
  }

  private halt(state: 'ended' | 'failed', reason: string | null): void {
    this.state = state;
    this.stopper.abort();
    this.markReady();
    for (const listener of this.stopListeners) listener(reason);
  }
}
