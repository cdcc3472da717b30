/**
 * The agent API, /agent/v1: auth, presence, offers and chat actions,
 * supervisor and admin operations. Every route is declared once in ROUTES-style
 * calls to `route()`, which registers it with fastify (TypeBox schemas validate
 * input) and records it for the OpenAPI document.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import type { AgentStreamHub } from '../../core/agent-stream-hub.js';
import type { ChatEngine } from '../../core/chat-engine.js';
import { chatHistory } from '../../core/chat-history.js';
import { searchChats } from '../../core/chat-search.js';
import type { StreamTickets } from '../../core/identity/stream-tickets.js';
import { waitingSince, type ChatViews } from '../../core/chat-views.js';
import { clientKey, isLoopback, type RateLimiter } from '../../core/rate-limiter.js';
import { queueDisplayName, queueLabel } from '../../core/routing/dispatcher.js';
import { transferTargets } from '../../core/routing/transfer-targets.js';
import { transfersInProgress } from '../../core/routing/transfers-in-progress.js';
import type { QuickTextBook } from '../../core/quick-texts.js';
import { eraseVisitor } from '../../core/visitor-erasure.js';
import type { ChatStore } from '../../ports/chat-store.js';
import { agentConfigOf, roleAtLeast, toPublic, type Principal, type Role, type UserDirectory } from '../../core/identity/user-directory.js';
import { replaceNul } from '../../protocol/client-json.js';
import { loginName } from '../../protocol/display-names.js';
import { fail, SwitchboardError } from '../../protocol/errors.js';
import * as T from '../../protocol/agent-api-types.js';
import { authenticate, chatFor, credentialOf } from './agent-access.js';
import { CHAT_ACTIONS } from './chat-actions.js';
import { registerBlockRoutes } from './block-routes.js';
import { registerFileRoutes } from './file-routes.js';
import { registerQuickTextRoutes } from './quick-text-routes.js';
import { registerOfflineMessageAgentRoutes } from './offline-message-routes.js';
import type { OfflineMessageBox } from '../../core/offline-messages.js';
import { WebhookNameParams, WebhookReplayRequest, WebhookSkipRequest, WebhookStatus, WebhookStatuses } from '../../protocol/webhook-types.js';
import type { AdminMove, Webhooks } from '../../core/webhooks/webhooks.js';
import { AGENT_COMPRESSION, STREAMED_AGENT_COMPRESSION, settleAcceptEncoding, varyOnAcceptEncoding } from './answer-compression.js';
import { requestOrigin } from '../request-origin.js';

export interface AgentRouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  summary: string;
  /** Role needed; null for unauthenticated routes (login, refresh). */
  role: Role | null;
  body?: TSchema;
  params?: TSchema;
  /** Query parameters (fastify validates them; the OpenAPI document lists them). */
  querystring?: TSchema;
  /** The 200 answer: the OpenAPI document shows it and fastify serializes with it (fields it lacks are not sent). */
  response: TSchema;
  /** The schema of each line, for a route that can also answer JSON Lines (application/x-ndjson). */
  jsonLines?: TSchema;
  /**
   * Error statuses the handler answers beyond those its role, path parameters and
   * method imply (openapi.ts), with what they mean here.
   */
  errors?: Record<number, string>;
}

export interface AgentRouteDeps {
  engine: ChatEngine;
  users: UserDirectory;
  hub: AgentStreamHub;
  views: ChatViews;
  store: ChatStore;
  /** Quick texts: the config file's and stored ones (ADR 0059), loaded. */
  quickTexts: QuickTextBook;
  /** Single-use tickets for the stream's URL (POST /stream-ticket). */
  tickets: StreamTickets;
  /** Messages visitors left while no one could chat (ADR 0063). */
  offlineMessages: OfflineMessageBox;
  /** Throttles password guessing per user name and address (settings.failedLoginsPerAddress); none when off. */
  loginLimiter?: RateLimiter | undefined;
  /** The orgs' webhooks (ADR 0065); none: every org has none. */
  webhooks?: Webhooks | undefined;
}

export type Handler = (req: FastifyRequest, p: Principal, reply: FastifyReply) => Promise<unknown> | unknown;
/** Declares one agent route (registerAgentRoutes' `route`). */
export type RouteAdder = (spec: AgentRouteSpec, handler: Handler) => void;

/** Password checks one non-loopback address may have running at once. */
const LOGINS_IN_FLIGHT_PER_ADDRESS = 4;

export function registerAgentRoutes(app: FastifyInstance, deps: AgentRouteDeps): AgentRouteSpec[] {
  const { engine, users, hub, views, store } = deps;
  const specs: AgentRouteSpec[] = [];
  const route: RouteAdder = (spec, handler) => {
    specs.push(spec);
    app.route({
      method: spec.method,
      url: spec.url,
      // The response schema is also fastify's serializer (fast-json-stringify): a field it does not
      // declare is not sent, so the document cannot promise less than the route answers. A streamed
      // answer (the JSON Lines export) is not serialized.
      schema: {
        ...(spec.body ? { body: spec.body } : {}), ...(spec.params ? { params: spec.params } : {}), ...(spec.querystring ? { querystring: spec.querystring } : {}),
        response: { 200: spec.response },
      },
      // Answers over a kilobyte go out compressed when the client takes br or gzip (answer-compression.ts).
      compress: spec.jsonLines ? STREAMED_AGENT_COMPRESSION : AGENT_COMPRESSION,
      // An empty POST to a route whose body fields are all optional (decline, end) is `{}`, as
      // the same command on the stream socket is: not 400 "body must be object".
      ...(spec.body && !(spec.body as { required?: unknown[] }).required?.length
        ? { preValidation: (req: FastifyRequest, _reply: unknown, done: () => void) => { req.body ??= {}; done(); } }
        : {}),
      handler: async (req, reply) => {
        // Tokens, chats and transcripts: nothing of the agent API is for a shared cache.
        void reply.header('Cache-Control', 'no-store');
        varyOnAcceptEncoding(reply);
        settleAcceptEncoding(req);
        // A NUL in a path or query parameter (sent as %00) is U+FFFD, as in a body (ADR 0035):
        // a lookup for it finds what was stored for it, and PostgreSQL, which refuses NUL in
        // any text it is sent, answered a search or a chat id holding one with a 500.
        if (req.url.includes('%00')) {
          replaceNul(req.params);
          replaceNul(req.query);
        }
        const p = spec.role ? authenticate(users, req, spec.role) : (null as unknown as Principal);
        // Returned for fastify to send, not sent here: fastify would take an async handler that
        // resolves with nothing before a streamed answer (the JSON Lines export) has started
        // writing for one that sent nothing, and answer an empty body.
        return (await handler(req, p, reply)) ?? { ok: true };
      },
    });
  };
  const body = <S>(req: FastifyRequest) => req.body as S;
  const chatId = (req: FastifyRequest) => (req.params as { chatId: string }).chatId;
  const commit = async (v: unknown = { ok: true }) => { await engine.queue.commit(); return v; };
  /** The server's limits, with every login, refresh and /me (AgentLimits). */
  const limits = (): T.AgentLimits => ({ maxMessageLength: engine.settings.maxMessageLength });
  const withLimits = <P extends object>(pair: P) => ({ ...pair, limits: limits() });

  // ---- identity ----
  /** Password checks running per non-loopback address (see the login route). */
  const loginsInFlight = new Map<string, number>();
  route({ method: 'POST', url: '/agent/v1/auth/login', summary: 'Log in with username and password', role: null, body: T.LoginRequest, response: T.TokenPair,
    errors: { 401: 'Wrong username or password', 429: 'Too many failed logins from this address (Retry-After)' } },
    async (req) => {
      const b = body<{ username: string; password: string }>(req);
      const limiter = deps.loginLimiter && !isLoopback(req.ip) ? deps.loginLimiter : undefined;
      if (!limiter) return withLimits(await users.login(b.username, b.password));
      // Every attempt takes its token before the password is checked and gets it back
      // if the password was right: attempts sent all at once cannot all slip past a
      // limit that is charged only after each check.
      const key = `${clientKey(req.ip)}|${loginName(b.username)}`;
      const waitMs = limiter.take(key);
      if (waitMs) throw new SwitchboardError('RATE_LIMITED', 'too many wrong passwords for this user from this address', Math.ceil(waitMs / 1000));
      // A password check is ~50 ms of a libuv thread (scrypt): one address gets a few at a
      // time, so a burst from it cannot stall everybody else's logins.
      const inFlight = loginsInFlight.get(req.ip) ?? 0;
      if (inFlight >= LOGINS_IN_FLIGHT_PER_ADDRESS) {
        limiter.refund(key);
        throw new SwitchboardError('RATE_LIMITED', 'too many logins in progress from this address', 1);
      }
      loginsInFlight.set(req.ip, inFlight + 1);
      try {
        const pair = await users.login(b.username, b.password);
        limiter.refund(key);
        return withLimits(pair);
      } finally {
        const n = (loginsInFlight.get(req.ip) ?? 1) - 1;
        if (n > 0) loginsInFlight.set(req.ip, n);
        else loginsInFlight.delete(req.ip);
      }
    });
  route({ method: 'POST', url: '/agent/v1/auth/refresh', summary: 'Exchange a refresh token for a new token pair', role: null, body: T.RefreshRequest, response: T.TokenPair,
    errors: { 401: 'Refresh token invalid or expired' } },
    async (req) => {
      const { refreshToken } = body<{ refreshToken: string }>(req);
      // A person another shard made since this node started is looked up, to be sent there (421).
      if (users.mayBeOtherShards(refreshToken, 'refresh')) await users.learnOtherShards();
      return withLimits(users.refresh(refreshToken));
    });
  route({ method: 'POST', url: '/agent/v1/auth/logout', summary: 'Revoke every token of the current user', role: 'agent', response: T.Ok },
    async (_req, p) => {
      // Logged out everywhere is offline: no chat is offered to a user nobody can act for. Chats
      // it holds keep the grace period, as after a dropped connection (logging in again keeps them).
      if (engine.directory.get(p.userId)) engine.agentActions.setPresence(p.userId, 'offline');
      await users.logout(p.userId);
      return commit({ ok: true });
    });
  route({ method: 'POST', url: '/agent/v1/stream-ticket', summary: 'A single-use ticket (30 s) to open the stream with ?ticket= instead of a credential in the URL', role: 'agent', response: T.StreamTicket,
    errors: { 429: 'The user (40 in 30 s) or the server holds too many tickets (Retry-After)' } },
    // The ticket stands for the credential that asked for it: the stream checks its commands against that one.
    (req, p) => deps.tickets.issue(p.userId, credentialOf(req)!));
  route({ method: 'GET', url: '/agent/v1/me', summary: 'The current user, and the server\'s limits', role: 'agent', response: T.Me },
    (_req, p) => ({ ...toPublic(users.get(p.userId)!), limits: limits() }));

  // ---- presence ----
  route({ method: 'PUT', url: '/agent/v1/presence', summary: 'Set presence (online, away, offline) and optionally capacity', role: 'agent', body: T.PresenceRequest, response: T.PresenceState,
    errors: { 404: 'The user is not an agent' } },
    (req, p) => {
      const b = body<T.PresenceRequest>(req);
      const a = engine.directory.get(p.userId) ?? fail('NOT_FOUND', 'user is not an agent');
      if (b.capacity !== undefined) a.capacity = b.capacity;
      hub.heartbeat(p.userId);
      if (b.status === 'offline') engine.agentActions.agentDisconnected(p.userId);
      else engine.agentActions.setPresence(p.userId, b.status);
      return commit({ status: a.presence, capacity: a.capacity, load: engine.directory.load(a) });
    });
  route({ method: 'POST', url: '/agent/v1/heartbeat', summary: 'Keep presence alive without a stream connection', role: 'agent', response: T.Ok },
    (_req, p) => { hub.heartbeat(p.userId); return { ok: true }; });

  // ---- chats ----
  route({ method: 'GET', url: '/agent/v1/chats', summary: 'Chats routed to me and conferences I am in (supervisors: every chat of the org whose visitor session is open)', role: 'agent', response: Type.Array(T.ChatSummary) },
    (_req, p) => {
      const all = roleAtLeast(p.role, 'supervisor');
      return [...engine.sessions.values()]
        .filter((s) => s.record.request?.orgId === p.orgId && (all || s.record.agentId === p.userId || s.record.participants?.includes(p.userId) === true) && s.record.chatState !== 'none')
        .map((s) => views.summary(s.record));
    });
  route({ method: 'GET', url: '/agent/v1/chats/history', summary: 'My past chats: the ended chats I held at some point (also those I transferred away), newest first, a page at a time', role: 'agent',
    querystring: T.ChatHistoryQuery, response: T.ChatHistoryPage,
    errors: { 400: 'A query parameter out of range, malformed or unknown (`limit` 1 to 200, a `cursor` this server did not give, any `agentId`: the history is always the caller\'s): the text names it' } },
    (req, p) => chatHistory(engine, store, views, p.orgId, p.userId, req.query as T.ChatHistoryQuery, req.query as Record<string, unknown>));
  registerQuickTextRoutes(route, deps.quickTexts, users);
  route({ method: 'GET', url: '/agent/v1/admin/webhooks', summary: 'The org\'s webhooks (config orgs[].webhooks, ADR 0065) and where each stands: last delivery, a failing streak, the next attempt', role: 'admin', response: WebhookStatuses },
    async (_req, p) => (await deps.webhooks?.statuses(p.orgId)) ?? []);
  const webhookNamed = (req: { params: unknown }) => (req.params as WebhookNameParams).name;
  route({ method: 'POST', url: '/agent/v1/admin/webhooks/:name/replay', summary: 'Send again the org\'s stored chats that ended (offline messages left) since a time, in order (a receiver that lost what it had, or a new one to fill); `event` moves one event only', role: 'admin',
    params: WebhookNameParams, body: WebhookReplayRequest, response: WebhookStatus,
    errors: { 400: 'BODY_INVALID: `since` in the future', 404: 'No such webhook in this organization', 409: '`since` after where the webhook stands (what came between is not delivered yet; nothing moved), or an `event` the webhook is not told of' } },
    (req, p) => (deps.webhooks ?? fail('NOT_FOUND', `webhook ${webhookNamed(req)}`)).move(p.orgId, webhookNamed(req), { kind: 'replay', since: (req.body as WebhookReplayRequest).since, event: (req.body as WebhookReplayRequest).event }, p.userId));
  route({ method: 'POST', url: '/agent/v1/admin/webhooks/:name/skip', summary: 'Pass over the next chat (`chatId`) or offline message (`offlineMessageId`) of a webhook, one its receiver keeps refusing: it is not sent, those after it follow', role: 'admin',
    params: WebhookNameParams, body: WebhookSkipRequest, response: WebhookStatus,
    errors: { 400: 'BODY_INVALID: neither or both of chatId and offlineMessageId', 404: 'No such webhook in this organization', 409: 'It is not the next one the webhook would send (delivered meanwhile, or another is next), the webhook is disabled, or not told of that event' } },
    (req, p) => (deps.webhooks ?? fail('NOT_FOUND', `webhook ${webhookNamed(req)}`)).move(p.orgId, webhookNamed(req), skipOf(req.body as WebhookSkipRequest), p.userId));
  route({ method: 'GET', url: '/agent/v1/transfer-targets', summary: 'Agents, skills and buttons of my org a chat could be transferred to now', role: 'agent', response: T.TransferTargets },
    (_req, p) => transferTargets(engine.catalog, engine.directory, engine.hours, p.orgId, p.userId));
  /**
   * A chat's record for reading, live or closed (from the store): the org's
   * supervisors; the chat's agent while it runs (an open offer included: what to accept), and
   * its conference's participants and invitee;
   * afterwards only someone who held it (an offer that ended unanswered gave no access).
   */
  const readableChat = async (id: string, p: Principal) => {
    const r = await views.record(id);
    if (!r?.request) fail('NOT_FOUND', `chat ${id}`);
    if (r.request.orgId !== p.orgId) fail('FORBIDDEN', 'chat belongs to another organization');
    const current = (r.agentId === p.userId && (r.chatState === 'offered' || r.chatState === 'established'))
      // A conference's participants while in it, and its invitee while the invitation is open (what to accept), ADR 0051.
      || (r.chatState === 'established' && (r.participants?.includes(p.userId) === true || r.conferenceInvite?.agentId === p.userId));
    if (!roleAtLeast(p.role, 'supervisor') && !current && !(await views.heldBy(r.id, p.userId))) fail('FORBIDDEN', 'not your chat');
    return { r, request: r.request };
  };
  route({ method: 'GET', url: '/agent/v1/chats/:chatId', summary: 'Chat details: prechat data, visitor, breadcrumbs, earlier chats, sneak peek', role: 'agent', params: T.ChatIdParams, response: T.ChatDetails },
    async (req, p) => {
      const id = chatId(req);
      // A running chat is the live one's rules (a former holder hears it is no longer theirs), and
      // so is an ended one to its last agent. Otherwise an ended chat, its session open or closed,
      // is read by the transcript's access rule: whoever held it may look back at it.
      const live = engine.sessions.get(id);
      if (live && (live.record.chatState !== 'ended' || live.record.agentId === p.userId)) return views.details(chatFor(engine, p, id, { supervisorMayRead: true }).record);
      return views.details((await readableChat(id, p)).r);
    });
  route({ method: 'GET', url: '/agent/v1/chats/:chatId/transcript', summary: 'The ordered transcript a page at a time (?after=&limit=), or all of it as JSON Lines (?format=jsonl)', role: 'agent',
    params: T.ChatIdParams, querystring: T.TranscriptQuery, response: T.TranscriptPage, jsonLines: T.TranscriptLine,
    errors: { 400: 'A query parameter out of range or unknown (`limit` 1 to 1000, `after` ≥ 0, `format` json or jsonl; no `limit` with jsonl): the text names it' } },
    async (req, p, reply) => {
      const q = req.query as T.TranscriptQuery;
      // The export is every event after `after`; a limit there would cut a download with nothing in it to say so.
      if (q.format === 'jsonl' && q.limit !== undefined) fail('QUERY_INVALID', 'limit: the JSON Lines export has every event after `after`; page with JSON');
      const { r, request } = await readableChat(chatId(req), p);
      if (q.format !== 'jsonl') return { chat: views.summary(r), prechatDetails: request.prechatDetails, ...(await views.transcriptPage(r.id, q.after ?? 0, q.limit ?? T.TRANSCRIPT_PAGE_DEFAULT)) };
      const head = JSON.stringify({ kind: 'chat', ...views.summary(r), prechatDetails: request.prechatDetails });
      const batches = views.transcriptBatches(r.id, q.after ?? 0, T.TRANSCRIPT_PAGE_MAX);
      async function* lines(): AsyncGenerator<string> {
        yield `${head}\n`;
        for await (const batch of batches) {
          let chunk = '';
          for (const e of batch) chunk += `${JSON.stringify({ kind: 'event', ...e })}\n`;
          yield chunk;
        }
      }
      // Streamed a page at a time as the store gives them, so a long chat's export never sits in
      // memory whole; one chunk in hand at most (highWaterMark 1), the socket's pace sets the reads.
      // A store failure midway cuts the response: the download fails rather than ending short unseen.
      void reply.type('application/x-ndjson').header('Content-Disposition', `attachment; filename="chat-${r.id}.jsonl"`);
      return Readable.from(lines(), { objectMode: true, highWaterMark: 1 });
    });
  for (const action of CHAT_ACTIONS) {
    route({ method: action.rest?.method ?? 'POST', url: `/agent/v1/chats/:chatId/${action.rest?.segment ?? action.name}`, summary: action.summary, role: action.role, params: T.ChatIdParams, ...(action.body ? { body: action.body } : {}), response: action.response, ...(action.errors ? { errors: action.errors } : {}) },
      (req, p) => commit(action.run(engine, p, chatId(req), req.body, { origin: requestOrigin(req) })));
  }

  registerFileRoutes(route, engine, store, readableChat);
  registerBlockRoutes(route, engine);
  registerOfflineMessageAgentRoutes(route, deps.offlineMessages);

  // ---- supervisors ----
  route({ method: 'GET', url: '/agent/v1/supervisor/overview', summary: 'Queues with waits, agents with presence and load, active chats, transfers in progress', role: 'supervisor', response: T.SupervisorOverview },
    (_req, p) => {
      const now = engine.clock.now();
      const queues = engine.router.buttonsWithQueues().map((key) => ({
        queue: queueLabel(key),
        name: queueDisplayName(engine.catalog, key),
        waiting: engine.router.queued(key).map((id) => engine.sessions.get(id)).filter((s) => s?.record.request?.orgId === p.orgId)
          .map((s) => ({ chatId: s!.id, visitorName: s!.record.request!.visitorName, state: s!.record.chatState, waitingMs: now - (waitingSince(s!.record) ?? now) })),
      })).filter((q) => q.waiting.length);
      const agents = engine.directory.all().filter((a) => a.orgId === p.orgId)
        .map((a) => ({ id: a.id, name: a.name, presence: a.presence, capacity: a.capacity, load: engine.directory.load(a), connections: hub.liveness(a.id).connections }));
      const chats = [...engine.sessions.values()].filter((s) => s.record.request?.orgId === p.orgId && s.record.chatState !== 'none').map((s) => views.summary(s.record));
      const transfers = transfersInProgress([...engine.sessions.values()].map((s) => s.record), p.orgId);
      return { queues, agents, chats, transfers };
    });
  route({ method: 'GET', url: '/agent/v1/supervisor/chats', summary: 'Search the org\'s chats, running and past (also after the visitor\'s session closed): filters, newest first, a page at a time', role: 'supervisor',
    querystring: T.ChatSearchQuery, response: T.ChatSearchPage,
    errors: { 400: 'A query parameter out of range, malformed or unknown (`limit` 1 to 200, times in epoch ms, a `…From` after its `…To`, a `cursor` this server did not give): the text names it' } },
    (req, p) => searchChats(engine, store, views, p.orgId, req.query as T.ChatSearchQuery, req.query as Record<string, unknown>));
  route({ method: 'POST', url: '/agent/v1/chats/:chatId/takeover', summary: 'Take the chat over from its agent', role: 'supervisor', params: T.ChatIdParams, response: T.Ok },
    (req, p) => { chatFor(engine, p, chatId(req), { supervisorMayRead: true }); engine.agentActions.reassign(chatId(req), p.userId, true); return commit(); });
  route({ method: 'POST', url: '/agent/v1/chats/:chatId/reassign', summary: 'Reassign the chat to another agent', role: 'supervisor', params: T.ChatIdParams, body: T.ReassignRequest, response: T.Ok },
    (req, p) => {
      chatFor(engine, p, chatId(req), { supervisorMayRead: true });
      const to = body<{ agentId: string }>(req).agentId;
      if (users.get(to)?.orgId !== p.orgId) fail('NOT_FOUND', `agent ${to}`);
      engine.agentActions.reassign(chatId(req), to);
      return commit();
    });

  // ---- admin ----
  route({ method: 'GET', url: '/agent/v1/admin/users', summary: 'Users of the org', role: 'admin', response: Type.Array(T.PublicUser) }, (_req, p) => users.list(p.orgId));
  route({ method: 'POST', url: '/agent/v1/admin/users', summary: 'Create a user', role: 'admin', body: T.CreateUserRequest, response: T.PublicUser,
    errors: { 409: 'The username is taken, or the `id` (or its 15-character form) is a user\'s of any org or was a config user\'s removed from the config file (never used again)' } },
    async (req, p) => {
      const u = await users.createUser(p.orgId, body(req));
      const a = engine.directory.register(p.orgId, agentConfigOf(u));
      hub.attachAgent(a.id);
      return toPublic(u);
    });
  route({ method: 'PATCH', url: '/agent/v1/admin/users/:userId', summary: 'Change a user (name, password, role, skills, capacity, disabled)', role: 'admin', params: T.UserIdParams, body: T.UpdateUserRequest, response: T.PublicUser,
    errors: { 409: 'The change would leave the organization without an enabled admin (LAST_ADMIN): demoting or disabling the last one anyone can sign in as' } },
    async (req, p) => {
      const id = (req.params as { userId: string }).userId;
      if (users.get(id)?.orgId !== p.orgId) fail('NOT_FOUND', `user ${id}`);
      const patch = body<T.UpdateUserRequest>(req);
      const u = await users.updateUser(id, patch);
      if (engine.directory.get(id)) {
        engine.directory.applyUser(u, patch.capacity !== undefined);
        // The agent's consoles show its capacity and fill in its name: tell them (the `presence` stream event).
        engine.directory.notify(id, { kind: 'presence' });
        if (u.disabled) engine.agentActions.agentDisconnected(id);
        // A skill taken away may leave a transfer to it with nobody who could take it: it fails back.
        engine.dispatcher.failStrandedTransfers();
        // More capacity or another skill can take a waiting chat now (ADR 0008: every change dispatches).
        engine.dispatch();
      }
      return commit(toPublic(u));
    });
  route({ method: 'DELETE', url: '/agent/v1/admin/visitors/:visitorId', summary: "Erase a visitor's ended chats of my org (transcripts included) and, if no other org knows the visitor, their breadcrumbs; with `email`, the offline messages left with that address too", role: 'admin', params: T.VisitorIdParams, querystring: T.VisitorErasureQuery, response: T.VisitorErasure },
    (req, p) => eraseVisitor(store, p.orgId, (req.params as { visitorId: string }).visitorId, (ids) => hub.forgetChats(ids), (req.query as T.VisitorErasureQuery).email));
  route({ method: 'GET', url: '/agent/v1/admin/sensitive-data-rules', summary: 'Sensitive data rules of the org, in the order they apply (set in the config file; read-only)', role: 'admin', response: T.SensitiveDataRules },
    (_req, p) => engine.sensitiveData.rulesOf(p.orgId).map((r) => ({ name: r.name, pattern: r.pattern, flags: r.flags, appliesTo: r.appliesTo })));
  route({ method: 'GET', url: '/agent/v1/admin/api-keys', summary: 'API keys of the org (without secrets)', role: 'admin', response: Type.Array(T.ApiKey) }, (_req, p) => users.listApiKeys(p.orgId));
  route({ method: 'POST', url: '/agent/v1/admin/api-keys', summary: 'Create an API key for a user (the key is shown once)', role: 'admin', body: T.CreateApiKeyRequest, response: T.ApiKeyCreated,
    errors: { 404: 'No such user in this organization' } },
    async (req, p) => {
      const b = body<{ userId: string; name: string; role: Role }>(req);
      if (users.get(b.userId)?.orgId !== p.orgId) fail('NOT_FOUND', `user ${b.userId}`);
      const k = await users.createApiKey(b.userId, b.name, b.role);
      return { id: k.id, key: k.key, role: k.record.role };
    });
  route({ method: 'DELETE', url: '/agent/v1/admin/api-keys/:keyId', summary: 'Revoke an API key', role: 'admin', params: T.ApiKeyIdParams, response: T.Ok,
    errors: { 409: 'The key is the last way anyone can sign in as an admin of the organization (LAST_ADMIN): make another admin key first' } },
    async (req, p) => {
      const id = (req.params as { keyId: string }).keyId;
      const k = users.apiKey(id);
      if (!k || users.get(k.userId)?.orgId !== p.orgId) fail('NOT_FOUND', `api key ${id}`);
      await users.revokeApiKey(id);
      return { ok: true };
    });
  return specs;
}

/** A skip names a chat or an offline message, never both (ADR 0068). */
function skipOf(body: WebhookSkipRequest): AdminMove {
  if (body.chatId !== undefined && body.offlineMessageId === undefined) return { kind: 'skip', event: 'chat.ended', id: body.chatId };
  if (body.offlineMessageId !== undefined && body.chatId === undefined) return { kind: 'skip', event: 'offline_message.created', id: body.offlineMessageId };
  fail('BODY_INVALID', 'give chatId or offlineMessageId, one of the two');
}
