/**
 * Public types of the SDK, derived from the server's TypeBox schemas
 * (src/protocol) with type-only imports: a field cannot drift between the
 * server, the SDK and the docs. Nothing here exists at run time.
 */
import type { Static } from 'typebox';
import type * as Agent from '../../../src/protocol/agent-api-types.js';
import type * as Emulator from '../../../src/protocol/emulator-types.js';
import type * as Webhooks from '../../../src/protocol/webhook-types.js';
import type * as Visitor from '../../../src/protocol/visitor-messages.js';
import type { HandlerError } from './emitter.js';

export type { HandlerError };

// ---- visitor wire messages (System/Messages) ----
export type ChatRequestSuccessMessage = Static<typeof Visitor.ChatRequestSuccess>;
export type ChatRequestFailMessage = Static<typeof Visitor.ChatRequestFail>;
export type ChatEstablishedMessage = Static<typeof Visitor.ChatEstablished>;
export type ChatMessageMessage = Static<typeof Visitor.ChatMessage>;
export type AgentTypingMessage = Static<typeof Visitor.AgentTyping>;
export type QueueUpdateMessage = Static<typeof Visitor.QueueUpdate>;
export type ChatEndedMessage = Static<typeof Visitor.ChatEnded>;
export type ChatTransferredMessage = Static<typeof Visitor.ChatTransferred>;
export type AgentJoinedConferenceMessage = Static<typeof Visitor.AgentJoinedConference>;
export type AgentLeftConferenceMessage = Static<typeof Visitor.AgentLeftConference>;
export type CustomEventMessage = Static<typeof Visitor.CustomEvent>;
export type ChasitorSessionDataMessage = Static<typeof Visitor.ChasitorSessionData>;
/** An agent asked for a file (`Requested`, with where to upload it) or withdrew the request (`Canceled`). */
export type FileTransferMessage = Visitor.FileTransfer;
export type FileTransferRequested = Static<typeof Visitor.FileTransferRequested>;
export type FileTransferCanceled = Static<typeof Visitor.FileTransferCanceled>;
/** 200 of an upload (VisitorClient.uploadFile): the file is stored and the agent told. */
export type FileUploaded = Agent.FileUploaded;
export type TranscriptEntry = Visitor.TranscriptEntry;
export type CustomDetail = Visitor.CustomDetail;
export type MessagesResponse = Visitor.MessagesResponse;
export type SessionIdResponse = Visitor.SessionIdResponse;
export type ResyncSessionResponse = Static<typeof Visitor.ResyncSessionResponse>;
export type ReconnectSessionMessage = Static<typeof Visitor.ReconnectSessionMessage>;
/** One entry of a Messages payload, as it arrives. */
export type RawVisitorMessage = MessagesResponse['messages'][number];

/** A pre-chat field, sent in ChasitorInit `prechatDetails` (missing fields get defaults). */
export type PrechatDetail = Pick<CustomDetail, 'label' | 'value'> & Partial<Pick<CustomDetail, 'transcriptFields' | 'displayToAgent'>>;

export type VisitorState = 'idle' | 'connecting' | 'waiting' | 'chatting' | 'ended' | 'failed';

/**
 * What a page needs to continue a visitor's chat after a reload or a navigation
 * (VisitorClient.snapshot() / resume()): the session, where the poll stands, and
 * the requests not answered yet with their X-LIVEAGENT-SEQUENCE numbers, so that
 * re-sending them applies each once. Plain JSON: keep it in sessionStorage.
 */
export interface VisitorSnapshot {
  v: 1;
  key: string;
  id: string;
  affinity: string;
  pollTimeoutMs: number;
  state: 'waiting' | 'chatting';
  lastSequence: number;
  lastOffset: number;
  nextSequence: number;
  agentId: string;
  pending: { noun: string; body: unknown; sequence: number | null }[];
  /** File requests not answered nor canceled yet, oldest first (absent in snapshots of older clients). */
  fileRequests?: FileTransferRequested[];
}
export type ConnectionState = 'online' | 'reconnecting' | 'offline';

/** Events of {@link VisitorClient}, by name, with their payloads. */
export interface VisitorEvents {
  /** Queue position and estimated wait (seconds, -1 unknown): from ChatRequestSuccess and QueueUpdate. */
  queue: QueueUpdateMessage;
  established: Pick<ChatEstablishedMessage, 'name' | 'userId' | 'sneakPeekEnabled' | 'chasitorIdleTimeout'>;
  /** An agent (or bot) message. Messages recovered from a ChasitorSessionData snapshot carry the last known agent id. */
  message: Pick<ChatMessageMessage, 'text' | 'name' | 'agentId'>;
  agentTyping: boolean;
  /**
   * The same AgentTyping / AgentNotTyping, with who: in a conference several agents type (ADR 0051).
   * `name` and `agentId` are empty when the server sent none (Live Agent before conferences).
   */
  agentTypingBy: { typing: boolean; name: string; agentId: string };
  transferred: Pick<ChatTransferredMessage, 'name' | 'userId'>;
  /**
   * The chat is over: ChatEnded's reason (`agent`, `chasitorIdleTimeout` when the visitor was idle too
   * long, or whatever the server sends), `client` (end()), `session` (the server no longer knows the session).
   */
  ended: { reason: string };
  /**
   * The chat could not start or continue: ChatRequestFail's reason (`Unavailable`, `NoPost`,
   * `InternalFailure`), `init` (ChasitorInit refused), `session` (403 during start()), `network`
   * (gave up retrying), `recovery` (503 recovery failed), `internal` (a bug in the client loop).
   */
  failed: { reason: string };
  agentDisconnected: Record<string, never>;
  /** Another agent joined the chat (a conference, later API versions): its display name. */
  agentJoined: AgentJoinedConferenceMessage;
  /** An agent of the conference left the chat; the chat's own agent stays. */
  agentLeft: AgentLeftConferenceMessage;
  customEvent: CustomEventMessage;
  /**
   * The button's chasitor idle timeout (ChasitorIdleTimeoutWarningEvent): `triggered` when the visitor
   * left the agent's last message unanswered for `warningTime` seconds (send a message, or the chat
   * ends with `ended` reason `chasitorIdleTimeout`), `cleared` once the visitor answered.
   */
  idleWarning: { type: 'triggered' | 'cleared' };
  /**
   * The agent asked for a file (`Requested`: answer with uploadFile(fileToken, …)) or withdrew
   * the request (`Canceled`: by hand, or because the chat ended or left that agent).
   */
  fileTransfer: FileTransferMessage;
  connection: ConnectionState;
  /** Every message received, before it is interpreted (including types the SDK does not know). */
  raw: RawVisitorMessage;
  /** A handler of another event threw or returned a rejected promise (without a listener here, it is rethrown). */
  error: HandlerError;
}

// ---- agent API ----
export type PublicUser = Agent.PublicUser;
export type TokenPair = Agent.TokenPair;
/** The server's limits on what an agent sends (`maxMessageLength`), with every login and /me. */
export type AgentLimits = Agent.AgentLimits;
/** GET /me: the user and the server's limits. */
export type Me = Agent.Me;
export type StreamTicket = Agent.StreamTicket;
export type Presence = Static<typeof Agent.Presence>;
export type PresenceState = Static<typeof Agent.PresenceState>;
/** Why the server set the agent away (an offer it let pass, ADR 0054): on that one `presence` event. */
export type PresenceReason = Static<typeof Agent.PresenceReason>;
export type TransferTarget = Agent.TransferRequest;
/** Agents, skills and buttons a chat could be transferred to now (GET /agent/v1/transfer-targets). */
export type TransferTargets = Agent.TransferTargets;
/**
 * A quick text (canned reply; ADR 0047, ADR 0059): `id`, `title`, `text`, `skills`, and `source`: `config`
 * (the config file's, read-only), `org` (stored by an admin for the org) or `personal` (the caller's own).
 */
export type QuickText = Agent.QuickText;
export type QuickTextSource = Agent.QuickTextSource;
/** POST /agent/v1/admin/quick-texts: `title` (1–80), `text` (not blank, at most settings.maxMessageLength), `skills?`. */
export type CreateOrgQuickTextInput = Agent.CreateOrgQuickTextRequest;
/** PATCH /agent/v1/admin/quick-texts/:quickTextId: the fields given change (at least one). */
export type UpdateOrgQuickTextInput = Agent.UpdateOrgQuickTextRequest;
/** POST /agent/v1/me/quick-texts: `title`, `text` (no skills: only their owner sees them). */
export type CreateOwnQuickTextInput = Agent.CreateOwnQuickTextRequest;
/** PATCH /agent/v1/me/quick-texts/:quickTextId. */
export type UpdateOwnQuickTextInput = Agent.UpdateOwnQuickTextRequest;
export type SentMessage = Static<typeof Agent.SentMessage>;
export type ChatEventWire = Agent.ChatEventWire;
export type ChatSummary = Agent.ChatSummary;
/** A chat's raised flag: its holder asks a supervisor for help (ADR 0056). */
export type ChatFlag = Agent.ChatFlag;
/** The answer to raising or lowering a flag: the flag now, null when down. */
export type FlagState = Agent.FlagState;
/** The `flag` stream event's data: raised or lowered, by whom (null: the server), why. */
export type FlagEvent = Agent.FlagEvent;
/** Why a flag went up or down: `raised`, `lowered`, or the server's `chatEnded`, `transferred`, `takenOver`, `reassigned`, `agentLeft`. */
export type FlagReason = Agent.FlagReason;
export type ChatDetails = Static<typeof Agent.ChatDetails>;
/** One page of a transcript (GET /agent/v1/chats/:chatId/transcript). */
export type TranscriptPage = Agent.TranscriptPage;
/** A whole transcript: every page's events in one, as AgentClient.transcript() reads them. */
export type Transcript = TranscriptPage;
/** Which page of a transcript: the events after log offset `after` (default 0), at most `limit` (default 500, at most 1000). */
export type TranscriptPageOptions = Pick<Agent.TranscriptQuery, 'after' | 'limit'>;
export type StreamEvent = Agent.StreamEventWire;

// ---- file transfer (docs/agent-api.md, "File transfer") ----
/** POST /chats/:chatId/file-requests: the token the visitor uploads with, the URL it uploads to. */
export type FileRequest = Agent.FileRequestCreated;
/** A file a visitor uploaded into a chat (GET /chats/:chatId/files). */
export type ChatFile = Agent.ChatFile;
/** `data` of a `ChasitorFileUploaded` log event (agent side only). */
export type ChasitorFileUploadedData = Agent.ChasitorFileUploaded;
/** A chat event that is a `FileTransfer` (Requested or Canceled), as isFileTransferEvent() tells. */
export type FileTransferEvent = Omit<ChatEventWire, 'type' | 'data'> & { type: 'FileTransfer'; data: FileTransferMessage };
/** A chat event that is an `AgentJoinedConference` or `AgentLeftConference`, as isConferenceEvent() tells. */
export type ConferenceEvent = Omit<ChatEventWire, 'type' | 'data'> & {
  type: 'AgentJoinedConference' | 'AgentLeftConference';
  /** `reason` on a leave: `left` (by itself), `chatMoved` (the chat left its holder), `disconnected` (went offline or dropped). */
  data: { name: string; agentId: string; reason?: 'left' | 'chatMoved' | 'disconnected' };
};
/** A chat event that is a `ChasitorFileUploaded`, as isFileUploadedEvent() tells. */
export type FileUploadedEvent = Omit<ChatEventWire, 'type' | 'data'> & { type: 'ChasitorFileUploaded'; data: ChasitorFileUploadedData };
/** A downloaded file (AgentClient.downloadFile). */
export interface DownloadedFile {
  /** The exact bytes the visitor uploaded. */
  bytes: Uint8Array;
  /** The file's name, from `Content-Disposition`. */
  name: string;
  /**
   * The type the server served it as: the declared type for png, jpeg, gif and webp images, else
   * `application/octet-stream` (the type the visitor declared is in listFiles()).
   */
  contentType: string;
}
/**
 * A chat search (GET /agent/v1/supervisor/chats, supervisors and admins): the filters (every one
 * given must hold; times in epoch ms, `…From` included, `…To` not), `limit` (default 50, at most
 * 200) and `cursor` (a page's `nextCursor`).
 */
export type ChatSearchQuery = Agent.ChatSearchQuery;
/** One chat a search found: its summary, `createdAt` and `requestedButtonId`. */
export type ChatSearchResult = Agent.ChatSearchResult;
/** A page of a chat search, newest first; it can be short, even empty, with a `nextCursor`: page on until that is null. */
export type ChatSearchPage = Agent.ChatSearchPage;

/** Which page of my past chats (GET /agent/v1/chats/history): `limit` (default 50, at most 200) and `cursor` (a page's `nextCursor`). No agent: it is always the caller's. */
export type ChatHistoryQuery = Agent.ChatHistoryQuery;
/** A page of my past chats, newest first: the ended chats I held; it can be short, even empty, with a `nextCursor`: page on until that is null. */
export type ChatHistoryPage = Agent.ChatHistoryPage;

/** An offer as the stream carries it (`data` of an `offer` event). */
export interface OfferData {
  chatId: string;
  buttonId: string | null;
  queue: string | null;
  /** What a person calls the queue: the button's label (its id when it has none), or `skill <name>`. */
  queueName: string | null;
  visitorName?: string;
  transfer: boolean;
  prechatDetails?: CustomDetail[];
  /** Epoch ms after which the offer goes to someone else. */
  expiresAt: number;
  /**
   * Set when the offer is an invitation into another agent's chat (a conference): accepting joins
   * the chat beside its holder `from` (named `fromName`) instead of taking it over.
   */
  conference?: { from: string; fromName: string };
}

/** The stream could not replay what was missed: rebuild the view from `snapshot`. */
export interface ResyncData {
  reason: string;
  snapshot: {
    presence: Presence;
    capacity: number;
    load: number;
    /** `participants`: the other agents of a conference on the chat, when it has one (ADR 0051). */
    /** `flag`: the chat's raised flag, when it has one (ADR 0056). */
    chats: Array<{ chatId: string; state: string; agentId: string | null; buttonId: string | null; visitorName: string; lastOffset: number; participants?: string[]; flag?: Agent.ChatFlag }>;
  };
}

/** Events of {@link AgentClient}, by name, with their payloads. */
export interface AgentEvents {
  offer: StreamEvent & { data: OfferData };
  'offer.withdrawn': StreamEvent & { data: { chatId: string; reason: string } };
  /**
   * Presence or capacity changed, also by the server (a drop after the grace period, another tab), or
   * an admin changed the user (`name`: the agent's name now, e.g. after a rename; `role`: the user's
   * role now, e.g. after a demotion; absent from servers before it was added). `reason` (`offer-timeout`,
   * `offer-declined`): the server set the agent away for an offer it let pass (auto away, ADR 0054); only
   * on that event.
   */
  presence: StreamEvent & { data: Agent.PresenceEvent };
  /** A chat's flag went up or down (ADR 0056): to its holder and the org's supervisors only. */
  flag: StreamEvent & { chatId: string; data: Agent.FlagEvent };
  /** Supervisors and admins: a visitor left an offline message (ADR 0063). */
  'offlineMessage.created': StreamEvent & { data: Agent.OfflineMessageCreatedEvent };
  /** An event of a chat routed to this agent (visitor messages, typing, sneak peek, end, ...). */
  'chat.event': StreamEvent & { chatId: string; data: ChatEventWire };
  /** Supervisors: an event of another agent's chat in the org. */
  'monitor.event': StreamEvent & { chatId: string; data: ChatEventWire };
  resync: ResyncData;
  connection: ConnectionState;
  /** Every stream event that carries an id, whatever its type. */
  event: StreamEvent;
  /** A handler of another event threw or returned a rejected promise (without a listener here, it is rethrown). */
  error: HandlerError;
}

/** The supervisor overview (GET /agent/v1/supervisor/overview), with the transfers in progress. */
export type SupervisorOverview = Agent.SupervisorOverview;
/** A transfer in progress as the supervisor overview lists it. */
export type TransferInProgress = Agent.TransferInProgress;
/** An API key as admins list it (GET /agent/v1/admin/api-keys): never its secret. */
export type ApiKey = Agent.ApiKey;

// ---- admin (/agent/v1/admin, role admin) ----
/** A user's role: `agent`, `supervisor` or `admin`. */
export type Role = Static<typeof Agent.Role>;
/**
 * Where a user is defined (`PublicUser.source`): `config`, an entry of the server's config file,
 * which wins at the next start once that entry changes; `api`, made through `createUser`.
 */
export type UserSource = Agent.UserSource;
type CreateUserBody = Static<typeof Agent.CreateUserRequest>;
/**
 * POST /agent/v1/admin/users: `name` and `role`; `username` and `password` (at least 8 characters)
 * to log in; `skills` (default none) and `capacity` (default 3, 0 unlimited), which the server fills in;
 * `id` to choose one (else the server makes one).
 */
export type CreateUserInput = Omit<CreateUserBody, 'skills' | 'capacity'> & Partial<Pick<CreateUserBody, 'skills' | 'capacity'>>;
/**
 * PATCH /agent/v1/admin/users/:userId: any of name, password, role, skills, capacity, disabled.
 * A new password or `disabled: true` signs the user out (its tokens are revoked); disabling also
 * revokes its API keys for good.
 */
export type UpdateUserInput = Agent.UpdateUserRequest;
/** POST /agent/v1/admin/api-keys: whose key, its name, and the role it acts with (never above its user's). */
export type CreateApiKeyInput = Static<typeof Agent.CreateApiKeyRequest>;
/** A new API key: `key` (`sbk_…`) is in this answer only, never again. */
export type ApiKeyCreated = Static<typeof Agent.ApiKeyCreated>;
/**
 * A visitor block (ADR 0055): `ipRange` (one address or a CIDR range, canonical), `reason`, who made it
 * (`createdBy`, a user id or `config`), when (`createdAt`, null for a config block), `expiresAt` (null: never),
 * the chat it came from (`chatId`), and `source`: `stored`, or `config` (the config file's, read-only).
 */
export type VisitorBlock = Agent.VisitorBlock;
/** POST /agent/v1/admin/blocks: `ipRange` (IPv4 or IPv6 address or CIDR range), `reason`, `expiresAt` (epoch ms, in the future). */
export type CreateVisitorBlockInput = Agent.CreateVisitorBlockRequest;
/**
 * GET /agent/v1/admin/webhooks: one webhook of my org and where it stands (ADR 0065): the top-level
 * fields are its `chat.ended` events', `offlineMessages` its `offline_message.created` events' (ADR 0068).
 */
export type WebhookStatus = Webhooks.WebhookStatus;
/** Where one event of a webhook stands (`WebhookStatus.offlineMessages`). */
export type WebhookStreamStatus = Webhooks.WebhookStreamStatus;
/** What a webhook can be told of. */
export type WebhookEvent = NonNullable<Webhooks.WebhookReplayRequest['event']>;
/** The body a `chat.ended` webhook receives (a receiver can type what it parses with it). */
export type ChatEndedWebhook = Webhooks.ChatEndedWebhook;
/** The body an `offline_message.created` webhook receives (ADR 0068). */
export type OfflineMessageCreatedWebhook = Webhooks.OfflineMessageCreatedWebhook;
/** GET /agent/v1/admin/sensitive-data-rules: one rule of my org (ADR 0052): `name`, `pattern`, `flags`, `appliesTo`. */
export type SensitiveDataRule = Agent.SensitiveDataRule;
/** DELETE /agent/v1/admin/visitors/:visitorId: what the erasure deleted, and the chats still running it left alone. */
export type VisitorErasure = Static<typeof Agent.VisitorErasure>;
/**
 * A message a visitor left while no one could chat (ADR 0063): who (`name`, `email`), `subject` ('' when none),
 * `message` (the org's sensitive data rules applied), the button, `createdAt`, and `status` (`new` or `handled`,
 * with `handledBy` and `handledAt` once handled).
 */
export type OfflineMessage = Agent.OfflineMessage;
export type OfflineMessageStatus = Agent.OfflineMessageStatus;
/** One page of offline messages, newest first; `next` is the `before` of the next (older) page, null when none. */
export type OfflineMessagePage = Agent.OfflineMessagePage;
/** GET /agent/v1/offline-messages: `status`, `limit` (1–200, default 50), `before` (a page's `next`). */
export type OfflineMessageQuery = Agent.OfflineMessageListQuery;
/** The data of an `offlineMessage.created` stream event (supervisors and admins of the org). */
export type OfflineMessageCreatedEvent = Agent.OfflineMessageCreatedEvent;

// ---- emulator mode (/emulator/v1) ----
export type ArmFaultRequest = Emulator.ArmFaultRequest;
export type ClockReading = Emulator.ClockReading;
export type Fault = Emulator.Fault;
export type FaultKind = Emulator.FaultKind;
export type FaultsCleared = Emulator.FaultsCleared;
export type ResetOutcome = Emulator.ResetOutcome;
