/**
 * Client of Switchboard's agent API (/agent/v1): login and token refresh,
 * presence, offers, chat actions, supervisor actions, and the realtime stream.
 * Message sends carry a `clientMessageId`, so a send retried after a network
 * failure is applied once.
 */
import { AgentStream, type WebSocketConstructor } from './agent-stream.js';
import { backoffDelay, sleep, unrefTimer, type RetryOptions, type Timer } from './backoff.js';
import { Emitter, type Handler } from './emitter.js';
import { EmulatorApi } from './emulator-api.js';
import { SwitchboardClosedError, SwitchboardHttpError, isNetworkError } from './errors.js';
import type { FetchLike } from './live-agent-http.js';
import type {
  AgentEvents, ChatDetails, ChatEventWire, ChatHistoryPage, ChatHistoryQuery, ChatSearchPage, ChatSearchQuery, ChatSummary, Presence, PresenceState, PublicUser, SentMessage, StreamEvent, SupervisorOverview,
  TokenPair, Transcript, TranscriptPage, TranscriptPageOptions, TransferTarget, TransferTargets, AgentLimits, Me, StreamTicket,
} from './types.js';

export interface AgentClientOptions {
  /** Server root, e.g. `https://chat.example.com`. */
  baseUrl: string;
  fetch?: FetchLike;
  /**
   * The WebSocket class for connect(): the browser's by default; in Node 20 pass
   * the `ws` package's (`import WebSocket from 'ws'`).
   */
  WebSocket?: unknown;
  /**
   * Retry timing of idempotent calls and of stream reconnects. `giveUpAfterMs` (default 30000)
   * bounds a call's retries and the first connect(): it rejects when the stream could not be
   * opened in that time (a stream that was open once reconnects for as long as it takes).
   */
  retry?: RetryOptions;
  /**
   * A request with no answer after this long is abandoned (default 30000 ms), and
   * retried when the call is safe to repeat: a chat's actions run one after another,
   * so one request left hanging would stall every later one of that chat.
   */
  requestTimeoutMs?: number;
  /**
   * How often the stream sends a heartbeat (default 20000 ms). The server answers
   * each one; a socket that brings back nothing for two intervals is taken for
   * dead (a half-open connection after a network change or sleep) and reconnected.
   */
  heartbeatMs?: number;
}

interface CallOptions {
  /** Retry on network failures and 502–504 (only for calls that are safe to repeat). */
  retry?: boolean;
  /** The API the path is under (default `/agent/v1`). */
  root?: string;
  /** Send the bearer token (default true). */
  auth?: boolean;
  /** The call's closer, taken when it was queued (default: the current one). */
  signal?: AbortSignal;
}

/**
 * The most events a transcript page may hold (the server's TRANSCRIPT_PAGE_MAX,
 * docs/agent-api.md): transcript() reads in pages this large, the fewest requests.
 */
const TRANSCRIPT_PAGE_MAX = 1000;

/** A stream ticket request unanswered this long gets another beside it (AgentClient.streamTicket). */
const TICKET_HEDGE_MS = 1_000;
/** Ticket requests in flight at most for one socket. */
const TICKET_REQUESTS = 3;

/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

export class AgentClient {
  private readonly events = new Emitter<AgentEvents>();
  private readonly fetchImpl: FetchLike;
  private accessToken: string | undefined;
  private currentRefreshToken: string | undefined;
  private refreshing: Promise<'ok' | 'refused' | 'unavailable'> | null = null;
  private refreshTimer: Timer | undefined;
  private currentLimits: AgentLimits | undefined;
  private stream: AgentStream | undefined;
  /** Per chat: the tail of its queue of actions. */
  private readonly chains = new Map<string, Promise<void>>();
  /**
   * Aborted by logout() and close(): every call in flight or queued, and its backoff
   * sleeps, ends at once (a retried send would otherwise go on for giveUpAfterMs and
   * keep a Node process alive). Replaced at once, so the client can log in again.
   */
  private closer = new AbortController();

  /**
   * Emulator mode's API (reset, faults: docs/emulator.md), with this client's credentials,
   * which must be an admin's. A server without emulator mode answers 404.
   */
  readonly emulator: EmulatorApi;

  constructor(private readonly opts: AgentClientOptions) {
    this.fetchImpl = opts.fetch ?? ((input, init) => fetch(input, init));
    this.emulator = new EmulatorApi((method, path, body, retry) => this.call(method, path, body, { retry, root: '/emulator/v1' }));
  }

  on<K extends keyof AgentEvents>(event: K, handler: Handler<AgentEvents[K]>): () => void {
    return this.events.on(event, handler);
  }

  // ---------------------------------------------------------------- identity

  /**
   * The server's limits on what this agent sends (`maxMessageLength`: stop a message box there),
   * from the last login, resumeSession(), token refresh or me(); undefined before any of them.
   */
  get limits(): AgentLimits | undefined {
    return this.currentLimits;
  }

  /** Logs in; the access token is then refreshed before it expires. */
  async login(username: string, password: string): Promise<PublicUser> {
    const pair = await this.call<TokenPair>('POST', '/auth/login', { username, password }, { auth: false, retry: true });
    this.adopt(pair);
    return pair.user;
  }

  /**
   * Logs in again with the refresh token of an earlier login (refreshToken(), kept
   * by a page that reloads): a new token pair, refreshed from then on like after
   * login(). Rejects with SwitchboardHttpError 401 when the token expired or was revoked.
   */
  async resumeSession(refreshToken: string): Promise<PublicUser> {
    const pair = await this.call<TokenPair>('POST', '/auth/refresh', { refreshToken }, { auth: false, retry: true });
    this.adopt(pair);
    return pair.user;
  }

  /** The current refresh token (after login() or resumeSession(); none with useToken()), for resumeSession() in a later page. */
  refreshToken(): string | undefined {
    return this.currentRefreshToken;
  }

  /** Uses an access token obtained elsewhere (an API key, a token from your backend). It is not refreshed. */
  useToken(accessToken: string): void {
    clearTimeout(this.refreshTimer);
    this.accessToken = accessToken;
    this.currentRefreshToken = undefined;
  }

  /**
   * Revokes every token of this user and closes the stream. Calls still in flight or
   * retrying reject at once with SwitchboardClosedError, as with close().
   */
  async logout(): Promise<void> {
    // First: a pending call must not outlive the logout, even when the logout request itself hangs.
    this.abortCalls();
    try {
      if (this.accessToken) await this.call('POST', '/auth/logout');
    } finally {
      clearTimeout(this.refreshTimer);
      this.accessToken = undefined;
      this.currentRefreshToken = undefined;
      this.disconnect();
    }
  }

  /**
   * Stops the client without logging out: closes the stream, stops refreshing the token,
   * and every call in flight or retrying rejects at once with SwitchboardClosedError.
   * (disconnect() only closes the stream.) Calls made afterwards run normally.
   */
  close(): void {
    this.abortCalls();
    clearTimeout(this.refreshTimer);
    this.disconnect();
  }

  private abortCalls(): void {
    this.closer.abort();
    this.closer = new AbortController();
  }

  /** The current user. */
  /** The current user, and the server's limits (also kept as `limits`). */
  async me(): Promise<Me> {
    const me = await this.call<Me>('GET', '/me', undefined, { retry: true });
    this.currentLimits = me.limits;
    return me;
  }

  // ---------------------------------------------------------------- presence and chats

  setPresence(status: Presence, capacity?: number): Promise<PresenceState> {
    return this.call('PUT', '/presence', capacity === undefined ? { status } : { status, capacity }, { retry: true });
  }

  accept(chatId: string): Promise<void> {
    return this.action(chatId, 'accept');
  }

  decline(chatId: string, reason?: string): Promise<void> {
    return this.action(chatId, 'decline', reason === undefined ? {} : { reason });
  }

  /**
   * Sends a message: over the stream socket when it is open (one frame, no HTTP
   * request), else over REST; retried under one `clientMessageId`, so it is applied once.
   */
  send(chatId: string, text: string, clientMessageId: string = newId()): Promise<SentMessage> {
    const body = { text, clientMessageId };
    return this.inOrder(chatId, (signal) => this.viaStream('messages', chatId, body, () => this.call('POST', `/chats/${enc(chatId)}/messages`, body, { retry: true, signal })));
  }

  typing(chatId: string, typing: boolean): Promise<void> {
    return this.action(chatId, 'typing', { typing }, true);
  }

  customEvent(chatId: string, type: string, data: string): Promise<void> {
    return this.action(chatId, 'events', { type, data });
  }

  transfer(chatId: string, target: TransferTarget): Promise<void> {
    return this.action(chatId, 'transfer', target);
  }

  /** The other agents of my org, and its skills and buttons, with who could take a transfer now. */
  transferTargets(): Promise<TransferTargets> {
    return this.call('GET', '/transfer-targets', undefined, { retry: true });
  }

  end(chatId: string): Promise<void> {
    return this.action(chatId, 'end');
  }

  /** Chats routed to me (supervisors: every active chat of the org). */
  chats(): Promise<ChatSummary[]> {
    return this.call('GET', '/chats', undefined, { retry: true });
  }

  /** Chat details: prechat data, visitor, breadcrumbs, earlier chats, sneak peek. */
  chat(chatId: string): Promise<ChatDetails> {
    return this.call('GET', `/chats/${enc(chatId)}`, undefined, { retry: true });
  }

  /**
   * One page of my past chats (GET /agent/v1/chats/history): the ended chats I held at some
   * point, those I transferred away included, newest first; `limit` and the previous page's
   * `nextCursor` as `cursor`. A page can be short, even empty, and still have a `nextCursor`.
   * Each chat's details and transcript stay readable to me (`chat`, `transcript`).
   */
  chatHistory(query: ChatHistoryQuery = {}): Promise<ChatHistoryPage> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
    const q = params.toString();
    return this.call('GET', `/chats/history${q ? `?${q}` : ''}`, undefined, { retry: true });
  }

  /** Every page of my past chats in turn, from `query.cursor` (default: the newest), until the one without a `nextCursor` (`for await`). */
  async *chatHistoryPages(query: ChatHistoryQuery = {}): AsyncGenerator<ChatHistoryPage, void, undefined> {
    for (let cursor = query.cursor; ;) {
      const page = await this.chatHistory({ ...query, ...(cursor === undefined ? {} : { cursor }) });
      yield page;
      if (page.nextCursor === null) return;
      cursor = page.nextCursor;
    }
  }

  /**
   * One page of a chat's transcript: the events after log offset `after` (default 0), at
   * most `limit` (default 500, at most 1000), with `nextAfter` (pass it as the next page's
   * `after`) and `hasMore`.
   */
  transcriptPage(chatId: string, page: TranscriptPageOptions = {}): Promise<TranscriptPage> {
    const query = new URLSearchParams();
    if (page.after !== undefined) query.set('after', String(page.after));
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    const q = query.toString();
    return this.call('GET', `/chats/${enc(chatId)}/transcript${q ? `?${q}` : ''}`, undefined, { retry: true });
  }

  /**
   * Every page of a chat's transcript after `after`, in order, one request each, until
   * the page whose `hasMore` is false: for a long chat, handle a page and let it go.
   */
  async *transcriptPages(chatId: string, page: TranscriptPageOptions = {}): AsyncGenerator<TranscriptPage, void, undefined> {
    for (let after = page.after ?? 0; ;) {
      const p = await this.transcriptPage(chatId, { ...page, after });
      yield p;
      if (!p.hasMore) return;
      after = p.nextAfter;
    }
  }

  /**
   * The whole transcript after `after` (default: all of it): every page read
   * (transcriptPages) and joined into one, `chat` as the last page has it. It is all
   * in memory at once: for a chat of many thousands of events, use transcriptPages.
   */
  async transcript(chatId: string, after = 0): Promise<Transcript> {
    const events: ChatEventWire[] = [];
    let last: TranscriptPage | undefined;
    for await (const p of this.transcriptPages(chatId, { after, limit: TRANSCRIPT_PAGE_MAX })) {
      for (const e of p.events) events.push(e);
      last = p;
    }
    // transcriptPages yields at least one page (or throws).
    return { ...last!, events, hasMore: false };
  }

  // ---------------------------------------------------------------- supervisors

  overview(): Promise<SupervisorOverview> {
    return this.call('GET', '/supervisor/overview', undefined, { retry: true });
  }

  /**
   * One page of a search of the org's chats, running and past (also after the visitor's
   * session closed), newest first: `query` holds the filters, `limit` and the previous
   * page's `nextCursor` as `cursor`. A page can hold fewer than `limit` chats, even none,
   * and still have a `nextCursor` (the server looks at a bounded number per request).
   */
  searchChats(query: ChatSearchQuery = {}): Promise<ChatSearchPage> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
    const q = params.toString();
    return this.call('GET', `/supervisor/chats${q ? `?${q}` : ''}`, undefined, { retry: true });
  }

  /**
   * Every page of a chat search in turn, from `query.cursor` (default: the newest), until
   * the one without a `nextCursor`: each matching chat comes once (`for await`).
   */
  async *searchChatPages(query: ChatSearchQuery = {}): AsyncGenerator<ChatSearchPage, void, undefined> {
    for (let cursor = query.cursor; ;) {
      const page = await this.searchChats({ ...query, ...(cursor === undefined ? {} : { cursor }) });
      yield page;
      if (page.nextCursor === null) return;
      cursor = page.nextCursor;
    }
  }

  whisper(chatId: string, text: string): Promise<void> {
    return this.action(chatId, 'whisper', { text });
  }

  takeover(chatId: string): Promise<void> {
    return this.action(chatId, 'takeover');
  }

  reassign(chatId: string, agentId: string): Promise<void> {
    return this.action(chatId, 'reassign', { agentId });
  }

  // ---------------------------------------------------------------- stream

  /**
   * Opens the realtime stream (resolves once open); it then reconnects and resumes by itself until
   * disconnect(). Rejects when the stream could not be opened within `retry.giveUpAfterMs` (30 s).
   */
  connect(): Promise<void> {
    const WS = (this.opts.WebSocket ?? (globalThis as { WebSocket?: unknown }).WebSocket) as WebSocketConstructor | undefined;
    if (!WS) return Promise.reject(new Error('no WebSocket implementation: pass `WebSocket` (in Node 20: the `ws` package)'));
    this.stream ??= new AgentStream({
      baseUrl: this.opts.baseUrl,
      WebSocket: WS,
      retry: this.opts.retry,
      heartbeatMs: this.opts.heartbeatMs,
      token: () => this.accessToken,
      ticket: () => this.streamTicket(),
      reauthenticate: () => this.refreshOutcome(),
      onEvent: (e) => this.dispatch(e),
      onResync: (r) => this.events.emit('resync', r),
      onConnection: (c) => this.events.emit('connection', c),
    });
    return this.stream.connect();
  }

  disconnect(): void {
    this.stream?.disconnect();
  }

  /**
   * A single-use ticket for the stream's URL (POST /stream-ticket). Not retried here: the
   * stream's own backoff asks again. But a request still unanswered after
   * {@link TICKET_HEDGE_MS} gets another one beside it (at most {@link TICKET_REQUESTS}),
   * and the first ticket wins: after a network change the first may sit on a pooled
   * keep-alive connection that is half-open (no answer, no close, until requestTimeoutMs),
   * and a request sent while that one is busy goes out on another. A socket used to open
   * on a new connection by itself; without this, reconnect() would wait out the timeout.
   * A ticket that loses the race expires unused.
   */
  private streamTicket(): Promise<string> {
    const ask = () => this.call<StreamTicket>('POST', '/stream-ticket').then((t) => t.ticket);
    return new Promise((resolve, reject) => {
      let asked = 0;
      let failed = 0;
      let settled = false;
      let hedge: Timer | undefined;
      const finish = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(hedge);
        return true;
      };
      const send = (): void => {
        asked += 1;
        ask().then(
          (ticket) => { if (finish()) resolve(ticket); },
          // A refusal (401, 429) or a failure of every request sent: the stream decides what next.
          (err: unknown) => { if (++failed === asked && finish()) reject(err); },
        );
        if (asked < TICKET_REQUESTS) {
          hedge = setTimeout(() => { if (!settled) send(); }, TICKET_HEDGE_MS);
          unrefTimer(hedge);
        }
      };
      send();
    });
  }

  /**
   * Replaces the stream's socket now, resuming after the last event: for a network change (a
   * browser's `online` event), after which the old socket may be half-open and the backoff may
   * have put the next attempt many seconds away. Unlike disconnect() then connect(), a stream
   * that was open stays so: it goes on reconnecting for as long as it takes, where a first
   * connect() gives up after `retry.giveUpAfterMs`. Returns false, doing nothing, when the
   * stream is not running (connect() never called, disconnect(), or given up): call connect().
   */
  reconnect(): boolean {
    return this.stream?.reconnect() ?? false;
  }

  /** The id of the last stream event received. */
  get lastEventId(): string | undefined {
    return this.stream?.lastId;
  }

  private dispatch(e: StreamEvent): void {
    switch (e.type) {
      case 'offer':
        this.events.emit('offer', e as AgentEvents['offer']);
        break;
      case 'offer.withdrawn':
        this.events.emit('offer.withdrawn', e as AgentEvents['offer.withdrawn']);
        break;
      case 'presence':
        this.events.emit('presence', e as AgentEvents['presence']);
        break;
      case 'chat.event':
      case 'monitor.event':
        this.events.emit(e.type, e as StreamEvent & { chatId: string; data: ChatEventWire });
        break;
      default:
        break;
    }
    this.events.emit('event', e);
  }

  // ---------------------------------------------------------------- tokens

  private adopt(pair: TokenPair): void {
    this.accessToken = pair.accessToken;
    this.currentRefreshToken = pair.refreshToken;
    this.currentLimits = pair.limits;
    // An open socket keeps the token it was opened with: give it the new one for its commands.
    void this.stream?.command('auth', undefined, { token: pair.accessToken });
    clearTimeout(this.refreshTimer);
    const inMs = Math.max(5_000, pair.expiresIn * 1000 - Math.min(REFRESH_MARGIN_MS, (pair.expiresIn * 1000) / 5));
    this.refreshTimer = setTimeout(() => {
      void this.refresh().then((ok) => {
        // Could not refresh now (server away): try again soon; the stream reauthenticates on its own too.
        if (!ok && this.currentRefreshToken) {
          this.refreshTimer = setTimeout(() => void this.refresh(), 10_000);
          unrefTimer(this.refreshTimer);
        }
      });
    }, inMs);
    unrefTimer(this.refreshTimer);
  }

  /** Exchanges the refresh token for a new pair; false when there is none, it was refused, or the server could not be asked. */
  private async refresh(): Promise<boolean> {
    return (await this.refreshOutcome()) === 'ok';
  }

  /** Like refresh(), telling a refusal (log in again) from a server that could not be asked now. */
  private refreshOutcome(): Promise<'ok' | 'refused' | 'unavailable'> {
    if (!this.currentRefreshToken) return Promise.resolve('refused');
    this.refreshing ??= this.call<TokenPair>('POST', '/auth/refresh', { refreshToken: this.currentRefreshToken }, { auth: false, retry: true })
      .then((pair) => {
        this.adopt(pair);
        return 'ok' as const;
      }, (err: unknown) => (err instanceof SwitchboardHttpError && (err.status === 400 || err.status === 401 || err.status === 403) ? 'refused' as const : 'unavailable' as const))
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  // ---------------------------------------------------------------- HTTP

  /** A chat action; the idempotent ones (`retry`) go over the stream socket when it is open. */
  private async action(chatId: string, verb: string, body?: unknown, retry = false): Promise<void> {
    await this.inOrder(chatId, (signal) => {
      const rest = () => this.call('POST', `/chats/${enc(chatId)}/${verb}`, body, { retry, signal });
      return retry ? this.viaStream(verb, chatId, body, rest) : rest();
    });
  }

  /**
   * Runs an idempotent chat action as a command on the stream socket. Falls back
   * to REST when the socket is not open, the reply never came (it may have been
   * applied: the action is idempotent), or the socket's token was refused (REST
   * refreshes it, and adopt() hands the new one to the socket).
   */
  private async viaStream<T>(action: string, chatId: string, body: unknown, rest: () => Promise<T>): Promise<T> {
    const reply = this.stream ? await this.stream.command(action, chatId, body) : null;
    if (!reply || (!reply.ok && reply.status === 401)) return rest();
    if (!reply.ok) throw new SwitchboardHttpError(reply.status ?? 500, reply.error ?? '', `${action} ${chatId} (stream command)`);
    return reply.result as T;
  }

  /**
   * Runs the chat actions of one chat one after the other, in call order: a send
   * that is retried after a network failure must not be overtaken by the next
   * send (or by end()), or the visitor would see the messages out of order.
   */
  private inOrder<T>(chatId: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const previous = this.chains.get(chatId) ?? Promise.resolve();
    // The closer of now: an action queued before a logout()/close() is cancelled by it even if its turn comes after.
    const signal = this.closer.signal;
    const go = (): Promise<T> => (signal.aborted ? Promise.reject(closedError(chatId)) : run(signal));
    const next = previous.then(go, go);
    const tail = next.then(() => undefined, () => undefined);
    this.chains.set(chatId, tail);
    void tail.then(() => {
      if (this.chains.get(chatId) === tail) this.chains.delete(chatId);
    });
    return next;
  }

  private async call<T>(method: string, path: string, body?: unknown, o: CallOptions = {}): Promise<T> {
    const root = o.root ?? '/agent/v1';
    const url = `${this.opts.baseUrl.replace(/\/+$/, '')}${root}${path}`;
    const started = Date.now();
    const closer = o.signal ?? this.closer.signal;
    let attempt = 0;
    let reauthenticated = false;
    for (;;) {
      if (closer.aborted) throw closedError(`${method} ${root}${path}`);
      const headers: Record<string, string> = {};
      if (o.auth !== false && this.accessToken) headers['Authorization'] = `Bearer ${this.accessToken}`;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      let status: number;
      let text: string;
      // One signal for fetch: our time limit (a TimeoutError, retried) or the closer (not retried).
      const timeout = AbortSignal.timeout(this.opts.requestTimeoutMs ?? 30_000);
      const ac = new AbortController();
      const onTimeout = (): void => ac.abort(timeout.reason);
      const onClose = (): void => ac.abort(closer.reason);
      timeout.addEventListener('abort', onTimeout);
      closer.addEventListener('abort', onClose);
      try {
        const res = await this.fetchImpl(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: ac.signal });
        status = res.status;
        text = await res.text();
      } catch (err) {
        if (closer.aborted) throw closedError(`${method} ${root}${path}`);
        if (!o.retry || !isNetworkError(err) || Date.now() - started > (this.opts.retry?.giveUpAfterMs ?? 30_000)) throw err;
        await sleep(backoffDelay(++attempt, this.opts.retry), closer);
        continue;
      } finally {
        timeout.removeEventListener('abort', onTimeout);
        closer.removeEventListener('abort', onClose);
      }
      if (status === 401 && o.auth !== false && !reauthenticated && this.currentRefreshToken) {
        reauthenticated = true;
        if (await this.refresh()) continue;
      }
      if (o.retry && status >= 502 && status <= 504 && Date.now() - started <= (this.opts.retry?.giveUpAfterMs ?? 30_000)) {
        await sleep(backoffDelay(++attempt, this.opts.retry), closer);
        continue;
      }
      if (status < 200 || status >= 300) throw new SwitchboardHttpError(status, text, `${method} ${root}${path}`);
      return (text ? JSON.parse(text) : undefined) as T;
    }
  }
}

function closedError(what: string): SwitchboardClosedError {
  return new SwitchboardClosedError(`${what}: the client was closed (logout() or close())`);
}

function enc(id: string): string {
  return encodeURIComponent(id);
}

/** A random id for idempotent sends (crypto.randomUUID where available). */
function newId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}
