/**
 * The configuration file's schema. One TypeBox schema validates the file, fills
 * defaults and documents every field (docs/configuration.md is written from it).
 */
import Type, { type Static } from 'typebox';
import Value from 'typebox/value';

/**
 * Marks a field as a Salesforce-style id: the loader keeps the text a file wrote
 * for it, whatever number YAML or JSON would read (load-config.ts).
 */
export const ID_FIELD = 'x-switchboard-id';

/**
 * Marks a setting that holds a secret (those a `SWITCHBOARD_…` secret variable sets
 * too): an unknown key in the file that is close to one stops the start
 * (unknown-settings.ts), since the server would run without the secret meant.
 */
export const SECRET_FIELD = 'x-switchboard-secret';

const Id = Type.String({ minLength: 1, maxLength: 64, [ID_FIELD]: true });

/**
 * The longest a per-chat timer (offer, idle timeout) may be: a day. Node fires a
 * timer longer than 2^31-1 ms (24.8 days) at once, which would end every chat
 * at its first agent message; nothing longer than a day is meant.
 */
export const MAX_TIMER_SECONDS = 86_400;

/**
 * The shortest `server.metricsToken`: 16 characters. Wrong tokens are limited per
 * address (settings.failedMetricsTokensPerAddress), but not from loopback, and many
 * addresses guess more: a short one could still be guessed; `openssl rand -hex 32`
 * gives 64.
 */
export const MIN_METRICS_TOKEN_LENGTH = 16;

/** A chat button, with every Button field of the Live Agent guide (chapter 8). */
export const ButtonConfig = Type.Object({
  id: Id,
  type: Type.Union([Type.Literal('Standard'), Type.Literal('Invite'), Type.Literal('ToAgent')], { default: 'Standard' }),
  label: Type.Optional(Type.String()),
  /** Skills (queues) this button routes to; agents with any of them serve it. */
  skills: Type.Array(Type.String(), { default: [] }),
  routing: Type.Union([Type.Literal('MostAvailable'), Type.Literal('LeastActive')], { default: 'MostAvailable' }),
  offerTimeoutSeconds: Type.Number({ minimum: 1, maximum: MAX_TIMER_SECONDS, default: 30 }),
  queueSizeLimit: Type.Integer({ minimum: 0, default: 100 }),
  /**
   * Live Agent's *Reroute Declined Requests* (ADR 0071): a new request that every online agent
   * who serves its queue has passed on (declined, let the offer time out) is offered to them all
   * again, up to `reroutingAttempts` rounds in all, before it fails. Off: it fails after the first round.
   */
  rerouteDeclinedRequests: Type.Boolean({ default: false }),
  /** Live Agent's *Number of Rerouting Attempts*: rounds of offers in all while rerouting is on. */
  reroutingAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
  sneakPeekEnabled: Type.Boolean({ default: true }),
  /**
   * Announced in ChatEstablished and enforced. While enabled, the loader also
   * requires `timeout` ≥ 1 and `warningTime` < `timeout` (0: no warning).
   */
  chasitorIdleTimeout: Type.Object({
    isEnabled: Type.Boolean({ default: false }),
    warningTime: Type.Integer({ minimum: 0, maximum: MAX_TIMER_SECONDS, default: 60 }),
    timeout: Type.Integer({ minimum: 0, maximum: MAX_TIMER_SECONDS, default: 120 }),
  }, { default: {} }),
  postChatUrl: Type.Optional(Type.String()),
  endpointUrl: Type.Optional(Type.String()),
  prechatUrl: Type.Optional(Type.String()),
  /** Pre-chat form shown by the widget; values arrive as prechatDetails. */
  prechatForm: Type.Optional(Type.Array(Type.Object({
    label: Type.String(),
    /**
     * The label in other languages, by language tag (`de`, `pt-BR`): the widget shows the one of
     * its language, else `label` (ADR 0053). prechatDetails always carry `label`.
     */
    labels: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1 }))),
    name: Type.String(),
    type: Type.Union([Type.Literal('text'), Type.Literal('email'), Type.Literal('textarea')], { default: 'text' }),
    required: Type.Boolean({ default: false }),
  }))),
  language: Type.Optional(Type.String()),
  inviteImageUrl: Type.Optional(Type.String()),
  inviteImageWidth: Type.Optional(Type.Number()),
  inviteImageHeight: Type.Optional(Type.Number()),
  inviteRenderer: Type.Optional(Type.Union(['Slide', 'Fade', 'Appear', 'Custom'].map((v) => Type.Literal(v)))),
  inviteStartPosition: Type.Optional(Type.String()),
  inviteEndPosition: Type.Optional(Type.String()),
  hasInviteAfterAccept: Type.Optional(Type.Boolean()),
  hasInviteAfterReject: Type.Optional(Type.Boolean()),
  inviteRejectTime: Type.Optional(Type.Number()),
  inviteRules: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  /** For ToAgent buttons: the agent the button targets. */
  agentId: Type.Optional(Id),
  /**
   * The name of one of the org's `businessHours` schedules (ADR 0062): outside it the button is
   * unavailable and new chat requests to it fail. Absent: always open.
   */
  businessHours: Type.Optional(Type.String({ minLength: 1 })),
  /**
   * While no one can chat on the button, the widget offers a form to leave a message
   * (POST /widget/v1/offline-messages; ADR 0063); supervisors and admins read them.
   */
  offlineMessages: Type.Boolean({ default: false }),
});
export type ButtonConfig = Static<typeof ButtonConfig>;

/** A button with nothing configured but its id: every field at the schema's default (offers 30 s, queue 100, …). */
export function defaultButtonConfig(id: string): ButtonConfig {
  return Value.Default(ButtonConfig, { id }) as ButtonConfig;
}

export const DeploymentConfig = Type.Object({
  id: Id,
  name: Type.Optional(Type.String()),
  buttons: Type.Array(ButtonConfig, { default: [] }),
});
export type DeploymentConfig = Static<typeof DeploymentConfig>;

export const AgentConfig = Type.Object({
  id: Id,
  name: Type.String({ minLength: 1 }),
  username: Type.Optional(Type.String({ minLength: 1 })),
  /** scrypt hash (`scrypt$N$r$p$salt$hash`) or, for demos only, `plain:secret`. */
  password: Type.Optional(Type.String()),
  role: Type.Union([Type.Literal('agent'), Type.Literal('supervisor'), Type.Literal('admin')], { default: 'agent' }),
  skills: Type.Array(Type.String(), { default: [] }),
  capacity: Type.Integer({ minimum: 0, default: 3 }),
  /** A built-in bot drives this agent: `echo` is the demo bot. */
  bot: Type.Optional(Type.Literal('echo')),
  greeting: Type.Optional(Type.String()),
});
export type AgentConfig = Static<typeof AgentConfig>;

/** The longest quick text title: it is shown in a one-line list in the console. */
export const MAX_QUICK_TEXT_TITLE_LENGTH = 80;

/**
 * A quick text (canned reply, ADR 0047): a prepared reply an agent inserts into the
 * message box and edits before sending. Its text is no longer than
 * settings.maxMessageLength (the loader checks: that is a setting, not a constant).
 */
export const QuickTextConfig = Type.Object({
  /** Unique in the org; not a Salesforce id (a name such as `greeting` is fine). */
  id: Type.String({ minLength: 1, maxLength: 64 }),
  title: Type.String({ minLength: 1, maxLength: MAX_QUICK_TEXT_TITLE_LENGTH }),
  text: Type.String({ minLength: 1 }),
  /** Only agents with one of these skills see it; absent or empty: everyone in the org. */
  skills: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
});
export type QuickTextConfig = Static<typeof QuickTextConfig>;

/** The longest sensitive data rule pattern: a rule is one value's shape, not a program. */
export const MAX_SENSITIVE_PATTERN_LENGTH = 1000;

/**
 * A sensitive data rule (ADR 0052): matches of `pattern` in chat text are masked before
 * the text is stored, so agents, transcripts and exports never see them. The loader
 * refuses a pattern that does not compile, matches the empty string, or is slow on texts
 * up to settings.maxMessageLength (sensitive-data-rules.ts).
 */
export const SensitiveDataRuleConfig = Type.Object({
  /** Unique in the org; the label of the masked-matches metric, so letters, digits, `_`, `.`, `-` only. */
  name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }),
  /** A JavaScript regular expression's source, without slashes (`\\d{13,19}` in YAML double quotes). */
  pattern: Type.String({ minLength: 1, maxLength: MAX_SENSITIVE_PATTERN_LENGTH }),
  /** Regular expression flags out of `i`, `m`, `s`, `u`; `g` is always on. */
  flags: Type.String({ pattern: '^[imsu]*$', default: '' }),
  /** One character, repeated to the length of each match (the default, `*`): the text keeps its length. */
  mask: Type.Optional(Type.String({ minLength: 1 })),
  /** A fixed text in place of each match, whatever its length (instead of `mask`). Taken literally: `$&` is text. */
  replacement: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  /** Whose text it masks: the visitor's (messages, sneak peeks, pre-chat values), the agent's (messages, whispers), or both. */
  appliesTo: Type.Union([Type.Literal('visitor'), Type.Literal('agent'), Type.Literal('both')], { default: 'both' }),
});
export type SensitiveDataRuleConfig = Static<typeof SensitiveDataRuleConfig>;

/**
 * A visitor block from the config file (ADR 0055): chat requests from these addresses to
 * the org's buttons are refused and its buttons look offline to them. Read-only through the
 * admin API; removed by removing it here. The loader refuses a range that is not one.
 */
export const BlockedAddressConfig = Type.Object({
  /** One address or a CIDR range, IPv4 or IPv6 (`203.0.113.7`, `198.51.100.0/24`, `2001:db8::/32`); no bits set past the prefix. */
  ipRange: Type.String({ minLength: 1, maxLength: 64 }),
  /** Why (the admin API shows it; the visitor never sees it). */
  reason: Type.Optional(Type.String({ maxLength: 500 })),
});
export type BlockedAddressConfig = Static<typeof BlockedAddressConfig>;

/** One opening of a day, local time of the schedule's zone: `start` included, `end` not. */
export const OpeningHoursRange = Type.Object({
  /** `HH:MM`, 00:00–23:59. */
  start: Type.String(),
  /** `HH:MM`, after `start`; `24:00` for the end of the day. */
  end: Type.String(),
});
export type OpeningHoursRange = Static<typeof OpeningHoursRange>;

/** The days of a week as `businessHours[].weekly` names them. */
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * A named business hours schedule (ADR 0062), as Live Agent let an org attach to a chat button:
 * the button is open during its weekly ranges, in its time zone, except on its closed dates.
 * A day not listed, or listed with no range, is closed all day.
 */
export const BusinessHoursConfig = Type.Object({
  /** Unique in the org; what `buttons[].businessHours` names. */
  name: Type.String({ minLength: 1, maxLength: 64 }),
  /** An IANA time zone (`Europe/Berlin`, `America/New_York`, `UTC`): ranges and dates are its local time. */
  timeZone: Type.String({ minLength: 1 }),
  /** Each day's openings, sorted or not, not overlapping; `mon` … `sun`. */
  weekly: Type.Object({
    mon: Type.Optional(Type.Array(OpeningHoursRange)),
    tue: Type.Optional(Type.Array(OpeningHoursRange)),
    wed: Type.Optional(Type.Array(OpeningHoursRange)),
    thu: Type.Optional(Type.Array(OpeningHoursRange)),
    fri: Type.Optional(Type.Array(OpeningHoursRange)),
    sat: Type.Optional(Type.Array(OpeningHoursRange)),
    sun: Type.Optional(Type.Array(OpeningHoursRange)),
  }, { default: {} }),
  /** Whole local days closed whatever the weekday (`2026-12-25`). */
  closedDates: Type.Array(Type.String(), { default: [] }),
});
export type BusinessHoursConfig = Static<typeof BusinessHoursConfig>;
/** The events a webhook can be told of: a chat that ended (ADR 0065), a message a visitor left (ADR 0068). */
export const WEBHOOK_EVENTS = ['chat.ended', 'offline_message.created'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * A webhook (ADR 0065, ADR 0068): each chat of the org that ends, each offline message a
 * visitor leaves (the events it names) is POSTed to `url`, once it is durable, oldest first
 * per event, signed per Standard Webhooks with `secret`, until the receiver answers 2xx. A
 * new webhook, or a new event of one, starts with what comes after it is first started.
 */
export const WebhookConfig = Type.Object({
  /** Unique in the org; names the webhook's cursor (keep it to keep the place) and its metrics' `webhook` label. */
  name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }),
  /** Where the events are POSTed: http or https; redirects are not followed. */
  url: Type.String({ minLength: 1, maxLength: 2048 }),
  /** What it is told of: `chat.ended`, `offline_message.created`; each event has its own place and order. */
  events: Type.Array(Type.Union([Type.Literal(WEBHOOK_EVENTS[0]), Type.Literal(WEBHOOK_EVENTS[1])]), { minItems: 1, default: ['chat.ended'] }),
  /**
   * The Standard Webhooks signing secret: `whsec_` and the base64 of 24 to 64 random bytes
   * (`echo whsec_$(openssl rand -base64 32)`); the receiver verifies with the same text.
   */
  secret: Type.String({ minLength: 1, [SECRET_FIELD]: true }),
  /** false: nothing is sent, and the cursor stays where it is (the chats meanwhile are sent when it is on again). */
  enabled: Type.Boolean({ default: true }),
});
export type WebhookConfig = Static<typeof WebhookConfig>;

export const OrgConfig = Type.Object({
  id: Id,
  name: Type.Optional(Type.String()),
  deployments: Type.Array(DeploymentConfig, { default: [] }),
  agents: Type.Array(AgentConfig, { default: [] }),
  /** Canned replies for the org's agents (ADR 0047). */
  quickTexts: Type.Array(QuickTextConfig, { default: [] }),
  /**
   * Live Agent's Auto Away on Push Time-Out (ADR 0054): an agent of the org whose offer times out
   * is set away, so no more chats wait on it until it sets itself online. Bots never are.
   */
  autoAwayOnOfferTimeout: Type.Optional(Type.Boolean({ default: false })),
  /** Live Agent's Auto Away on Decline (ADR 0054): an agent of the org who declines an offer is set away. */
  autoAwayOnDecline: Type.Optional(Type.Boolean({ default: false })),
  /** Patterns masked in chat text before it is stored (ADR 0052). */
  sensitiveDataRules: Type.Array(SensitiveDataRuleConfig, { default: [] }),
  /** Visitor addresses refused a chat with the org (ADR 0055), beside those blocked through the agent API. */
  blockedAddresses: Type.Array(BlockedAddressConfig, { default: [] }),
  /** Business hours schedules its buttons name (ADR 0062). */
  businessHours: Type.Array(BusinessHoursConfig, { default: [] }),
  /** Where the org's ended chats are POSTed, with their transcripts (ADR 0065). */
  webhooks: Type.Array(WebhookConfig, { default: [] }),
});
export type OrgConfig = Static<typeof OrgConfig>;

export const SettingsConfig = Type.Object({
  /**
   * How long a Messages long poll is held before 204 (wire-compat: about 25 s). Less than
   * clientPollTimeoutSeconds (the loader checks): clients give up on a poll after that long.
   */
  pollHoldSeconds: Type.Number({ minimum: 0.05, maximum: 120, default: 25 }),
  /** clientPollTimeout announced in SessionId. */
  clientPollTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 600, default: 40 }),
  /** Extra time after clientPollTimeout before a silent visitor is timed out. */
  sessionGraceSeconds: Type.Number({ minimum: 0, default: 20 }),
  /** Messages per long-poll payload; 1 is safe for clients that read messages[0] only. */
  messagesPerPayload: Type.Integer({ minimum: 1, maximum: 100, default: 1 }),
  maxBodyBytes: Type.Integer({ minimum: 256, default: 65536 }),
  maxMessageLength: Type.Integer({ minimum: 1, default: 4000 }),
  minApiVersion: Type.Number({ default: 29 }),
  maxApiVersion: Type.Number({ default: 66 }),
  /**
   * Read the visitor's location from CDN/proxy headers (CF-IPCountry, CloudFront-Viewer-*, X-Geo-*).
   * Only behind a proxy that sets them: otherwise a visitor could claim any location.
   */
  trustGeoHeaders: Type.Boolean({ default: false }),
  /** An agent with no stream and no heartbeat for this long is set offline and its chats requeued. */
  agentGraceSeconds: Type.Number({ minimum: 0.1, default: 60 }),
  /**
   * Agents one chat may have at once in a conference, its holder included (docs/adr/0051):
   * an invitation that would go past it is refused (CONFERENCE_FULL). 1 turns conferences off.
   */
  conferenceMaxAgents: Type.Integer({ minimum: 1, maximum: 20, default: 3 }),
  agentStreamPingSeconds: Type.Number({ minimum: 0.1, maximum: 3600, default: 30 }),
  pingRateMs: Type.Integer({ minimum: 1000, default: 50000 }),
  connectionTimeoutMs: Type.Integer({ minimum: 1000, default: 150000 }),
  /**
   * New visitor sessions (System/SessionId) one address may open per minute, also its burst;
   * more get 429 with Retry-After. Loopback addresses are never limited. 0 turns it off.
   */
  newSessionsPerMinutePerAddress: Type.Integer({ minimum: 0, default: 120 }),
  /**
   * Visitor/Breadcrumb requests without a session (the cookie's visitor id only) one address
   * may post per minute, also its burst; more get 429. In a chat they are not limited.
   * Loopback addresses are never limited. 0 turns it off.
   */
  breadcrumbsPerMinutePerAddress: Type.Integer({ minimum: 0, default: 120 }),
  /**
   * Wrong passwords for one user name from one address before agent logins from there
   * get 429; one more try per minute after that. Loopback is never limited. 0 turns it off.
   */
  failedLoginsPerAddress: Type.Integer({ minimum: 0, default: 10 }),
  /**
   * Wrong /metrics tokens (server.metricsToken) from one address before /metrics answers it
   * 429; one more try per minute after that. Loopback is never limited. 0 turns it off.
   */
  failedMetricsTokensPerAddress: Type.Integer({ minimum: 0, default: 10 }),
  /**
   * File uploads (POST /chat/file-transfer) one address may make per minute, also its burst;
   * more get 429 with Retry-After. Loopback addresses are never limited. 0 turns it off.
   */
  fileUploadsPerMinutePerAddress: Type.Integer({ minimum: 0, default: 30 }),
  /**
   * Offline messages (POST /widget/v1/offline-messages) one address may leave per minute, also
   * its burst; more get 429 with Retry-After. Loopback addresses are never limited. 0 turns it off.
   */
  offlineMessagesPerMinutePerAddress: Type.Integer({ minimum: 0, default: 5 }),
  /**
   * Delete chats that ended more than this many days ago (session, events, transcript) and
   * breadcrumbs as old, in the background. 0 keeps everything.
   */
  retentionDays: Type.Integer({ minimum: 0, default: 0 }),
  /** contentServerUrl in Settings; defaults to the server's own base URL. */
  contentServerUrl: Type.Optional(Type.String()),
});
export type SettingsConfig = Static<typeof SettingsConfig>;

/** The storage backends (`storage.kind`, SWITCHBOARD_STORAGE). */
export const STORAGE_KINDS = ['sqlite', 'postgres', 'memory'] as const;
/** pino's levels (`server.logLevel`, SWITCHBOARD_LOG_LEVEL). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const StorageConfig = Type.Object({
  kind: Type.Union([Type.Literal(STORAGE_KINDS[0]), Type.Literal(STORAGE_KINDS[1]), Type.Literal(STORAGE_KINDS[2])], { default: 'sqlite' }),
  /** SQLite: `normal` survives process crashes (kill -9); `full` also survives power loss. */
  sqliteSynchronous: Type.Union([Type.Literal('normal'), Type.Literal('full')], { default: 'normal' }),
  postgresUrl: Type.Optional(Type.String({ [SECRET_FIELD]: true })),
  /**
   * PostgreSQL: the password, given apart from `postgresUrl` (ADR 0040), which then holds
   * none: a URL with a password and this one too is refused, as is an empty one.
   */
  postgresPassword: Type.Optional(Type.String({ [SECRET_FIELD]: true })),
  /**
   * PostgreSQL: the longest a statement may run (statement_timeout); a write stuck behind
   * a lock or a dead connection then fails and is written again (ADR 0016). 0: no limit.
   */
  postgresStatementTimeoutSeconds: Type.Number({ minimum: 0, maximum: 3600, default: 10 }),
  /**
   * One node per store (ADR 0017): how long a starting node waits for the one
   * already using the store to stop (a rolling deploy) before it gives up.
   */
  lockWaitSeconds: Type.Number({ minimum: 0, maximum: 3600, default: 30 }),
  /**
   * Hot standby (ADR 0048): wait for the node lock for as long as it takes instead of
   * lockWaitSeconds, answering /readyz 503 `standby` meanwhile, and take over the store
   * (a restart's recovery) the moment the active node dies. SQLite and PostgreSQL only.
   */
  standby: Type.Boolean({ default: false }),
  /**
   * PostgreSQL (ADR 0073): a node whose node lock has been lost this long (its connection to the
   * database ended) without being taken again stops with exit code 1, so that a balancer sends its
   * traffic to the standby or spare that took the store over; a service manager restarts it, and
   * it then waits for the lock. 0: never (it stays up, answering errors, until it takes the lock again).
   */
  lockLostExitSeconds: Type.Number({ minimum: 0, maximum: 3600, default: 10 }),
  /**
   * The longest /readyz waits for the store to answer before it says 503 `store not
   * answering`. Keep it below the probes' own timeout (Kubernetes' default is 1 s: set 0.5 there).
   */
  readyTimeoutSeconds: Type.Number({ minimum: 0.1, maximum: 60, default: 2 }),
  /**
   * A group commit whose changes have waited longer than this to be written makes /readyz
   * answer 503 `store write stuck` (still waiting) or `store write slow` (for as long
   * again after it ended: SQLite's write holds the process while it waits). 0: not checked.
   */
  writeStuckSeconds: Type.Number({ minimum: 0, maximum: 3600, default: 5 }),
});

export const ServerConfig = Type.Object({
  host: Type.String({ default: '127.0.0.1' }),
  port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
  dataDir: Type.String({ default: './data' }),
  /** Public base URL (for contentServerUrl and links); defaults to http://host:port. */
  publicUrl: Type.Optional(Type.String()),
  logLevel: Type.Union(LOG_LEVELS.map((v) => Type.Literal(v)), { default: 'info' }),
  /**
   * Behind a reverse proxy or load balancer: whose X-Forwarded-For to believe, so the
   * visitor's own address is seen (fastify's trustProxy). `false` (default): the socket's
   * peer; `true`: any proxy; a number: that many hops; a string: comma-separated addresses
   * or CIDR ranges of the proxies.
   */
  trustProxy: Type.Union([Type.Boolean(), Type.Integer({ minimum: 1, maximum: 32 }), Type.String({ minLength: 1 })], { default: false }),
  /**
   * Browser origins that may call the server (`https://www.example.com`, `https://*.example.com`);
   * a request from another origin is refused with 403. Empty (default): any origin, as Live Agent
   * clients expect. The server's own pages are always allowed.
   */
  allowedOrigins: Type.Array(Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9+.-]*://[^/\\s]+/?$' }), { default: [] }),
  /**
   * Emulator mode, for CI (docs/emulator.md, ADR 0022): admins get /emulator/v1 to reset the
   * server between tests and to inject failures into the visitor API. Never in production.
   */
  emulator: Type.Boolean({ default: false }),
  /** Serve Prometheus metrics at /metrics; false: no such route (404). */
  metrics: Type.Boolean({ default: true }),
  /**
   * When set, /metrics answers only `Authorization: Bearer <this>` (401 otherwise; ADR 0026).
   * The loader requires at least MIN_METRICS_TOKEN_LENGTH printable ASCII characters, no spaces.
   * Unset (default): /metrics is open to whoever reaches the port, as before.
   */
  metricsToken: Type.Optional(Type.String({ [SECRET_FIELD]: true })),
});

/** The most `fileTransfer.maxBytes` may be: an upload is held in memory whole and written in one transaction. */
export const MAX_FILE_BYTES_LIMIT = 100 * 1024 * 1024;

/** Files a visitor uploads when an agent asks for one (docs/adr/0049-file-transfer.md). */
export const FileTransferConfig = Type.Object({
  /** False: agents cannot ask for files (409 FILE_TRANSFER_DISABLED) and uploads are refused. */
  enabled: Type.Boolean({ default: true }),
  /** The largest file a visitor may upload, in bytes (413 FILE_TOO_LARGE past it). */
  maxBytes: Type.Integer({ minimum: 1, maximum: MAX_FILE_BYTES_LIMIT, default: 10 * 1024 * 1024 }),
  /**
   * The bytes of all uploads held in memory at once (read, not yet written), in bytes. An upload
   * that would go past it gets 503 UPLOADS_BUSY with Retry-After; one upload alone always fits.
   */
  maxBytesInFlight: Type.Integer({ minimum: 1, default: 64 * 1024 * 1024 }),
});
export type FileTransferConfig = Static<typeof FileTransferConfig>;

/** A shard id (`cluster.shards[].id`, `cluster.shard`): it goes into lock and meta keys and log lines. */
export const SHARD_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,31}$';
/** `cluster.shard`: a shard id, or `*` for whichever shard is free (ADR 0066). */
export const ANY_SHARD = '*';
const ANY_SHARD_PATTERN = '^(\\*|[a-z0-9][a-z0-9-]{0,31})$';

/** One shard of a cluster (ADR 0066): the orgs its node serves, and where their clients reach it. */
export const ShardConfig = Type.Object({
  id: Type.String({ pattern: SHARD_ID_PATTERN }),
  /** The org ids the shard serves; every org of `orgs` is in exactly one shard. */
  orgs: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  /**
   * Where the shard's clients reach it (its host name at the load balancer): named in the 421
   * a node answers to a request for one of this shard's orgs. Optional: without it the 421 names the shard only.
   */
  url: Type.Optional(Type.String({ pattern: '^https?://[^/\\s]+(/.*)?$' })),
});
export type ShardConfig = Static<typeof ShardConfig>;

/**
 * Cluster mode by org shards (ADR 0066): several nodes on one PostgreSQL database, each serving
 * the orgs of one shard, side by side, every shard with its own hot standbys (ADR 0048). One file
 * for every node; a node differs by `shard` (SWITCHBOARD_CLUSTER_SHARD).
 */
export const ClusterConfig = Type.Object({
  /**
   * The shard this node serves, or `*`: the first of `shards` no other node holds, in their
   * order (identical nodes, and standbys that take over whichever shard's node dies).
   */
  shard: Type.String({ pattern: ANY_SHARD_PATTERN }),
  shards: Type.Array(ShardConfig, { minItems: 1 }),
});
export type ClusterConfig = Static<typeof ClusterConfig>;

export const SwitchboardConfig = Type.Object({
  server: Type.Object(ServerConfig.properties, { default: {} }),
  storage: Type.Object(StorageConfig.properties, { default: {} }),
  settings: Type.Object(SettingsConfig.properties, { default: {} }),
  fileTransfer: Type.Object(FileTransferConfig.properties, { default: {} }),
  orgs: Type.Array(OrgConfig, { default: [] }),
  /** Absent: one node serves every org (ADR 0017), with hot standbys (ADR 0048). */
  cluster: Type.Optional(ClusterConfig),
});
export type SwitchboardConfig = Static<typeof SwitchboardConfig>;
