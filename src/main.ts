/**
 * The composition root: the only place that picks adapters and wires the
 * layers together. Everything else receives its dependencies.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Server as NetServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, RouteOptions } from 'fastify';
import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { createSqliteChatStore, type SqliteStore } from './adapters/sqlite/sqlite-chat-store.js';
import { createPostgresChatStore } from './adapters/postgres/postgres-chat-store.js';
import { PostgresNodeLock, shardMapText } from './adapters/postgres/postgres-node-lock.js';
import { canonicalId } from './protocol/liberal-values.js';
import { withPassword } from './adapters/postgres/connection-url.js';
import { SqliteNodeLock } from './adapters/sqlite/sqlite-node-lock.js';
import { LockWaitAbortedError, secondsOf, type NodeLock } from './ports/node-lock.js';
import { listenAsStandby, type StandbyResponder } from './http/standby-responder.js';
import { MemoryChatStore } from './adapters/memory/memory-chat-store.js';
import { OffsetClock } from './adapters/memory/offset-clock.js';
import { systemClock } from './adapters/memory/system-clock.js';
import { ANY_SHARD, type SwitchboardConfig } from './config/config-schema.js';
import { Catalog } from './core/catalog.js';
import { OrgShards } from './core/org-shards.js';
import { WRITER_EPOCH_KEY } from './adapters/sql/kysely-chat-store.js';
import { ChatEngine } from './core/chat-engine.js';
import { InjectTransport } from './bots/agent-transport.js';
import { originPolicy } from './http/cors.js';
import { answerOtherUpgradesAsPlainRequests } from './http/plain-upgrades.js';
import { DEFAULT_GREETING, EchoBot } from './bots/echo-bot.js';
import { isLoopback, RateLimiter } from './core/rate-limiter.js';
import { RetentionSweeper } from './core/retention-sweeper.js';
import { SessionReaper } from './core/session-reaper.js';
import { SessionRecovery } from './core/session-recovery.js';
import { VisitorPoller } from './core/visitor-poller.js';
import { SensitiveDataMasker } from './core/sensitive-data-masker.js';
import { VisitorBlocks } from './core/visitor-blocks.js';
import { QuickTextBook } from './core/quick-texts.js';
import { OfflineMessageBox } from './core/offline-messages.js';
import { Webhooks } from './core/webhooks/webhooks.js';
import { chatEndedPayload } from './core/webhooks/chat-ended-payload.js';
import { chatEndedFeed, offlineMessageFeed } from './core/webhooks/webhook-feeds.js';
import type { WebhookFeed } from './core/webhooks/webhook-sender.js';
import { fetchWebhookPoster } from './adapters/http-client/fetch-webhook-poster.js';
import websocket from '@fastify/websocket';
import { AgentStreamHub } from './core/agent-stream-hub.js';
import { EmulatorReset } from './core/emulator-reset.js';
import { EmulatorTime } from './core/emulator-time.js';
import { ChatViews } from './core/chat-views.js';
import { TokenService } from './core/identity/token-service.js';
import { StreamTickets } from './core/identity/stream-tickets.js';
import { UserDirectory, agentConfigOf } from './core/identity/user-directory.js';
import { PresenceMonitor } from './core/presence-monitor.js';
import { registerAgentRoutes } from './http/agent/agent-routes.js';
import { onStreamSocketError, registerAgentStreamRoutes } from './http/agent/agent-stream-routes.js';
import { registerOpenApiRoute } from './http/agent/openapi.js';
import { registerAnswerCompression } from './http/agent/answer-compression.js';
import { registerAgentRequestChecks } from './http/agent/agent-request-checks.js';
import { createHttpServer, installPollFastPath, type RawFront } from './http/create-http-server.js';
import { registerEmulatorRoutes } from './http/emulator/emulator-routes.js';
import { VisitorFaults } from './http/emulator/visitor-faults.js';
import { registerHealthRoutes } from './http/health-routes.js';
import { registerStaticRoutes } from './http/static-routes.js';
import { createMetrics, registerMetricsRoute } from './http/metrics.js';
import { metricsAccess } from './http/metrics-access.js';
import { LOG_REDACTION, REDACTED, redactConnectionUrl } from './http/log-redaction.js';
import { registerVisitorGate } from './http/visitor/visitor-gate.js';
import { registerFileUploadRoute } from './http/visitor/file-upload-route.js';
import { registerOfflineMessageRoutes } from './http/visitor/offline-message-routes.js';
import { UploadBudget } from './http/visitor/upload-budget.js';
import { visitorNouns } from './http/visitor/visitor-nouns.js';
import type { ChatStore, MigrationOutcome } from './ports/chat-store.js';
import type { Clock } from './ports/clock.js';

export interface Switchboard {
  app: FastifyInstance;
  engine: ChatEngine;
  store: ChatStore;
  bots: EchoBot[];
  users: UserDirectory;
  hub: AgentStreamHub;
  logger: Logger;
  /** Listens on the configured host/port; returns the base URL. */
  listen(): Promise<string>;
  /** Answers held polls, stops accepting, flushes the store; rejects when the final flush failed. */
  stop(): Promise<void>;
}

export interface CreateOptions {
  clock?: Clock;
  logger?: Logger;
  /** A store made by the caller (tests): no node lock is taken for it. */
  store?: ChatStore;
  /** The node must stop (another node took its store over); the CLI shuts down with exit code 1. */
  onFatal?: (reason: string) => void;
  /** Where the server's own logger writes (tests capture its lines); stdout by default. Ignored with `logger`. */
  logDestination?: DestinationStream;
  /** Sees each route of the server's own as it is registered (a test checks every one declares its response schema). */
  onRoute?: (route: RouteOptions) => void;
  /**
   * Gives up the wait for the node lock (SIGTERM to a standby, ADR 0048): createSwitchboard
   * then rejects with LockWaitAbortedError, having taken nothing.
   */
  signal?: AbortSignal;
  /** A standby (storage.standby) listens for probes while it waits: told its port (the CLI's --port-file). */
  onStandby?: (port: number) => void;
}

/** How often a standby says again, at info, that it still stands by. */
const STANDBY_REPORT_EVERY_MS = 5 * 60_000;

/**
 * Takes the node lock (ADR 0017). A standby (ADR 0048) waits for it as long as it
 * takes, answering probes on its port meanwhile (returned, for listen() to take over).
 */
async function takeNodeLock(config: SwitchboardConfig, lock: NodeLock, logger: Logger, opts: CreateOptions): Promise<StandbyResponder | null> {
  logger.debug('taking the node lock');
  const waitSeconds = config.storage.lockWaitSeconds;
  const started = Date.now();
  let waited = false;
  if (!config.storage.standby) {
    // A node that does not start for half a minute says why (a rolling deploy's old process is still stopping).
    await lock.acquire(waitSeconds * 1000, (waitedMs, where) => {
      const fields = { where, waitedSeconds: secondsOf(waitedMs), waitSeconds };
      if (!waited) logger.warn(fields, 'waiting for the node lock: another node is using this store (ADR 0017)');
      else logger.info(fields, 'waiting for the node lock: still taken');
      waited = true;
    }, opts.signal ? { signal: opts.signal } : {});
    if (waited) logger.info('node lock taken');
    else logger.debug('node lock taken');
    return null;
  }
  const responder = await listenAsStandby(config.server.host, config.server.port, originPolicy(config.server.allowedOrigins));
  logger.info({ url: responder.url }, `standing by: listening on ${responder.url} for /healthz and /readyz (503 standby) until this node holds the store`);
  opts.onStandby?.(responder.port);
  try {
    await lock.acquire(Infinity, (waitedMs, where) => {
      const fields = { where, waitedMinutes: Math.round(waitedMs / 60_000) };
      logger.info(fields, waited ? 'standing by: the active node still holds the store' : 'standing by: another node holds the store; this one takes it over when that one stops (ADR 0048)');
      waited = true;
    }, {
      reportEveryMs: STANDBY_REPORT_EVERY_MS,
      onAttemptFailed: (err) => logger.warn({ err }, 'standing by: could not ask for the node lock; trying again'),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    await responder.close();
    if (err instanceof LockWaitAbortedError) logger.info('stopped while standing by');
    throw err;
  }
  logger.info({ standingByMs: Date.now() - started }, waited ? 'node lock taken: taking the store over' : 'node lock taken (no other node held it)');
  return responder;
}

/**
 * The server's logger: pino JSON lines, with header-borne credentials censored
 * whoever logs a headers object (log-redaction.ts; URLs are redacted where they are logged).
 */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  const options = { level, base: undefined, redact: LOG_REDACTION };
  return destination ? pino(options, destination) : pino(options);
}

/** The lock that keeps a second node off this node's store (ADR 0017); none for the memory store. */
function nodeLockFor(config: SwitchboardConfig, logger: Logger, onFatal: (reason: string, message: string) => void): { lock: NodeLock; held: () => boolean; shard: () => string | null } | null {
  const s = config.storage;
  if (s.kind === 'memory') return null;
  if (s.kind === 'sqlite') return { lock: new SqliteNodeLock(config.server.dataDir), held: () => true, shard: () => null };
  // Cluster mode (ADR 0066): the shard's lock, or the first free one's for a node of any shard.
  const cluster = config.cluster;
  const shards = cluster ? (cluster.shard === ANY_SHARD ? cluster.shards.map((sh) => sh.id) : [cluster.shard]) : null;
  // One database per deployment (ADR 0017, note; a URL search_path is refused): advisory locks are per database.
  const lostExitSeconds = s.lockLostExitSeconds;
  const lock = new PostgresNodeLock(connectionUrl(config), 'public', {
    onLost: (err) => logger.error({ err, ...(lostExitSeconds > 0 ? { exitAfterSeconds: lostExitSeconds } : {}) }, 'node lock lost with its PostgreSQL connection: taking it again'),
    onRegained: () => logger.info('node lock taken again'),
    onTakenOver: () => onFatal('node lock taken over', 'another node took this store over while the node lock was lost: stopping'),
    // Lost this long, the node can only answer 500s: it closes, so that the standby or spare gets its traffic (ADR 0073).
    lostTooLongMs: lostExitSeconds * 1000,
    onLostTooLong: () => onFatal('node lock lost', `node lock lost for ${lostExitSeconds} s: exiting so that a standby or spare can serve; a service manager restarts this node, which then waits for the lock (storage.lockLostExitSeconds, ADR 0073)`),
  }, undefined, undefined, shards, cluster ? shardMapText(cluster.shards.map((sh) => ({ id: sh.id, orgs: sh.orgs.map(canonicalId) }))) : null);
  return { lock, held: () => lock.held, shard: () => lock.shard };
}

export async function openStore(config: SwitchboardConfig, logger?: Logger): Promise<ChatStore> {
  const s = config.storage;
  if (s.kind === 'memory') return new MemoryChatStore();
  if (s.kind === 'postgres') {
    return createPostgresChatStore({ url: connectionUrl(config), statementTimeoutMs: s.postgresStatementTimeoutSeconds * 1000, onConnectionError: (err) => logger?.warn({ err }, 'PostgreSQL connection lost: the pool opens a new one') });
  }
  return createSqliteChatStore({ dataDir: config.server.dataDir, synchronous: s.sqliteSynchronous, logger });
}

/**
 * The URL the PostgreSQL connections are made with: `storage.postgresUrl`, with
 * `storage.postgresPassword` put in when it is given apart (connection-url.ts says
 * why in the URL). Only pg sees it; logs are made from `storage.postgresUrl`.
 */
function connectionUrl(config: SwitchboardConfig): string {
  return withPassword(config.storage.postgresUrl!, config.storage.postgresPassword);
}

/**
 * What the log says of a PostgreSQL URL: where it points, and the URL without its
 * password. A password given apart is shown as given, never its value.
 */
function postgresTarget(url: string, separatePassword: boolean): { url: string; host?: string; port?: number; database?: string; user?: string; password?: string } {
  const shown = redactConnectionUrl(url);
  const password = separatePassword ? { password: `${REDACTED} (storage.postgresPassword)` } : {};
  try {
    const u = new URL(url);
    return { url: shown, host: u.hostname, port: Number(u.port || 5432), database: decodeURIComponent(u.pathname.slice(1)), user: decodeURIComponent(u.username), ...password };
  } catch {
    return { url: shown, ...password };
  }
}

/**
 * The secret that signs bearer tokens; kept in the store so tokens survive restarts and
 * failovers. Claimed, not overwritten: cluster nodes starting at once on a new store must all
 * sign with the one that was stored first, or a node's tokens fail after its failover.
 */
async function tokenSecret(store: ChatStore): Promise<Buffer> {
  const known = await store.getMeta('token_secret');
  if (known && /^[0-9a-f]{64}$/.test(known)) return Buffer.from(known, 'hex');
  const mine = randomBytes(32).toString('hex');
  if (known === null) return Buffer.from(await store.claimMeta('token_secret', mine), 'hex');
  // A malformed stored value (never written by us) is replaced, as before.
  await store.setMeta('token_secret', mine);
  return Buffer.from(mine, 'hex');
}

/**
 * The node's affinity token: 8 hex characters, kept in the store so it survives restarts
 * (and taken over with the store by a standby). `key` is a cluster shard's own (ADR 0066).
 */
async function nodeIdentity(store: ChatStore, key: string): Promise<string> {
  const known = await store.getMeta(key);
  if (known && /^[0-9a-f]{8}$/.test(known)) return known;
  const id = randomBytes(4).toString('hex');
  await store.setMeta(key, id);
  return id;
}

/**
 * The config with the shard this node holds: a node of any shard (`*`, ADR 0066) knows
 * which once it has the lock. Without one (a test's own store) it cannot serve.
 */
function withShard(config: SwitchboardConfig, held: string | null): SwitchboardConfig {
  const cluster = config.cluster;
  if (!cluster || cluster.shard !== ANY_SHARD) return config;
  if (held === null) throw new Error('cluster.shard "*" takes a free shard with the node lock, which this node did not take');
  return { ...config, cluster: { ...cluster, shard: held } };
}

/** True for a listen address only this machine reaches (127.0.0.0/8, ::1, localhost). */
function listensOnLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  return h.toLowerCase() === 'localhost' || isLoopback(h);
}

/** How long a stream socket has to answer the close frame at shutdown before it is cut. */
const STREAM_CLOSE_GRACE_MS = 1_000;

/**
 * How long open connections keep being served after SIGTERM, before idle ones are closed.
 * A request sent just before the signal may still sit unread in the socket; closing its
 * connection then would reset it (the client cannot tell whether it was applied). Each
 * answer in this window carries Connection: close, so busy connections end by themselves.
 */
const IN_FLIGHT_GRACE_MS = 250;

export async function createSwitchboard(config: SwitchboardConfig, opts: CreateOptions = {}): Promise<Switchboard> {
  const logger = opts.logger ?? createLogger(config.server.logLevel, opts.logDestination);
  const realClock = opts.clock ?? systemClock;
  // The first reason to stop is logged (fatal) and acted on; another that follows while the node stops is not.
  let fatal: string | null = null;
  const onFatal = (reason: string, message: string): void => {
    if (fatal !== null) return;
    fatal = reason;
    logger.fatal(message);
    opts.onFatal?.(reason);
  };
  const nodeLock = opts.store ? null : nodeLockFor(config, logger, onFatal);
  const standby = nodeLock ? await takeNodeLock(config, nodeLock.lock, logger, opts) : null;
  // Cluster mode (ADR 0066): everything below is built for this node's shard's orgs only (`served`);
  // the users' load alone reads the whole file, to leave other shards' users as they are.
  const shards = OrgShards.of(withShard(config, nodeLock?.shard() ?? null));
  const served = shards.scope(config);
  let store: ChatStore;
  let migrated: MigrationOutcome = { applied: [], before: 0 };
  try {
    store = opts.store ?? (await openStore(config, logger));
    migrated = await store.migrate();
    if (migrated.applied.length && migrated.before > 0) logger.info({ applied: migrated.applied, before: migrated.before }, 'store upgraded: migrations applied');
    else if (migrated.applied.length) logger.info({ migrations: migrated.applied.length }, 'store created');
    const durable = (store as Partial<SqliteStore>).durability?.();
    if (durable) logger.info({ dataDir: config.server.dataDir, ...durable }, 'SQLite store opened');
    const s = config.storage;
    if (!opts.store && s.kind === 'postgres') logger.info({ ...postgresTarget(s.postgresUrl!, s.postgresPassword !== undefined), schema: 'public', statementTimeoutMs: s.postgresStatementTimeoutSeconds * 1000 }, 'PostgreSQL store opened');
    // Before anything is read or written: from here on a node that takes this store over
    // fences this one's writes off (ADR 0048). Tests that bring their own store take no lock, and claim nothing.
    if (nodeLock && store.claimWriter) {
      const epoch = await store.claimWriter(() => onFatal('writes fenced off', 'another node took over this store: its writes are refused here (writer epoch, ADR 0048); stopping'), shards.scoped(WRITER_EPOCH_KEY));
      logger.info({ writerEpoch: epoch, ...(shards.shard === null ? {} : { shard: shards.shard }) }, 'writer epoch claimed');
    }
  } catch (err) {
    await standby?.close();
    await nodeLock?.lock.release();
    throw err;
  }
  // Emulator mode on the memory store runs on a clock that tests can move forward (ADR 0030);
  // every other server has the real clock itself, so nothing of it is on their paths.
  const adjustableClock = config.server.emulator && store.canWipe === true ? new OffsetClock(realClock) : null;
  const clock: Clock = adjustableClock ?? realClock;
  const nodeId = await nodeIdentity(store, shards.scoped('node_id'));
  if (shards.shard !== null) logger.info({ shard: shards.shard, orgs: served.orgs.map((o) => o.id) }, `cluster mode: serving shard ${shards.shard} (ADR 0066)`);
  const catalog = new Catalog(served, shards);
  // Before the first visitor request: a blocked address is refused from the start (ADR 0055).
  const blocks = new VisitorBlocks(store, clock, served.orgs);
  await blocks.load();
  const quickTexts = new QuickTextBook(store, clock, served.orgs, config.settings.maxMessageLength);
  await quickTexts.load();
  const engine = new ChatEngine({
    store, clock, catalog, settings: config.settings, nodeId, logger, realTime: realClock, fileTransfer: config.fileTransfer, publicUrl: config.server.publicUrl,
    sensitiveData: new SensitiveDataMasker(served.orgs), blocks,
  });

  // Signing in stays on real time whatever the emulator does to the clock: an advance must not
  // expire the credentials of the test that made it (ADR 0030).
  const users = new UserDirectory(store, new TokenService(await tokenSecret(store), realClock), realClock);
  const loaded = await users.load(config.orgs, shards);
  if (loaded.changedByConfig.length) logger.info({ users: loaded.changedByConfig }, 'users whose config entry changed since it was last stored: the config applies (a new password, role or org, or enabling them, signs them out)');
  // A store written before config users had records (an upgrade): their earlier tokens stop working once (ADR 0024).
  if (loaded.recordedFirst.length && migrated.before > 0 && migrated.applied.length > 0) logger.info({ users: loaded.recordedFirst }, 'config users stored for the first time: tokens issued to them before this start no longer work (they log in again)');
  if (loaded.removedFromConfig.length) logger.info({ users: loaded.removedFromConfig }, 'users removed from the config: their tokens and API keys are revoked');
  // Users created through the admin API live in the store, not the config: they route too.
  for (const u of users.all()) {
    const routed = engine.directory.get(u.id);
    if (!routed) engine.directory.register(u.orgId, agentConfigOf(u));
    // A config user changed through the admin API routes by its stored skills and capacity.
    else if (routed.id === u.id) engine.directory.applyUser(u);
    // Only a user created before ids were compared by their 15-character form can collide.
    else if (routed.id !== u.id) logger.error({ user: u.id, agent: routed.id }, 'user not routed: another agent has the same 15-character id');
  }
  const hub = new AgentStreamHub(engine, users, clock);
  for (const a of engine.directory.all()) hub.attachAgent(a.id);
  for (const u of catalog.allAgents()) if (u.config.password?.startsWith('plain:') && !served.orgs.some((o) => o.id === '00D000000000001' && o.agents.includes(u.config))) {
    logger.warn({ user: u.config.username }, 'plain-text password in config: use a scrypt hash outside demos');
  }

  await engine.start();

  const poller = new VisitorPoller(engine, store, clock, config.settings);
  const recovery = new SessionRecovery(engine, store);
  const reaper = new SessionReaper(engine, clock, config.settings);
  reaper.start();
  const presence = new PresenceMonitor(engine, hub, clock, config.settings.agentGraceSeconds * 1000);
  presence.start();
  const views = new ChatViews(engine, store);
  // Offline messages (ADR 0063); loopback is never limited, as for the visitor API's limits.
  const perOffline = config.settings.offlineMessagesPerMinutePerAddress;
  const offlineLimiter = perOffline > 0 ? new RateLimiter(clock, perOffline, perOffline) : undefined;
  const offlineMessages = new OfflineMessageBox({ store, clock, catalog, masker: engine.sensitiveData, blocks, limiter: offlineLimiter });
  offlineMessages.onCreated((orgId, message) => hub.announceOfflineMessage(orgId, message));
  // Read from the store after the commit queue, never on the message path (ADR 0065, ADR 0068).
  const webhooks = new Webhooks(served.orgs, {
    store, clock, realTime: realClock, poster: fetchWebhookPoster, logger,
    feeds: {
      'chat.ended': chatEndedFeed({ store, durable: () => engine.queue.commit(), payload: (chat) => chatEndedPayload(chat, { store, views, agentName: (id) => engine.directory.get(id)?.config.name ?? null }) }) as WebhookFeed<unknown>,
      'offline_message.created': offlineMessageFeed({ store, settled: () => offlineMessages.settled() }) as WebhookFeed<unknown>,
    },
  });
  webhooks.start();
  // Retention keeps the ended chats and offline messages a webhook has not delivered yet, however
  // old (ADR 0065, ADR 0068); a cluster node sweeps its shard's orgs only, whose webhooks it runs (ADR 0066).
  const retention = new RetentionSweeper(store, clock, {
    retentionDays: config.settings.retentionDays, blocks, undelivered: () => webhooks.undelivered(),
    undeliveredOfflineMessages: () => webhooks.undeliveredOfflineMessages(),
    ...(shards.shard === null ? {} : { orgs: served.orgs.map((o) => o.id) }),
  }, logger);
  retention.start();

  // Made here, not with its route: the metrics read how full it is.
  const uploadBudget = new UploadBudget(config.fileTransfer.maxBytesInFlight);
  const metrics = createMetrics(engine, poller, retention, uploadBudget, offlineMessages, webhooks, () => nodeLock?.held() ?? true);
  const rawFront: RawFront = { handle: null };
  const httpOptions = { logger, maxBodyBytes: config.settings.maxBodyBytes, metrics: metrics.visitor, trustProxy: config.server.trustProxy, rawFront, allowsOrigin: originPolicy(config.server.allowedOrigins) };
  const app = createHttpServer(httpOptions);
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
  let baseUrl = config.server.publicUrl ?? `http://${config.server.host}:${config.server.port}`;
  let stopping: Promise<void> | null = null;
  const perSessions = config.settings.newSessionsPerMinutePerAddress;
  const newSessionLimiter = perSessions > 0 ? new RateLimiter(clock, perSessions, perSessions) : undefined;
  const perCrumbs = config.settings.breadcrumbsPerMinutePerAddress;
  const breadcrumbLimiter = perCrumbs > 0 ? new RateLimiter(clock, perCrumbs, perCrumbs) : undefined;
  const loginLimiter = config.settings.failedLoginsPerAddress > 0 ? new RateLimiter(clock, config.settings.failedLoginsPerAddress, 1) : undefined;
  // As the login's: the allowance at once, then one more try a minute (ADR 0041).
  const perTokens = config.settings.failedMetricsTokensPerAddress;
  const metricsTokenLimiter = perTokens > 0 && config.server.metricsToken !== undefined ? new RateLimiter(clock, perTokens, 1) : undefined;
  const nouns = visitorNouns({ engine, poller, recovery });
  const faults = config.server.emulator ? new VisitorFaults(nouns) : undefined;
  // Loopback (the demo page, tests) is never limited, as for the visitor API's limits.
  const perUploads = config.settings.fileUploadsPerMinutePerAddress;
  const uploadLimiter = perUploads > 0 ? new RateLimiter(clock, perUploads, perUploads) : undefined;
  registerFileUploadRoute(app, { engine, store, limiter: uploadLimiter, budget: uploadBudget });
  registerOfflineMessageRoutes(app, offlineMessages, () => engine.settings.maxMessageLength);
  const gate = registerVisitorGate(app, { engine, recovery, nouns, metrics: metrics.visitor, baseUrl: () => baseUrl, stopping: () => stopping !== null, newSessionLimiter, breadcrumbLimiter, faults });
  installPollFastPath(rawFront, gate, httpOptions);
  await app.register(websocket, {
    options: { maxPayload: 64 * 1024 },
    // A client's protocol error is a warning without a stack, not an error (agent-stream-routes.ts).
    errorHandler: (err, socket, req) => onStreamSocketError(err, socket, req),
    // At shutdown every stream socket gets a close frame (1001: reconnect elsewhere or later).
    // One whose peer does not answer it within a second (a laptop gone to sleep) is cut:
    // ws would wait 30 s for it, and the server would miss its 10 s exit.
    preClose(done) {
      const sockets = app.websocketServer.clients;
      for (const socket of sockets) socket.close(1001, 'server shutting down');
      setTimeout(() => { for (const socket of sockets) socket.terminate(); }, STREAM_CLOSE_GRACE_MS).unref();
      done();
    },
  });
  // Once every plugin is loaded (the WebSocket plugin's upgrade listener is there by then): an
  // `Upgrade: h2c` offer (Java's HttpClient over http) is answered as a plain request.
  app.addHook('onReady', (done) => {
    answerOtherUpgradesAsPlainRequests(app.server);
    done();
  });
  const tickets = new StreamTickets(clock);
  // Before the agent routes, which so get these hooks (agent-request-checks.ts); the visitor routes above do not.
  registerAgentRequestChecks(app, users, engine.catalog.shard !== null);
  // After the visitor routes (above), which so get none of its hooks; only the agent routes ask for it (ADR 0057).
  await registerAnswerCompression(app);
  const specs = registerAgentRoutes(app, { engine, users, hub, views, store, quickTexts, tickets, loginLimiter, offlineMessages, webhooks });
  registerAgentStreamRoutes(app, engine, users, tickets, hub, config.settings.agentStreamPingSeconds * 1000);
  registerOpenApiRoute(app, specs);
  if (faults) {
    const limiters = [newSessionLimiter, breadcrumbLimiter, loginLimiter, metricsTokenLimiter, uploadLimiter, offlineLimiter].filter((l) => l !== undefined);
    const reset = new EmulatorReset({ engine, hub, store, clock: adjustableClock, alsoClear: [() => faults.clearAll(), () => tickets.clear(), ...limiters.map((l) => () => l.clear())] });
    const time = new EmulatorTime({ clock: adjustableClock, realTime: realClock, engine, reaper, storeKind: store.kind });
    registerEmulatorRoutes(app, { users, reset, faults, time, engine });
    logger.warn({ storage: store.kind, reset: store.canWipe === true, clock: adjustableClock !== null }, 'emulator mode is on: admins can reset every chat, inject failures into the visitor API and move the clock forward (/emulator/v1, docs/emulator.md); never turn it on in production');
  }
  registerHealthRoutes(app, store, {
    writesFailing: () => engine.queue.failing,
    lockHeld: () => nodeLock?.held() ?? true,
    checkpointsStopped: () => (store as Partial<SqliteStore>).checkpointsStopped?.() ?? false,
    timeoutMs: config.storage.readyTimeoutSeconds * 1000,
    clock,
    commitWaits: () => engine.queue.waits(),
    writeStuckMs: config.storage.writeStuckSeconds * 1000,
  });
  // server.metrics: false leaves no route at all: /metrics answers 404 as any unknown path.
  const { metricsToken } = config.server;
  if (config.server.metrics) registerMetricsRoute(app, metrics.registry, metricsToken === undefined ? undefined : metricsAccess(metricsToken, metricsTokenLimiter));
  const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
  registerStaticRoutes(app, { widgetDir: join(repoRoot, 'widget', 'dist'), consoleDir: join(repoRoot, 'console', 'dist'), demoDir: join(repoRoot, 'demo') });

  // While stopping, every answer closes its connection (the raw front adds Connection:
  // close; so do the gate, for app.inject, and fastify once it is closing), and stop()
  // sweeps idle keep-alive sockets after a short grace, so none holds the process past
  // SIGTERM's deadline. (Not an onSend hook: that costs every response.)

  // Bots are clients of the public agent API, started before the server listens
  // so the demo button is available from the first request.
  await app.ready();
  const bots = catalog.allAgents().filter((a) => a.config.bot === 'echo')
    .map((a) => new EchoBot(new InjectTransport(app, users.serviceToken(a.config.id)), a.config.id, a.config.greeting ?? DEFAULT_GREETING, logger));
  for (const bot of bots) await bot.start();

  return {
    app, engine, store, bots, logger, users, hub,
    async listen() {
      // A standby's port passes to the server proper: closed just before, so a client sees a
      // refused or cut connection for a moment at most, and tries again (ADR 0048).
      await standby?.close();
      const address = await app.listen({
        host: config.server.host,
        port: standby?.port ?? config.server.port,
        listenTextResolver: (addr) => `listening on ${addr}`,
      });
      if (!config.server.publicUrl) baseUrl = address;
      // Said once, at info: behind a proxy that blocks /metrics (README) this is expected, not a fault.
      if (config.server.metrics && metricsToken === undefined && !listensOnLoopback(config.server.host)) {
        logger.info({ host: config.server.host }, 'metrics are served without a token on a non-loopback address: anyone who reaches the port can read them (set server.metricsToken, or block /metrics at your proxy)');
      }
      return address;
    },
    stop() {
      stopping ??= (async () => {
        // (`stopping` is set before this body runs its first line: the polls answered
        // just below already carry Connection: close.)
        await Promise.resolve();
        // From now on every answer closes its connection, and no new connection is taken; the
        // open ones are still served for a moment (IN_FLIGHT_GRACE_MS). net's close, not http's:
        // http's would also drop every connection that looks idle now, among them one whose
        // request is already in its socket, unread. (fastify's app.close() below closes again:
        // it takes "not running" as done.)
        rawFront.closing = true;
        const drained = app.server.listening ? once(app.server, 'close') : Promise.resolve();
        if (app.server.listening) NetServer.prototype.close.call(app.server);
        const served = new Promise<void>((resolve) => { setTimeout(resolve, IN_FLIGHT_GRACE_MS).unref(); });
        // Senders stop at once: a POST under way is abandoned, and sent again after a restart (at-least-once).
        const webhooksStopped = webhooks.stop();
        reaper.stop();
        presence.stop();
        engine.dispatcher.stop();
        // Held polls are answered first: nothing below (a retention batch on a slow
        // database) may keep them waiting.
        poller.shutdown();
        // The bots stop before the server closes: a bot's request after app.close() is refused
        // (fastify: "already been closed", a warning per queued answer). What they still owe
        // stays in the transcripts, for the next start's catch-up (echo-bot.ts).
        await Promise.all(bots.map((bot) => bot.stop()));
        await retention.stop();
        await webhooksStopped;
        // Ends early once every connection has closed (the net server's 'close').
        await Promise.race([served, drained]);
        const closing = app.close();
        // Polls answered just now may still be flushing; then drop whatever is idle or stuck.
        const sweep = setTimeout(() => app.server.closeIdleConnections(), 200);
        const hard = setTimeout(() => app.server.closeAllConnections(), 3000);
        await closing;
        clearTimeout(sweep);
        clearTimeout(hard);
        // A final flush the store refused still closes the store and frees the lock,
        // then fails the stop: the CLI exits 1, not 0, when changes were lost.
        // Not logged here: the caller logs the rejection (the CLI's "shutdown failed"), once.
        let lost: unknown = null;
        await engine.queue.drain().catch((err: unknown) => {
          lost = err;
        });
        await store.close();
        await standby?.close();
        await nodeLock?.lock.release();
        if (lost !== null) throw lost;
      })();
      return stopping;
    },
  };
}
