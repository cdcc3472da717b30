/**
 * Wire types of the agent API (/agent/v1), one TypeBox schema each. Fastify
 * validates requests with them, the OpenAPI document is generated from them, and
 * the SDK imports the static types — one definition for all three.
 */
import Type, { type Static } from 'typebox';
import { END_REASONS } from './end-reasons.js';
import { MAX_API_KEY_NAME_LENGTH, MAX_SKILL_LENGTH, MAX_USERNAME_LENGTH, MAX_USER_NAME_LENGTH } from './display-names.js';

/**
 * The largest log offset a chat can have: PostgreSQL stores offsets as `integer` (32 bits), and a
 * larger `after` would fail there (a 500) where SQLite answered an empty page. Refused on both.
 */
export const MAX_LOG_OFFSET = 2_147_483_647;

export const Role = Type.Union([Type.Literal('agent'), Type.Literal('supervisor'), Type.Literal('admin')]);

export const LoginRequest = Type.Object({ username: Type.String({ minLength: 1, maxLength: 256 }), password: Type.String({ minLength: 1, maxLength: 1024 }) });
export const RefreshRequest = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 4096 }) });
/**
 * Where a user is defined. A config user's changes through the admin API hold only until its
 * entry in the config file changes: the file then wins at the next start (ADR 0024).
 */
export const UserSource = Type.Union([Type.Literal('config'), Type.Literal('api')], {
  description: "'config': an entry of the config file (orgs[].agents[]), which wins at the next start once that entry changes, disabled included; 'api': made through POST /admin/users",
});
export type UserSource = Static<typeof UserSource>;
export const PublicUser = Type.Object({
  id: Type.String(), orgId: Type.String(), name: Type.String(), username: Type.Optional(Type.String()), role: Role,
  skills: Type.Array(Type.String()), capacity: Type.Integer(), disabled: Type.Boolean(),
  source: UserSource,
});
export type PublicUser = Static<typeof PublicUser>;
/**
 * The server's limits on what an agent sends, so a client can stop at them rather than learn
 * them from a 400 (the console's composer takes no more than `maxMessageLength`).
 */
export const AgentLimits = Type.Object({
  maxMessageLength: Type.Integer({ minimum: 1, description: 'settings.maxMessageLength: the longest message text, custom event data or whisper, in characters' }),
});
export type AgentLimits = Static<typeof AgentLimits>;
export const TokenPair = Type.Object({ accessToken: Type.String(), refreshToken: Type.String(), expiresIn: Type.Integer(), user: PublicUser, limits: AgentLimits });
export type TokenPair = Static<typeof TokenPair>;
/** GET /me: the user, with the server's limits (for a client that has a token but did not log in: an API key). */
export const Me = Type.Object({ ...PublicUser.properties, limits: AgentLimits });
export type Me = Static<typeof Me>;
/**
 * POST /stream-ticket: a single-use stand-in for the bearer credential in the stream's URL
 * (`?ticket=`), for clients that cannot set headers there (browsers). ADR 0028.
 */
export const StreamTicket = Type.Object({
  ticket: Type.String({ description: 'Pass as ?ticket= to /agent/v1/stream or /agent/v1/events; good for one connection' }),
  expiresInSeconds: Type.Integer({ minimum: 1, description: 'Seconds the ticket can still be used (30)' }),
});
export type StreamTicket = Static<typeof StreamTicket>;

export const Presence = Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')]);
export const PresenceRequest = Type.Object({ status: Presence, capacity: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })) });
export type PresenceRequest = Static<typeof PresenceRequest>;
export const PresenceState = Type.Object({ status: Presence, capacity: Type.Integer(), load: Type.Integer() });
/**
 * Why the server set an agent away (ADR 0054): its offer timed out or it declined one while its
 * org's `autoAwayOnOfferTimeout` / `autoAwayOnDecline` is on (Live Agent's Auto Away on Push
 * Time-Out / on Decline). Only on the `presence` event that change sends.
 */
export const PresenceReason = Type.Union([Type.Literal('offer-timeout'), Type.Literal('offer-declined')]);
export type PresenceReason = Static<typeof PresenceReason>;
/** `data` of a `presence` stream event: the presence in force, the user's name and role now, and why the server changed it. */
export const PresenceEvent = Type.Object({ status: Presence, capacity: Type.Integer(), load: Type.Integer(), name: Type.String(), role: Type.Optional(Role), reason: Type.Optional(PresenceReason) });
export type PresenceEvent = Static<typeof PresenceEvent>;

export const ChatIdParams = Type.Object({ chatId: Type.String({ minLength: 1, maxLength: 128 }) });
export const DeclineRequest = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 256 })) });
export const SendMessageRequest = Type.Object({
  text: Type.String({ minLength: 1 }),
  /** Makes a retried send idempotent. */
  clientMessageId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
});
export type SendMessageRequest = Static<typeof SendMessageRequest>;
export const SentMessage = Type.Object({
  offset: Type.Integer(),
  /** The text as stored: after the org's sensitive data rules (ADR 0052), what the visitor and the transcript get. */
  text: Type.String(),
});
export const TypingRequest = Type.Object({ typing: Type.Boolean() });
export const CustomEventRequest = Type.Object({ type: Type.String({ minLength: 1, maxLength: 256 }), data: Type.String({ maxLength: 65536 }) });
export const TransferRequest = Type.Object({
  agentId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  skill: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  buttonId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
});
export type TransferRequest = Static<typeof TransferRequest>;
/** `POST /agent/v1/chats/:chatId/conference`: the agent the chat's holder invites (ADR 0051). */
export const ConferenceInviteRequest = Type.Object({ agentId: Type.String({ minLength: 1, maxLength: 128 }) });
export type ConferenceInviteRequest = Static<typeof ConferenceInviteRequest>;
/**
 * Where the caller could transfer a chat now (GET /agent/v1/transfer-targets):
 * the other agents of the org with their presence and load, and the skills and
 * buttons of the org with how many other agents could take a chat there.
 * `available` mirrors the transfer's own check (online with room), so a
 * transfer to a target shown as available is not refused unless things change.
 */
export const TransferTargets = Type.Object({
  agents: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), presence: Presence, load: Type.Integer(), capacity: Type.Integer(), available: Type.Boolean() })),
  skills: Type.Array(Type.Object({ skill: Type.String(), availableAgents: Type.Integer(), onlineAgents: Type.Integer() })),
  buttons: Type.Array(Type.Object({
    id: Type.String(), label: Type.String(), availableAgents: Type.Integer(), onlineAgents: Type.Integer(),
    businessHours: Type.Union([Type.String(), Type.Null()], { description: 'The name of the business hours schedule the button keeps (ADR 0062); null: always open' }),
    openNow: Type.Boolean({ description: 'Whether the button is within its business hours now: a transfer to a closed one is refused (409 BUTTON_CLOSED)' }),
  })),
});
export type TransferTargets = Static<typeof TransferTargets>;
/** A sensitive data rule of the caller's org (ADR 0052), as the config file sets it: read-only. */
export const SensitiveDataRule = Type.Object({
  name: Type.String({ description: 'Unique in the org; the `rule` label of switchboard_sensitive_data_masked_total' }),
  pattern: Type.String({ description: 'The JavaScript regular expression source masked' }),
  flags: Type.String({ description: 'Its flags besides `g` (out of `imsu`)' }),
  appliesTo: Type.Union([Type.Literal('visitor'), Type.Literal('agent'), Type.Literal('both')], { description: 'Whose text it masks' }),
});
export type SensitiveDataRule = Static<typeof SensitiveDataRule>;
export const SensitiveDataRules = Type.Array(SensitiveDataRule);
export const WhisperRequest = Type.Object({ text: Type.String({ minLength: 1 }) });
export const ReassignRequest = Type.Object({ agentId: Type.String({ minLength: 1, maxLength: 128 }) });
export const Ok = Type.Object({ ok: Type.Literal(true) });

export const ChatEventWire = Type.Object({
  offset: Type.Integer(), type: Type.String(), actor: Type.String(), at: Type.Number(), data: Type.Record(Type.String(), Type.Unknown()),
  /** The id the sending agent gave its message (idempotent sends), when it gave one. */
  clientMessageId: Type.Optional(Type.String()),
});
export type ChatEventWire = Static<typeof ChatEventWire>;

/** The longest flag message, in characters: a line for a supervisor's panel, not a message. */
export const FLAG_MESSAGE_MAX = 255;
/** A chat's raised flag (ADR 0056): its holder asks a supervisor for help. */
export const ChatFlag = Type.Object({
  raisedBy: Type.String({ description: 'The agent who raised it (the chat\'s holder)' }),
  message: Type.String({ description: 'What the agent asks, masked as agent text (ADR 0052); empty when none was given' }),
  raisedAt: Type.Number({ description: 'When it was first raised (epoch ms); a new message keeps it' }),
});
export type ChatFlag = Static<typeof ChatFlag>;
export const FlagRequest = Type.Object({ message: Type.Optional(Type.String({ maxLength: FLAG_MESSAGE_MAX, description: `At most ${FLAG_MESSAGE_MAX} characters; raising a raised flag replaces it` })) });
export type FlagRequest = Static<typeof FlagRequest>;
/** The answer to raising or lowering a flag: the chat's flag now (null: lowered). */
export const FlagState = Type.Object({ flag: Type.Union([ChatFlag, Type.Null()]) });
export type FlagState = Static<typeof FlagState>;
/** Why a flag went up or down, in the `flag` stream event and the FlagLowered log event. */
export const FlagReason = Type.Union([
  Type.Literal('raised'), Type.Literal('lowered'), Type.Literal('chatEnded'), Type.Literal('transferred'),
  Type.Literal('takenOver'), Type.Literal('reassigned'), Type.Literal('agentLeft'),
]);
export type FlagReason = Static<typeof FlagReason>;
/**
 * The `flag` stream event's data, to the chat's holder and the org's supervisors (ADR 0056):
 * `flag` is the flag now (null once lowered), `by` who raised or lowered it (null: the server,
 * for a chat that ended or left its holder), `reason` why.
 */
export const FlagEvent = Type.Object({
  chatId: Type.String(), raised: Type.Boolean(), flag: Type.Union([ChatFlag, Type.Null()]), by: Type.Union([Type.String(), Type.Null()]), reason: FlagReason,
});
export type FlagEvent = Static<typeof FlagEvent>;

export const ChatSummary = Type.Object({
  chatId: Type.String(), state: Type.String(), agentId: Type.Union([Type.String(), Type.Null()]), buttonId: Type.Union([Type.String(), Type.Null()]),
  visitorName: Type.String(), visitorId: Type.String(), queuedAt: Type.Union([Type.Number(), Type.Null()]), establishedAt: Type.Union([Type.Number(), Type.Null()]),
  endedAt: Type.Union([Type.Number(), Type.Null()]), endReason: Type.Union([Type.String(), Type.Null()]), queuePosition: Type.Integer(),
  waitingSince: Type.Union([Type.Number(), Type.Null()], { description: 'While the chat waits or is offered: when it last went into a queue (epoch ms), what the overview\'s `waitingMs` counts from; null otherwise. `queuedAt` is the first request, kept for the chat\'s place in line' }),
  participants: Type.Array(Type.String(), { description: 'The agents in a conference on the chat besides its holder (`agentId`), in the order they joined; empty without one (ADR 0051)' }),
  flag: Type.Union([ChatFlag, Type.Null()], { description: 'The flag its holder raised for a supervisor\'s help, null when none (ADR 0056)' }),
});
export type ChatSummary = Static<typeof ChatSummary>;

/**
 * A transfer still in progress (ADR 0043): the chat left `from` but still counts in that agent's
 * capacity until someone takes it or it fails back. `target` is what the transfer asked for;
 * `since` when it was asked for (epoch ms), null for a transfer recorded before the server kept it.
 */
export const TransferInProgress = Type.Object({
  chatId: Type.String(), visitorName: Type.String(), from: Type.String(), target: TransferRequest,
  state: Type.String({ description: 'waiting, or offered (to a target agent now)' }), since: Type.Union([Type.Number(), Type.Null()]),
});
export type TransferInProgress = Static<typeof TransferInProgress>;

/** The supervisor's live view (GET /agent/v1/supervisor/overview). */
export const SupervisorOverview = Type.Object({
  queues: Type.Array(Type.Object({
    queue: Type.String(),
    name: Type.String({ description: "What a person calls the queue: a button's label (its id when it has none), or `skill <name>`" }),
    waiting: Type.Array(Type.Object({ chatId: Type.String(), visitorName: Type.String(), state: Type.String(), waitingMs: Type.Number() })),
  })),
  agents: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), presence: Presence, capacity: Type.Integer(), load: Type.Integer(), connections: Type.Integer() })),
  chats: Type.Array(ChatSummary),
  transfers: Type.Array(TransferInProgress),
});
export type SupervisorOverview = Static<typeof SupervisorOverview>;

/** A chat's visitor as its details give it, and as a `chat.ended` webhook does (webhook-types.ts). */
export const ChatVisitor = Type.Object({
  id: Type.String(), name: Type.String(), userAgent: Type.String(), language: Type.String(), screenResolution: Type.String(), ipAddress: Type.String(),
  geoLocation: Type.Union([Type.Null(), Type.Record(Type.String(), Type.Unknown())]),
});
export type ChatVisitor = Static<typeof ChatVisitor>;

export const ChatDetails = Type.Object({
  chat: ChatSummary,
  prechatDetails: Type.Array(Type.Unknown()),
  prechatEntities: Type.Array(Type.Unknown()),
  visitor: ChatVisitor,
  breadcrumbs: Type.Array(Type.Object({ location: Type.String(), at: Type.Number() })),
  earlierChats: Type.Array(Type.Object({ chatId: Type.String(), endedAt: Type.Union([Type.Number(), Type.Null()]), endReason: Type.Union([Type.String(), Type.Null()]) })),
  sneakPeekEnabled: Type.Boolean(),
  sneakPeek: Type.Union([Type.Null(), Type.Object({ position: Type.Integer(), text: Type.String() })]),
});

/** Events in a transcript page when the request gives no `limit`. */
export const TRANSCRIPT_PAGE_DEFAULT = 500;
/** The most events one transcript page may ask for: what one request makes the server hold. */
export const TRANSCRIPT_PAGE_MAX = 1000;

/** Query of GET /agent/v1/chats/:chatId/transcript. */
export const TranscriptQuery = Type.Object({
  after: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_LOG_OFFSET, description: 'Events with a greater log offset (default 0: from the start); the previous page\'s `nextAfter`' })),
  limit: Type.Optional(Type.Integer({
    minimum: 1, maximum: TRANSCRIPT_PAGE_MAX,
    description: `At most this many events (default ${TRANSCRIPT_PAGE_DEFAULT}, at most ${TRANSCRIPT_PAGE_MAX}); JSON only: the JSON Lines export is every event after \`after\``,
  })),
  format: Type.Optional(Type.Enum(['json', 'jsonl'], { description: '`jsonl`: JSON Lines, a chat line then one line per event, streamed (a download)' })),
});
export type TranscriptQuery = Static<typeof TranscriptQuery>;

/**
 * One page of a chat's transcript (GET /agent/v1/chats/:chatId/transcript): the
 * events after `after`, in offset order, and where the next page starts.
 */
export const TranscriptPage = Type.Object({
  chat: ChatSummary,
  prechatDetails: Type.Array(Type.Unknown()),
  events: Type.Array(ChatEventWire),
  /** The `after` of the next page: the last log offset this page covers (the request's `after` when it covers none). */
  nextAfter: Type.Integer({ minimum: 0 }),
  /** The log held more than this page when it was read. False on the last page; a running chat may add events later, read from `nextAfter`. */
  hasMore: Type.Boolean(),
});
export type TranscriptPage = Static<typeof TranscriptPage>;

/** The lines of the JSON Lines export: one chat line, then one line per event. */
export const TranscriptChatLine = Type.Object({ kind: Type.Literal('chat'), ...ChatSummary.properties, prechatDetails: Type.Array(Type.Unknown()) });
export const TranscriptEventLine = Type.Object({ kind: Type.Literal('event'), ...ChatEventWire.properties });
export const TranscriptLine = Type.Union([TranscriptChatLine, TranscriptEventLine]);
export type TranscriptLine = Static<typeof TranscriptLine>;

/** Chats in a search page when the request gives no `limit`. */
export const CHAT_SEARCH_PAGE_DEFAULT = 50;
/** The most chats one search page may ask for. */
export const CHAT_SEARCH_PAGE_MAX = 200;

const EpochMs = (description: string) => Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description }));

/** Query of GET /agent/v1/supervisor/chats: every filter given must hold; time ranges are `From` included, `To` not. */
export const ChatSearchQuery = Type.Object({
  state: Type.Optional(Type.Enum(['waiting', 'offered', 'established', 'ended'], { description: 'The chat\'s state now' })),
  buttonId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'The button the visitor requested the chat on (`requestedButtonId`; a transfer or a button override does not change it)' })),
  agentId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'An agent who handled the chat: the one holding or offered it now (`agentId`), the last to hold it, or any who held it before it was transferred, reassigned or taken over' })),
  visitorId: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The visitor id of the chat request' })),
  endReason: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: `How the chat ended (\`endReason\`): ${END_REASONS.join(', ')}` })),
  createdFrom: EpochMs('Created at or after this time (epoch ms)'),
  createdTo: EpochMs('Created before this time (epoch ms)'),
  endedFrom: EpochMs('Ended at or after this time (epoch ms); chats that have not ended never match a time of end'),
  endedTo: EpochMs('Ended before this time (epoch ms)'),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: CHAT_SEARCH_PAGE_MAX, description: `At most this many chats (default ${CHAT_SEARCH_PAGE_DEFAULT}, at most ${CHAT_SEARCH_PAGE_MAX})` })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'The previous page\'s `nextCursor`: the chats after it in the order (older)' })),
});
export type ChatSearchQuery = Static<typeof ChatSearchQuery>;

/** One chat found by a search: its summary, when its visitor session was created, and the button it was requested on. */
export const ChatSearchResult = Type.Object({
  ...ChatSummary.properties,
  createdAt: Type.Number({ description: 'When the visitor session was created (epoch ms): the order of the results, newest first' }),
  requestedButtonId: Type.String({ description: 'The button of the chat request (`buttonId` is the one it is routed through now)' }),
});
export type ChatSearchResult = Static<typeof ChatSearchResult>;

/**
 * A page of a chat search (GET /agent/v1/supervisor/chats), newest first. A page
 * can hold fewer chats than `limit`, even none, and still have a `nextCursor`:
 * the server looks at a bounded number of chats per request. Page on until
 * `nextCursor` is null.
 */
export const ChatSearchPage = Type.Object({
  chats: Type.Array(ChatSearchResult),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null: no older chat matches' }),
});
export type ChatSearchPage = Static<typeof ChatSearchPage>;

/** Query of GET /agent/v1/chats/history: the calling agent's own ended chats, a page at a time. No `agentId`: it is always the caller. */
export const ChatHistoryQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: CHAT_SEARCH_PAGE_MAX, description: `At most this many chats (default ${CHAT_SEARCH_PAGE_DEFAULT}, at most ${CHAT_SEARCH_PAGE_MAX})` })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'The previous page\'s `nextCursor`: the chats after it in the order (older)' })),
});
export type ChatHistoryQuery = Static<typeof ChatHistoryQuery>;

/**
 * A page of the caller's past chats (GET /agent/v1/chats/history), newest first: ended
 * chats they held at some point, also those transferred away from them. Like a search
 * page it can be short, even empty, and still have a `nextCursor`: page on until null.
 */
export const ChatHistoryPage = Type.Object({
  chats: Type.Array(ChatSearchResult),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null: no older chat of yours' }),
});
export type ChatHistoryPage = Static<typeof ChatHistoryPage>;

export const StreamEvent = Type.Object({ id: Type.String(), type: Type.String(), chatId: Type.Optional(Type.String()), at: Type.Number(), data: Type.Unknown() });
export type StreamEventWire = Static<typeof StreamEvent>;

export const CreateUserRequest = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  name: Type.String({ minLength: 1, maxLength: MAX_USER_NAME_LENGTH, description: 'Trimmed; blank (only white space) is refused' }),
  username: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_USERNAME_LENGTH, description: 'Trimmed; blank (only white space) is refused' })),
  password: Type.Optional(Type.String({ minLength: 8, maxLength: 1024 })),
  role: Role,
  skills: Type.Array(Type.String({ minLength: 1, maxLength: MAX_SKILL_LENGTH, description: 'Trimmed; blank (only white space) is refused' }), { default: [], maxItems: 100 }),
  capacity: Type.Integer({ minimum: 0, maximum: 1000, default: 3 }),
});
export const UpdateUserRequest = Type.Partial(Type.Object({
  name: Type.String({ minLength: 1, maxLength: MAX_USER_NAME_LENGTH, description: 'Trimmed; blank (only white space) is refused' }), password: Type.String({ minLength: 8, maxLength: 1024 }), role: Role,
  skills: Type.Array(Type.String({ minLength: 1, maxLength: MAX_SKILL_LENGTH, description: 'Trimmed; blank (only white space) is refused' }), { maxItems: 100 }), capacity: Type.Integer({ minimum: 0, maximum: 1000 }), disabled: Type.Boolean(),
}));
export type UpdateUserRequest = Static<typeof UpdateUserRequest>;
export const CreateApiKeyRequest = Type.Object({ userId: Type.String({ minLength: 1 }), name: Type.String({ minLength: 1, maxLength: MAX_API_KEY_NAME_LENGTH, description: 'Trimmed; blank (only white space) is refused' }), role: Role });
export const ApiKeyCreated = Type.Object({
  id: Type.String(), key: Type.String(),
  role: Type.Union([Type.Literal('agent'), Type.Literal('supervisor'), Type.Literal('admin')], { description: 'The role the key was made with: the one asked for, lowered to its user\'s role at this moment, for good (promoting the user later does not raise it)' }),
});
/** An API key as GET /agent/v1/admin/api-keys lists it: never its secret, which only POST answers, once. */
export const ApiKey = Type.Object({
  id: Type.String(), userId: Type.String(), name: Type.String(),
  /** The highest role the key acts with (never above its user's). */
  role: Role,
  createdAt: Type.Number({ description: 'Epoch ms' }),
  revokedAt: Type.Union([Type.Number(), Type.Null()], { description: 'Epoch ms of DELETE /admin/api-keys/:keyId; null while the key works' }),
});
export type ApiKey = Static<typeof ApiKey>;
export const VisitorIdParams = Type.Object({ visitorId: Type.String({ minLength: 1, maxLength: 256 }) });
/** PATCH /agent/v1/admin/users/:userId. Longer than any id a user can have (config or API): a 404 then. */
export const UserIdParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 256 }) });
/** DELETE /agent/v1/admin/api-keys/:keyId. */
export const ApiKeyIdParams = Type.Object({ keyId: Type.String({ minLength: 1, maxLength: 256 }) });
export * from './file-transfer-types.js';
export * from './visitor-block-types.js';
export * from './quick-text-types.js';
export * from './offline-message-types.js';
/** DELETE /agent/v1/admin/visitors/:visitorId (core/visitor-erasure.ts). */
export const VisitorErasure = Type.Object({
  deletedChats: Type.Integer(), activeChats: Type.Integer(), deletedBreadcrumbs: Type.Integer(), breadcrumbsKept: Type.Boolean(),
  deletedOfflineMessages: Type.Integer({ description: 'Offline messages of the org left with `email` (0 without it; ADR 0063)' }),
});
export const VisitorErasureQuery = Type.Object({
  email: Type.Optional(Type.String({ minLength: 1, maxLength: 254, description: 'Also delete the offline messages left with this address (compared without case)' })),
}, { additionalProperties: false });
export type VisitorErasureQuery = Static<typeof VisitorErasureQuery>;
