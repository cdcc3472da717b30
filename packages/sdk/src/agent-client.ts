/**
 * Client of Switchboard's agent API (/agent/v1): login and token refresh,
 * presence, offers, chat actions, supervisor actions, and the realtime stream.
 * Message sends carry a `clientMessageId`, so a send retried after a network
 * failure is applied once. The pieces: agent-rest-call.ts (one call, its
 * retries), agent-tokens.ts (tokens and their refresh), chat-action-queue.ts
 * (a chat's actions in call order), hedged-stream-ticket.ts, agent-stream.ts.
 */
import type { AgentClientOptions } from './agent-options.js';
import { AgentRestCall, type CallOptions } from './agent-rest-call.js';
import { AgentStream, type WebSocketConstructor } from './agent-stream.js';
import { AgentTokens } from './agent-tokens.js';
import { ChatActionQueue } from './chat-action-queue.js';
import { Emitter, type Handler } from './emitter.js';
import { EmulatorApi } from './emulator-api.js';
import { SwitchboardHttpError } from './errors.js';
import { hedgedStreamTicket } from './hedged-stream-ticket.js';
import type {
  AgentEvents, ChatDetails, ChatFlag, FlagState, ChatEventWire, ChatHistoryPage, ChatHistoryQuery, ChatSearchPage, ChatSearchQuery, ChatSummary, Presence, PresenceState, PublicUser, SentMessage, StreamEvent, SupervisorOverview,
  TokenPair, Transcript, TranscriptPage, TranscriptPageOptions, TransferTarget, TransferTargets, QuickText, CreateOrgQuickTextInput, UpdateOrgQuickTextInput, CreateOwnQuickTextInput, UpdateOwnQuickTextInput, AgentLimits, Me, StreamTicket,
  ApiKey, ApiKeyCreated, CreateApiKeyInput, CreateUserInput, CreateVisitorBlockInput, UpdateUserInput, VisitorBlock, VisitorErasure, SensitiveDataRule, WebhookEvent, WebhookStatus, OfflineMessage, OfflineMessagePage, OfflineMessageQuery, OfflineMessageStatus, ChatFile, DownloadedFile, FileRequest,
} from './types.js';
import { attachmentName } from './content-disposition.js';

export type { AgentClientOptions } from './agent-options.js';

/**
 * The most events a transcript page may hold (the server's TRANSCRIPT_PAGE_MAX,
 * docs/agent-api.md): transcript() reads in pages this large, the fewest requests.
 */
const TRANSCRIPT_PAGE_MAX = 1000;

export class AgentClient {
  private readonly events = new Emitter<AgentEvents>();
  private readonly tokens: AgentTokens;
  private readonly rest: AgentRestCall;
  private readonly actions: ChatActionQueue;
  private currentLimits: AgentLimits | undefined;
  private stream: AgentStream | undefined;
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
    const fetchImpl = opts.fetch ?? ((input, init) => fetch(input, init));
    this.tokens = new AgentTokens(
      (refreshToken) => this.call<TokenPair>('POST', '/auth/refresh', { refreshToken }, { auth: false, retry: true }),
      (pair) => {
        this.currentLimits = pair.limits;
        // An open socket keeps the token it was opened with: give it the new one for its commands.
        void this.stream?.command('auth', undefined, { token: pair.accessToken });
      },
    );
    this.rest = new AgentRestCall(opts, fetchImpl, this.tokens, () => this.closer.signal);
    this.actions = new ChatActionQueue(() => this.closer.signal);
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
    this.tokens.adopt(pair);
    return pair.user;
  }

  /**
   * Logs in again with the refresh token of an earlier login (refreshToken(), kept
   * by a page that reloads): a new token pair, refreshed from then on like after
   * login(). Rejects with SwitchboardHttpError 401 when the token expired or was revoked.
   */
  async resumeSession(refreshToken: string): Promise<PublicUser> {
    const pair = await this.call<TokenPair>('POST', '/auth/refresh', { refreshToken }, { auth: false, retry: true });
    this.tokens.adopt(pair);
    return pair.user;
  }

  /** The current refresh token (after login() or resumeSession(); none with useToken()), for resumeSession() in a later page. */
  refreshToken(): string | undefined {
    return this.tokens.refreshToken;
  }

  /** Uses an access token obtained elsewhere (an API key, a token from your backend). It is not refreshed. */
  useToken(accessToken: string): void {
    this.tokens.useToken(accessToken);
  }

  /**
   * Revokes every token of this user and closes the stream. Calls still in flight or
   * retrying reject at once with SwitchboardClosedError, as with close().
   */
  async logout(): Promise<void> {
    // First: a pending call must not outlive the logout, even when the logout request itself hangs.
    this.abortCalls();
    try {
      if (this.tokens.accessToken) await this.call('POST', '/auth/logout');
    } finally {
      this.tokens.forget();
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
    this.tokens.stopRefreshing();
    this.disconnect();
  }

  private abortCalls(): void {
    this.closer.abort();
    this.closer = new AbortController();
  }

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

  /**
   * Invites another agent of my org into my chat, a conference (docs/agent-api.md, "Conferences"):
   * it gets an `offer` with `conference` set and accepts or declines it as any offer. How it
   * went comes on my stream: `AgentJoinedConference`, or `ConferenceInviteFailed {agentId, reason}`.
   * Only the chat's holder may invite (403 HOLDER_ONLY for a participant).
   */
  inviteToConference(chatId: string, agentId: string): Promise<void> {
    return this.action(chatId, 'conference', { agentId });
  }

  /** Leaves a chat's conference I joined: the visitor gets `AgentLeftConference {name}`, my load frees. */
  leaveConference(chatId: string): Promise<void> {
    return this.action(chatId, 'leave-conference');
  }

  /**
   * Raises my chat's flag for a supervisor's help, with a short message (at most 255 characters;
   * docs/agent-api.md, "Flags"). Raising it again replaces the message. The visitor never hears of
   * it; I and my org's supervisors get a `flag` event. Only the chat's holder may (403 HOLDER_ONLY
   * for a conference participant). Resolves with the flag as it is now.
   */
  raiseFlag(chatId: string, message?: string): Promise<ChatFlag> {
    const body = message === undefined ? {} : { message };
    // Safe to repeat: the same message again changes nothing.
    return this.inOrder(chatId, (signal) => this.call<FlagState>('POST', `/chats/${enc(chatId)}/flag`, body, { retry: true, signal })).then((s) => s.flag!);
  }

  /** Lowers a chat's flag: its holder, or a supervisor of the org. A flag already down is no error. */
  async lowerFlag(chatId: string): Promise<void> {
    await this.inOrder(chatId, (signal) => this.call<FlagState>('DELETE', `/chats/${enc(chatId)}/flag`, undefined, { retry: true, signal }));
  }

  /** The other agents of my org, and its skills and buttons, with who could take a transfer now. */
  transferTargets(): Promise<TransferTargets> {
    return this.call('GET', '/transfer-targets', undefined, { retry: true });
  }

  /**
   * The quick texts (canned replies) I may use: the config file's and my org's stored ones for
   * everyone or for one of my skills, then my own (`source` says which; ADR 0047, ADR 0059). Plain
   * text; `{{visitor.name}}` and `{{agent.name}}` are left in for the client to fill in.
   */
  quickTexts(): Promise<QuickText[]> {
    return this.call('GET', '/quick-texts', undefined, { retry: true });
  }

  /** My own quick texts (`source: personal`, seen by nobody else), oldest first. */
  myQuickTexts(): Promise<QuickText[]> {
    return this.call('GET', '/me/quick-texts', undefined, { retry: true });
  }

  /**
   * Adds a quick text of my own: 400 BODY_INVALID for a blank title or text or one longer than
   * settings.maxMessageLength, 409 QUICK_TEXT_LIMIT past 200. Not retried: a retry would add it twice.
   */
  createMyQuickText(input: CreateOwnQuickTextInput): Promise<QuickText> {
    return this.call('POST', '/me/quick-texts', input);
  }

  /** Changes a quick text of my own (the fields given); 404 when it is not mine. */
  updateMyQuickText(quickTextId: string, patch: UpdateOwnQuickTextInput): Promise<QuickText> {
    return this.call('PATCH', `/me/quick-texts/${enc(quickTextId)}`, patch, { retry: true });
  }

  /** Deletes a quick text of my own (404 when gone). Not retried: a retry after a lost answer would be told 404. */
  async deleteMyQuickText(quickTextId: string): Promise<void> {
    await this.call('DELETE', `/me/quick-texts/${enc(quickTextId)}`);
  }

  end(chatId: string): Promise<void> {
    return this.action(chatId, 'end');
  }

  /**
   * Blocks the chat visitor's address for my org and ends the chat (ADR 0055): the chat's holder,
   * or a supervisor of the org. The visitor hears an agent's end (ChatEnded, reason `agent`) and,
   * from then on, that nobody is available. Rejects with 409 for a visitor on a loopback address.
   * Not retried: a retry after a lost answer would find the chat ended (409).
   */
  blockVisitor(chatId: string, reason?: string): Promise<VisitorBlock> {
    return this.call('POST', `/chats/${enc(chatId)}/block`, reason === undefined ? {} : { reason });
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
    return this.call('GET', `/chats/history${queryString(query)}`, undefined, { retry: true });
  }

  /** Every page of my past chats in turn, from `query.cursor` (default: the newest), until the one without a `nextCursor` (`for await`). */
  chatHistoryPages(query: ChatHistoryQuery = {}): AsyncGenerator<ChatHistoryPage, void, undefined> {
    return pagesFrom(query, (q) => this.chatHistory(q));
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

  // ---------------------------------------------------------------- file transfer

  /**
   * Asks the visitor of my established chat for a file (docs/agent-api.md, "File transfer"): the
   * visitor gets `FileTransfer Requested` with the answer's `fileToken` and `uploadServletUrl`.
   * One pending request per chat: another one rejects with 409 `FILE_REQUEST_PENDING` (the
   * body's detail is the pending token), and 409 `FILE_TRANSFER_DISABLED` when the server has
   * file transfer off. Not retried after a network failure (a second request would be refused
   * as pending): the chat's `FileTransfer` event on the stream, or in its transcript, tells
   * whether it happened. Runs in order with the chat's other actions.
   */
  requestFile(chatId: string): Promise<FileRequest> {
    return this.inOrder(chatId, (signal) => this.call<FileRequest>('POST', `/chats/${enc(chatId)}/file-requests`, {}, { signal }));
  }

  /**
   * Withdraws a pending file request: the visitor gets `FileTransfer Canceled` and an upload
   * with the token is refused from then on. 409 `FILE_ALREADY_UPLOADED` when the visitor was
   * quicker (the file is in listFiles()), 404 for a token that is not the chat's pending request
   * (unknown, or canceled already). Not retried after a network failure, as a canceled token
   * then answers 404.
   */
  async cancelFileRequest(chatId: string, fileToken: string): Promise<void> {
    await this.inOrder(chatId, (signal) => this.call('DELETE', `/chats/${enc(chatId)}/file-requests/${enc(fileToken)}`, undefined, { signal }));
  }

  /** The files the visitor uploaded into a chat, oldest first (whoever may read its transcript: also supervisors, also after it ended). */
  listFiles(chatId: string): Promise<ChatFile[]> {
    return this.call('GET', `/chats/${enc(chatId)}/files`, undefined, { retry: true });
  }

  /**
   * A file's exact bytes, with its name (from `Content-Disposition`) and the type the server
   * serves it as (the declared type only for png, jpeg, gif and webp images, else
   * `application/octet-stream`). In a browser, `new Blob([file.bytes], {type: file.contentType})`
   * and an `<a download={file.name}>` save it without ever rendering it in a page of yours.
   */
  async downloadFile(chatId: string, fileId: string): Promise<DownloadedFile> {
    const { bytes, headers } = await this.rest.bytes('GET', `/chats/${enc(chatId)}/files/${enc(fileId)}`, { retry: true });
    return { bytes, name: attachmentName(headers.get('Content-Disposition')) ?? fileId, contentType: headers.get('Content-Type') ?? 'application/octet-stream' };
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
    return this.call('GET', `/supervisor/chats${queryString(query)}`, undefined, { retry: true });
  }

  /**
   * Every page of a chat search in turn, from `query.cursor` (default: the newest), until
   * the one without a `nextCursor`: each matching chat comes once (`for await`).
   */
  searchChatPages(query: ChatSearchQuery = {}): AsyncGenerator<ChatSearchPage, void, undefined> {
    return pagesFrom(query, (q) => this.searchChats(q));
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

  // ---------------------------------------------------------------- admins

  /** The users of my org (GET /admin/users). Admins only: anyone else gets SwitchboardHttpError 403. */
  users(): Promise<PublicUser[]> {
    return this.call('GET', '/admin/users', undefined, { retry: true });
  }

  /**
   * Adds a user to my org. Not retried (a retry after a lost answer would be refused as a
   * duplicate): a username taken anywhere on the server rejects with 409 (`code` CONFLICT),
   * a password under 8 characters with 400 (BODY_INVALID).
   */
  createUser(input: CreateUserInput): Promise<PublicUser> {
    return this.call('POST', '/admin/users', input);
  }

  /**
   * Changes a user of my org: any of name, password, role, skills, capacity, disabled. A new
   * password or `disabled: true` signs the user out; disabling also revokes its API keys for
   * good. Demoting or disabling the org's only enabled admin rejects with 409 (`code` LAST_ADMIN).
   * A config-file user keeps the change until its entry in the file changes (docs/configuration.md).
   */
  updateUser(userId: string, patch: UpdateUserInput): Promise<PublicUser> {
    return this.call('PATCH', `/admin/users/${enc(userId)}`, patch, { retry: true });
  }

  /** The API keys of my org, revoked ones included, never their secrets. */
  apiKeys(): Promise<ApiKey[]> {
    return this.call('GET', '/admin/api-keys', undefined, { retry: true });
  }

  /**
   * Makes an API key for a user of my org: `key` is in this answer only. Use it as a bearer
   * token (another client's useToken()). Not retried: a retry would make a second key.
   */
  createApiKey(input: CreateApiKeyInput): Promise<ApiKeyCreated> {
    return this.call('POST', '/admin/api-keys', input);
  }

  /** Revokes an API key: it answers 401 from then on (retried: revoking a revoked key answers 200 too). */
  async revokeApiKey(keyId: string): Promise<void> {
    await this.call('DELETE', `/admin/api-keys/${enc(keyId)}`, undefined, { retry: true });
  }

  /** The blocks of my org that apply now (expired ones left out): the config file's first, then stored ones, oldest first. */
  blocks(): Promise<VisitorBlock[]> {
    return this.call('GET', '/admin/blocks', undefined, { retry: true });
  }

  /**
   * Blocks an address or CIDR range (IPv4 or IPv6) for my org. A range that is not one rejects
   * with 400 (`code` IP_RANGE_INVALID, the text says why). Not retried: a retry would make a second block.
   */
  createBlock(input: CreateVisitorBlockInput): Promise<VisitorBlock> {
    return this.call('POST', '/admin/blocks', input);
  }

  /**
   * Unblocks: deletes a stored block (404 when gone; 409 BLOCK_IN_CONFIG for one of the config file).
   * Not retried: after a lost answer a retry would be told 404 for the block it deleted.
   */
  async deleteBlock(blockId: string): Promise<void> {
    await this.call('DELETE', `/admin/blocks/${enc(blockId)}`);
  }

  /** Admin: my org's sensitive data rules (config `orgs[].sensitiveDataRules`, ADR 0052, read-only), in the order they apply. */
  sensitiveDataRules(): Promise<SensitiveDataRule[]> {
    return this.call('GET', '/admin/sensitive-data-rules', undefined, { retry: true });
  }

  /**
   * Keeps my presence alive without a stream connection (a bot that only uses REST): without a stream
   * or a heartbeat for `settings.agentGraceSeconds` an agent is taken offline.
   */
  async heartbeat(): Promise<void> {
    await this.call('POST', '/heartbeat', undefined, { retry: true });
  }

  /** Admin: my org's webhooks (config `orgs[].webhooks`, ADR 0065): last delivery, and a failing streak while one lasts. */
  webhooks(): Promise<WebhookStatus[]> {
    return this.call('GET', '/admin/webhooks', undefined, { retry: true });
  }

  /**
   * Admin: pass over a webhook's next chat, the one its receiver keeps refusing (`failingChatId`): it is
   * not sent, the chats after it follow. 409 when `chatId` is not the next chat. Not retried: after a
   * lost answer a retry would be told 409 for the chat it skipped.
   */
  skipWebhookChat(name: string, chatId: string): Promise<WebhookStatus> {
    return this.call('POST', `/admin/webhooks/${enc(name)}/skip`, { chatId });
  }

  /**
   * Admin: the same for a webhook's next offline message (`offlineMessages.failingId`, ADR 0068). 409
   * when it is not the next one, or the webhook is not told of `offline_message.created`. Not retried.
   */
  skipWebhookOfflineMessage(name: string, offlineMessageId: string): Promise<WebhookStatus> {
    return this.call('POST', `/admin/webhooks/${enc(name)}/skip`, { offlineMessageId });
  }

  /**
   * Admin: send again every stored chat of my org that ended at or after `since` (epoch ms), and every
   * offline message left since (ADR 0068), oldest first per event, then go on with new ones; `event`
   * moves only that event's. 409 when `since` is after where the webhook stands (nothing moved), or for
   * an event the webhook is not told of. Not retried: a repeat would send them a third time.
   */
  replayWebhook(name: string, since: number, event?: WebhookEvent): Promise<WebhookStatus> {
    return this.call('POST', `/admin/webhooks/${enc(name)}/replay`, event === undefined ? { since } : { since, event });
  }

  /** Admin: my org's quick texts, the config file's (`source: config`, read-only) then stored ones (`source: org`), whatever their skills. */
  orgQuickTexts(): Promise<QuickText[]> {
    return this.call('GET', '/admin/quick-texts', undefined, { retry: true });
  }

  /** Admin: adds a quick text for my org (400 BODY_INVALID, 409 QUICK_TEXT_LIMIT past 500). Not retried. */
  createOrgQuickText(input: CreateOrgQuickTextInput): Promise<QuickText> {
    return this.call('POST', '/admin/quick-texts', input);
  }

  /** Admin: changes a stored quick text of my org (the fields given); 409 QUICK_TEXT_IN_CONFIG for one of the config file. */
  updateOrgQuickText(quickTextId: string, patch: UpdateOrgQuickTextInput): Promise<QuickText> {
    return this.call('PATCH', `/admin/quick-texts/${enc(quickTextId)}`, patch, { retry: true });
  }

  /** Admin: deletes a stored quick text of my org (404 when gone; 409 QUICK_TEXT_IN_CONFIG for one of the config file). Not retried. */
  async deleteOrgQuickText(quickTextId: string): Promise<void> {
    await this.call('DELETE', `/admin/quick-texts/${enc(quickTextId)}`);
  }

  /**
   * Erases a visitor's ended chats in my org, transcripts included (docs/agent-api.md "Admin"):
   * chats still running are left and counted in `activeChats`. With `email`, the offline
   * messages left with that address go too (`deletedOfflineMessages`).
   */
  eraseVisitor(visitorId: string, email?: string): Promise<VisitorErasure> {
    return this.call('DELETE', `/admin/visitors/${enc(visitorId)}${queryString({ email })}`, undefined, { retry: true });
  }

  // ---------------------------------------------------------------- offline messages (supervisor, admin)

  /** One page of the messages visitors left while no one could chat, newest first (ADR 0063); pass a page's `next` as `before`. */
  listOfflineMessages(query: OfflineMessageQuery = {}): Promise<OfflineMessagePage> {
    return this.call('GET', `/offline-messages${queryString(query)}`, undefined, { retry: true });
  }

  /** Marks a message `handled` (recording who and when) or `new` again; 404 when my org has none by that id. */
  markOfflineMessage(messageId: string, status: OfflineMessageStatus): Promise<OfflineMessage> {
    return this.call('PATCH', `/offline-messages/${enc(messageId)}`, { status }, { retry: true });
  }

  /** Deletes a message (404 when gone). Not retried. */
  async deleteOfflineMessage(messageId: string): Promise<void> {
    await this.call('DELETE', `/offline-messages/${enc(messageId)}`);
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
      token: () => this.tokens.accessToken,
      ticket: () => this.streamTicket(),
      reauthenticate: () => this.tokens.refreshOutcome(),
      onEvent: (e) => this.dispatch(e),
      onResync: (r) => this.events.emit('resync', r),
      onConnection: (c) => this.events.emit('connection', c),
    });
    return this.stream.connect();
  }

  disconnect(): void {
    this.stream?.disconnect();
  }

  /** A single-use ticket for the stream's URL, asked for with hedged requests (hedged-stream-ticket.ts). */
  private streamTicket(): Promise<string> {
    return hedgedStreamTicket(() => this.call<StreamTicket>('POST', '/stream-ticket').then((t) => t.ticket));
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
      case 'flag':
        this.events.emit('flag', e as AgentEvents['flag']);
        break;
      case 'offlineMessage.created':
        this.events.emit('offlineMessage.created', e as AgentEvents['offlineMessage.created']);
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
   * refreshes it, and the new pair is handed to the socket).
   */
  private async viaStream<T>(action: string, chatId: string, body: unknown, rest: () => Promise<T>): Promise<T> {
    const reply = this.stream ? await this.stream.command(action, chatId, body) : null;
    if (!reply || (!reply.ok && reply.status === 401)) return rest();
    if (!reply.ok) throw new SwitchboardHttpError(reply.status ?? 500, reply.error ?? '', `${action} ${chatId} (stream command)`);
    return reply.result as T;
  }

  /** Runs the chat actions of one chat one after the other, in call order (chat-action-queue.ts). */
  private inOrder<T>(chatId: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.actions.inOrder(chatId, run);
  }

  private call<T>(method: string, path: string, body?: unknown, o: CallOptions = {}): Promise<T> {
    return this.rest.call<T>(method, path, body, o);
  }
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

/** `?name=value&…` of the defined fields of a query, or '' when none is. */
function queryString(query: object): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const q = params.toString();
  return q ? `?${q}` : '';
}

/** Every page of a cursor-paged search in turn, from `query.cursor`, until the one without a `nextCursor`. */
async function* pagesFrom<Q extends { cursor?: string }, P extends { nextCursor: string | null }>(query: Q, page: (q: Q) => Promise<P>): AsyncGenerator<P, void, undefined> {
  for (let cursor = query.cursor; ;) {
    const p = await page({ ...query, ...(cursor === undefined ? {} : { cursor }) });
    yield p;
    if (p.nextCursor === null) return;
    cursor = p.nextCursor;
  }
}
