/**
 * What the console needs from the SDK's AgentClient. The views depend on this
 * interface only, so the console is tested against the SDK in one place
 * (sdk-adapter.ts) and the views never see transport details.
 */
import type { ChatFlag, FlagEvent, ChatFile, DownloadedFile, FileRequest, AgentLimits, ApiKey, ApiKeyCreated, CreateApiKeyInput, CreateUserInput, UpdateUserInput, VisitorErasure, VisitorBlock, CreateVisitorBlockInput, ChatDetails, ChatEventWire, ChatHistoryPage, ChatHistoryQuery, ChatSearchPage, ChatSearchQuery, ChatSummary, Overview, OfferData, OfferWithdrawnData, Presence, PresenceReason, PresenceState, PublicUser, ResyncSnapshot, QuickText, Role, Transcript, TransferTarget, TransferTargets, CreateOrgQuickTextInput, UpdateOrgQuickTextInput, CreateOwnQuickTextInput, UpdateOwnQuickTextInput, OfflineMessage, OfflineMessagePage, OfflineMessageQuery, OfflineMessageStatus, WebhookStatus } from './wire-types.ts';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface StreamHandlers {
  offer(data: OfferData, at: number): void;
  offerWithdrawn(data: OfferWithdrawnData): void;
  /**
   * Presence as the server has it now (changed elsewhere: another tab, a drop), and the agent's name now (an admin renamed it).
   * `reason`: the server set the agent away for an offer it let pass (ADR 0054).
   */
  presence(status: Presence, capacity: number, at: number, name: string | undefined, role: Role | undefined, reason?: PresenceReason): void;
  chatEvent(chatId: string, e: ChatEventWire): void;
  monitorEvent(chatId: string, e: ChatEventWire): void;
  /** A chat's flag went up or down (the holder's own chats, and for supervisors every chat of the org). */
  flag(data: FlagEvent): void;
  /** Supervisors and admins: a visitor left an offline message (ADR 0063). */
  offlineMessage(message: OfflineMessage): void;
  /** The stream could not replay what was missed; `reason` says why (`epoch changed`: the server restarted). */
  resync(snapshot: ResyncSnapshot | undefined, reason: string): void;
  connection(state: ConnectionState): void;
}

export interface AgentPort {
  login(username: string, password: string): Promise<PublicUser>;
  /** Logs in again with the refresh token an earlier page of this tab kept. */
  resumeSession(refreshToken: string): Promise<PublicUser>;
  /** The refresh token of this login, for the next page of this tab. */
  refreshToken(): string | undefined;
  /** The server's limits (`maxMessageLength`), as the last login or token refresh gave them. */
  limits(): AgentLimits | undefined;
  logout(): Promise<void>;
  setPresence(status: Presence, capacity?: number): Promise<PresenceState>;
  accept(chatId: string): Promise<void>;
  decline(chatId: string, reason?: string): Promise<void>;
  /** Resolves with the message's offset and its text as stored (masked by the org's sensitive data rules). */
  send(chatId: string, text: string, clientMessageId: string): Promise<{ offset: number; text: string }>;
  typing(chatId: string, typing: boolean): Promise<void>;
  transfer(chatId: string, target: TransferTarget): Promise<void>;
  /** Invites another agent into the chat (a conference, ADR 0051); only the holder may. */
  inviteToConference(chatId: string, agentId: string): Promise<void>;
  /** Leaves a conference this agent joined. */
  leaveConference(chatId: string): Promise<void>;
  /** Raises my chat's flag for a supervisor's help (ADR 0056); again: a new message. Resolves with the flag. */
  raiseFlag(chatId: string, message: string): Promise<ChatFlag>;
  /** Lowers a chat's flag (its holder, or a supervisor); one already down is no error. */
  lowerFlag(chatId: string): Promise<void>;
  /** Who could take a transfer now: the other agents of the org, its skills and buttons. */
  transferTargets(): Promise<TransferTargets>;
  /** The quick texts (canned replies) the agent may use: those of its org for everyone or its skills (ADR 0047). */
  quickTexts(): Promise<QuickText[]>;
  /** The agent's own quick texts (ADR 0059): add, change, delete. */
  createMyQuickText(input: CreateOwnQuickTextInput): Promise<QuickText>;
  updateMyQuickText(quickTextId: string, patch: UpdateOwnQuickTextInput): Promise<QuickText>;
  deleteMyQuickText(quickTextId: string): Promise<void>;
  end(chatId: string): Promise<void>;
  chats(): Promise<ChatSummary[]>;
  chat(chatId: string): Promise<ChatDetails>;
  /** The transcript after log offset `after` (default: all of it), every page read and joined. */
  transcript(chatId: string, after?: number): Promise<Transcript>;
  /** Asks the visitor of my chat for a file: 409 FILE_REQUEST_PENDING while one is open. */
  requestFile(chatId: string): Promise<FileRequest>;
  /** Withdraws the open file request: 409 FILE_ALREADY_UPLOADED when the visitor was quicker, 404 when it is closed already. */
  cancelFileRequest(chatId: string, fileToken: string): Promise<void>;
  /** The files the visitor uploaded into a chat (whoever may read its transcript). */
  listFiles(chatId: string): Promise<ChatFile[]>;
  /** A file's bytes, name and served type, fetched with this login's token. */
  downloadFile(chatId: string, fileId: string): Promise<DownloadedFile>;
  /** One page of my own past chats: the ended chats I held (GET /agent/v1/chats/history). */
  chatHistory(query: ChatHistoryQuery): Promise<ChatHistoryPage>;
  overview(): Promise<Overview>;
  /** One page of a search of the org's chats, running and past (supervisors). */
  searchChats(query: ChatSearchQuery): Promise<ChatSearchPage>;
  whisper(chatId: string, text: string): Promise<void>;
  takeover(chatId: string): Promise<void>;
  reassign(chatId: string, agentId: string): Promise<void>;
  /** Supervisors and admins: the messages visitors left while no one could chat (ADR 0063). */
  listOfflineMessages(query: OfflineMessageQuery): Promise<OfflineMessagePage>;
  markOfflineMessage(messageId: string, status: OfflineMessageStatus): Promise<OfflineMessage>;
  deleteOfflineMessage(messageId: string): Promise<void>;
  // Admins only (the Team view); anyone else gets 403.
  /** The org's users. */
  users(): Promise<PublicUser[]>;
  /** Adds a user: 409 for a username taken anywhere on the server, 400 for a password under 8 characters. */
  createUser(input: CreateUserInput): Promise<PublicUser>;
  /** Changes a user; a new password or disabling signs it out; 409 LAST_ADMIN for the org's only enabled admin. */
  updateUser(userId: string, patch: UpdateUserInput): Promise<PublicUser>;
  /** The org's API keys, revoked ones included, never their secrets. */
  apiKeys(): Promise<ApiKey[]>;
  /** A new key: its secret is in this answer only. */
  createApiKey(input: CreateApiKeyInput): Promise<ApiKeyCreated>;
  revokeApiKey(keyId: string): Promise<void>;
  /** Erases a visitor's ended chats of the org; running chats are left and counted. */
  eraseVisitor(visitorId: string): Promise<VisitorErasure>;
  /** Blocks the chat visitor's address for the org and ends the chat (ADR 0055). */
  blockVisitor(chatId: string, reason?: string): Promise<VisitorBlock>;
  /** The org's blocks that apply now: the config file's, then stored ones. */
  blocks(): Promise<VisitorBlock[]>;
  createBlock(input: CreateVisitorBlockInput): Promise<VisitorBlock>;
  deleteBlock(blockId: string): Promise<void>;
  /** Admin: the org's quick texts, the config file's (read-only) then stored ones (ADR 0059). */
  orgQuickTexts(): Promise<QuickText[]>;
  createOrgQuickText(input: CreateOrgQuickTextInput): Promise<QuickText>;
  updateOrgQuickText(quickTextId: string, patch: UpdateOrgQuickTextInput): Promise<QuickText>;
  deleteOrgQuickText(quickTextId: string): Promise<void>;
  /** Admin: the org's webhooks (the config file's `orgs[].webhooks`, read-only; ADR 0065) and where each stands. */
  webhooks(): Promise<WebhookStatus[]>;
  /** Passes over the chat a webhook's receiver keeps refusing (its `failingChatId`): 409 when it is not the next chat to send. */
  skipWebhookChat(name: string, chatId: string): Promise<WebhookStatus>;
  /** The same for an offline message (`offlineMessages.failingId`, ADR 0068). */
  skipWebhookOfflineMessage(name: string, offlineMessageId: string): Promise<WebhookStatus>;
  /** Sends again every stored chat that ended (offline message left) at or after `since` (epoch ms), every event of the webhook: 409 when that is after where one stands, 400 in the future. */
  replayWebhook(name: string, since: number): Promise<WebhookStatus>;
  /**
   * Called once when the server no longer takes this login: the stream was closed as revoked
   * (a logout in another tab, a new password) or a request was refused with 401, and the
   * refresh token was refused too. Only for a login that was working (not a wrong password).
   */
  onSignedOut(listener: () => void): void;
  /** Opens the stream; it reconnects and resumes on its own until `disconnect`. */
  connect(handlers: StreamHandlers): void;
  /**
   * Replaces the stream's socket now (the network came back: the old one may be half-open),
   * resuming after the last event; the stream goes on trying for as long as it takes, as
   * after any drop. Nothing before `connect` or after `disconnect`.
   */
  reconnect(): void;
  disconnect(): void;
}
