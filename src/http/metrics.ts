/**
 * Prometheus metrics at /metrics. Counters are cheap increments on the hot path (or
 * catch up with a count the engine keeps, when scraped);
 * gauges are read from the engine when scraped, so nothing updates them per request.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ChatEngine } from '../core/chat-engine.js';
import type { OfflineMessageBox } from '../core/offline-messages.js';
import type { RetentionSweeper } from '../core/retention-sweeper.js';
import type { VisitorPoller } from '../core/visitor-poller.js';
import type { Webhooks } from '../core/webhooks/webhooks.js';
import { END_REASONS } from '../protocol/end-reasons.js';
import type { UploadBudget } from './visitor/upload-budget.js';
import type { MetricsAccess } from './metrics-access.js';

export interface VisitorMetrics {
  requestStarted(noun: string): void;
  retriedSequence(): void;
  /** An error answer to a client; never called for the in-process bot's own inject requests. */
  errorAnswered(status: number): void;
}

/**
 * The server's metrics. `lockHeld` says whether the node holds its node lock now (ADR 0017;
 * a PostgreSQL node can lose it, ADR 0073): `switchboard_cluster_shard` is 0 while it does not.
 */
export function createMetrics(engine: ChatEngine, poller: VisitorPoller, retention?: RetentionSweeper, uploadBudget?: UploadBudget, offlineMessages?: OfflineMessageBox, webhooks?: Webhooks, lockHeld: () => boolean = () => true): { registry: Registry; visitor: VisitorMetrics } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'switchboard_visitor_requests_total', help: 'Visitor API requests by noun', labelNames: ['noun'], registers: [registry] });
  const retries = new Counter({ name: 'switchboard_visitor_sequence_retries_total', help: 'POSTs recognised as retries by X-LIVEAGENT-SEQUENCE', registers: [registry] });
  const errors = new Counter({ name: 'switchboard_http_errors_total', help: 'Error answers by status', labelNames: ['status'], registers: [registry] });
  new Gauge({ name: 'switchboard_held_polls', help: 'Messages long polls being held', registers: [registry], collect() { this.set(poller.heldCount); } });
  // Cluster mode (ADR 0066): which shard a node serves, for dashboards that group nodes by it (a standby that took one over included).
  // Read when scraped: a node that lost its shard's lock (the database out of its reach) serves it no more, and
  // says 0 while the spare that took the shard says 1 (ADR 0073).
  const shard = engine.catalog.shard;
  if (shard !== null) new Gauge({ name: 'switchboard_cluster_shard', help: 'Cluster mode: 1, labelled with the shard this node serves (cluster.shard); 0 while it has lost the shard\'s node lock (another node may serve the shard)', labelNames: ['shard'], registers: [registry], collect() { this.set({ shard }, lockHeld() ? 1 : 0); } });
  new Gauge({ name: 'switchboard_open_sessions', help: 'Visitor sessions in memory', registers: [registry], collect() { this.set(engine.sessions.size); } });
  // Counted where they happen, with no hook on the hot path: each of these counters
  // catches up with its source when scraped (they only ever grow, so it is still a counter).
  const countedAt = (name: string, help: string, read: () => number) => {
    let exported = 0;
    new Counter({ name, help, registers: [registry], collect() {
      const now = read();
      if (now > exported) this.inc(now - exported);
      exported = now;
    } });
  };
  countedAt('switchboard_commit_batches_total', 'Group commits written', () => engine.queue.batches);
  countedAt('switchboard_store_write_failures_total', 'Group commits the store refused (each is written again after a back-off)', () => engine.queue.failures);
  countedAt('switchboard_flags_raised_total', 'Flags agents raised for a supervisor\'s help (ADR 0056; a new message on a raised flag is not counted)', () => engine.flags.raised);
  countedAt('switchboard_retention_deleted_chats_total', 'Closed visitor sessions deleted by retention: ended chats, and sessions that never started one', () => retention?.purged.sessions ?? 0);
  // Per webhook by its config name (few, fixed by the operator): catches up with the senders' counts when scraped.
  const exportedDeliveries = new Map<string, number>();
  new Counter({ name: 'switchboard_webhook_deliveries_total', help: 'Webhook POST attempts by webhook (orgs[].webhooks[].name), its org, event (chat.ended, offline_message.created) and outcome: delivered (2xx), failed (any other answer, a network error, a timeout; tried again) or skipped (an admin passed over the item: not sent)', labelNames: ['org', 'webhook', 'event', 'outcome'], registers: [registry], collect() {
    for (const [k, c] of webhooks?.counts ?? []) {
      const before = exportedDeliveries.get(k) ?? 0;
      if (c.count > before) this.inc({ org: c.org, webhook: c.webhook, event: c.event, outcome: c.outcome }, c.count - before);
      exportedDeliveries.set(k, c.count);
    }
  } });
  // What to alert on: a receiver down holds back every item after the one it fails (ADR 0065); per event, each has its own place (ADR 0068).
  new Gauge({ name: 'switchboard_webhook_failing_seconds', help: 'How long a webhook\'s event has been failing: seconds since the first failed attempt of its current streak; 0 while it delivers', labelNames: ['org', 'webhook', 'event'], registers: [registry], collect() {
    const now = engine.clock.now();
    for (const s of webhooks?.streaks() ?? []) this.set({ org: s.org, webhook: s.webhook, event: s.event }, s.failingSince === null ? 0 : Math.max(0, (now - s.failingSince) / 1000));
  } });
  // What a support team's dashboard is made of (what chats came to): labelled by org and button, ids the
  // config fixes (few, whatever the traffic), and by outcome or endReason, fixed sets.
  const requested = new Counter({ name: 'switchboard_chat_requests_total', help: 'Chat requests by org, button and outcome: queued (for an agent), or refused: unavailable (nobody could take it), outside_hours, queue_full, blocked', labelNames: ['org', 'button', 'outcome'], registers: [registry] });
  const waited = new Histogram({ name: 'switchboard_chat_wait_seconds', help: 'How long visitors waited for an agent: from the request to the first agent taking the chat, by org and button', labelNames: ['org', 'button'], buckets: [5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1200, 1800], registers: [registry] });
  const ended = new Counter({ name: 'switchboard_chats_ended_total', help: `Chats that ended, by org, button, reason (the chat's endReason: ${END_REASONS.join(', ')}) and answered (whether an agent ever took it: "false" with client or clientTimeout is a visitor who gave up waiting)`, labelNames: ['org', 'button', 'reason', 'answered'], registers: [registry] });
  const talked = new Histogram({ name: 'switchboard_chat_duration_seconds', help: 'How long answered chats lasted: from the first agent taking the chat to its end, by org and button', labelNames: ['org', 'button'], buckets: [30, 60, 120, 180, 300, 600, 900, 1200, 1800, 2700, 3600, 7200], registers: [registry] });
  engine.outcomes.listen({
    requested: (at, outcome) => requested.inc({ org: at.org, button: at.button, outcome }),
    answered: (at, waitMs) => waited.observe({ org: at.org, button: at.button }, waitMs / 1000),
    ended: (at, reason, talkMs) => {
      ended.inc({ org: at.org, button: at.button, reason, answered: String(talkMs !== null) });
      if (talkMs !== null) talked.observe({ org: at.org, button: at.button }, talkMs / 1000);
    },
  });
  new Gauge({ name: 'switchboard_queue_length', help: 'Chats waiting in a button\'s line for an agent now (those that hold a place, as queue positions count them: transfers to the button included; not transfers to one agent, not requests for one named agent), by org and button', labelNames: ['org', 'button'], registers: [registry], collect() {
    for (const b of engine.catalog.allButtons()) this.set({ org: b.orgId, button: b.config.id }, engine.router.inLine(b.config.id).length);
  } });
  // Labels take fixed values only (never an id), so the series stay few whatever the traffic.
  new Gauge({ name: 'switchboard_agents_online', help: 'Agents online, by kind: bot (a built-in bot, config `bot`) or person', labelNames: ['kind'], registers: [registry], collect() {
    const online = { bot: 0, person: 0 };
    for (const a of engine.directory.all()) if (a.presence === 'online') online[a.config.bot === undefined ? 'person' : 'bot'] += 1;
    for (const [kind, n] of Object.entries(online)) this.set({ kind }, n);
  } });
  new Gauge({ name: 'switchboard_chats', help: 'Chats not ended, by state: waiting (in a queue), offered (to an agent), established', labelNames: ['state'], registers: [registry], collect() {
    const chats = { waiting: 0, offered: 0, established: 0 };
    for (const s of engine.sessions.values()) {
      const st = s.record.chatState;
      if (st === 'waiting' || st === 'offered' || st === 'established') chats[st] += 1;
    }
    for (const [state, n] of Object.entries(chats)) this.set({ state }, n);
  } });
  const delivery = new Histogram({
    name: 'switchboard_delivery_seconds',
    help: 'From an event being appended to the poll answer that carries it (oldest event of each payload; includes the group commit, and any time no poll was waiting)',
    buckets: [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 1, 5, 30],
    registers: [registry],
  });
  poller.onDelivered = (ms) => delivery.observe(ms / 1000);
  const uploads = new Counter({ name: 'switchboard_file_uploads_total', help: 'Files visitors uploaded (durable: each answered 200 once)', registers: [registry] });
  const uploadedBytes = new Counter({ name: 'switchboard_file_upload_bytes_total', help: 'Bytes of the files visitors uploaded', registers: [registry] });
  engine.files.onUploaded((size) => {
    uploads.inc();
    uploadedBytes.inc(size);
  });
  // Sensitive data rules (ADR 0052): how many matches each rule masked. The label is the rule's
  // name from the config file (a bounded set); the masked text is never seen here.
  const masked = new Counter({ name: 'switchboard_sensitive_data_masked_total', help: 'Matches of sensitive data rules masked in chat text before it was stored, by rule name (orgs[].sensitiveDataRules[].name)', labelNames: ['rule'], registers: [registry] });
  engine.sensitiveData.onMasked((rule, matches) => masked.inc({ rule }, matches));
  // Visitor blocks (ADR 0055): chat requests refused, by the block that refused them. The label is
  // the block's id (config-<n>, or a stored block's): as many as admins and agents made, never an address.
  const blocked = new Counter({ name: 'switchboard_chat_requests_blocked_total', help: 'Chat requests (ChasitorInit) refused because the visitor\'s address is blocked, by where the block is defined (config or stored): an id would make a series per block', labelNames: ['source'], registers: [registry] });
  engine.blocks.onRefused((block) => blocked.inc({ source: block.source }));
  // Offline messages (ADR 0063), by what became of each visitor's POST: a fixed label set.
  const offline = new Counter({ name: 'switchboard_offline_messages_total', help: 'Offline messages visitors sent (POST /widget/v1/offline-messages), by outcome: accepted (stored), refused (an invalid body, an unknown button, one that takes none, a blocked address) or limited (settings.offlineMessagesPerMinutePerAddress)', labelNames: ['outcome'], registers: [registry] });
  for (const outcome of ['accepted', 'refused', 'limited']) offline.inc({ outcome }, 0);
  offlineMessages?.onOutcome((outcome) => offline.inc({ outcome }));
  // How full fileTransfer.maxBytesInFlight is: near the limit, uploads get 503 UPLOADS_BUSY.
  new Gauge({ name: 'switchboard_file_upload_bytes_in_flight', help: 'Bytes of uploads held in memory now (read, not yet written; bounded by fileTransfer.maxBytesInFlight)', registers: [registry], collect() { this.set(uploadBudget?.inFlight ?? 0); } });
  const known = new Set(['SessionId', 'ChasitorInit', 'Messages', 'ChatMessage', 'ChasitorTyping', 'ChasitorNotTyping', 'ChasitorSneakPeek', 'CustomEvent', 'ChatEnd', 'MultiNoun', 'ResyncSession', 'ChasitorResyncState', 'ReconnectSession', 'Availability', 'Settings', 'Breadcrumb', 'VisitorId']);
  // The gate matches nouns in any case (clients spell them `system/sessionid` too): so does the label.
  const byLowerCase = new Map([...known].map((n) => [n.toLowerCase(), n]));
  const children = new Map<string, { inc(): void }>();
  return {
    registry,
    visitor: {
      // Unknown nouns share one label so a scanner cannot blow up the label set.
      requestStarted: (noun) => {
        const key = known.has(noun) ? noun : byLowerCase.get(noun.toLowerCase()) ?? 'other';
        let child = children.get(key);
        if (!child) children.set(key, (child = requests.labels(key)));
        child.inc();
      },
      retriedSequence: () => retries.inc(),
      errorAnswered: (status) => errors.inc({ status: String(status) }),
    },
  };
}

/**
 * GET (and HEAD) /metrics. With `access` (server.metricsToken set) a request
 * without the token gets the catalogue's 401 (or 429) before anything is collected.
 */
export function registerMetricsRoute(app: FastifyInstance, registry: Registry, access?: MetricsAccess): void {
  app.get('/metrics', async (req, reply) => {
    access?.(req.headers.authorization, req.ip);
    const text = await registry.metrics();
    void reply.type(registry.contentType).send(text);
  });
}
