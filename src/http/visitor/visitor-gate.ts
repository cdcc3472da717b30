/**
 * The one request gate for /chat/rest/*. In this order, before any noun runs:
 * resolve the noun (404/405), check the API version (400), parse the body as
 * JSON whatever the Content-Type says (400), find the session (403), check
 * affinity (503), and drop a repeated X-LIVEAGENT-SEQUENCE (200 OK, not applied).
 */
import type { FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { ChatEngine } from '../../core/chat-engine.js';
import { isRetryOf } from '../../core/chat-session.js';
import { clientKey, isLoopback, type RateLimiter } from '../../core/rate-limiter.js';
import type { SessionRecovery } from '../../core/session-recovery.js';
import { NEVER_GONE, type ClientGone } from '../../core/visitor-poller.js';
import { parseApiVersion } from '../../protocol/api-version.js';
import { parseClientJson } from '../../protocol/client-json.js';
import { fail, SwitchboardError } from '../../protocol/errors.js';
import { nestedDeeperThan, MAX_JSON_DEPTH } from '../../protocol/json-depth.js';
import { firstOccurrences, isObject, readInteger, type JsonObject } from '../../protocol/liberal-values.js';
import { sessionIdOfKey, type VisitorFaults } from '../emulator/visitor-faults.js';
import type { VisitorMetrics } from '../metrics.js';
import { VISITOR_COOKIE, type NounResult, type NounSpec, type VisitorRequest } from './visitor-nouns.js';

export interface GateDeps {
  engine: ChatEngine;
  recovery: SessionRecovery;
  nouns: NounSpec[];
  metrics: VisitorMetrics;
  baseUrl: () => string;
  /** True once the server is shutting down: answers then close their connection. */
  stopping: () => boolean;
  /** Limits new sessions per client address (settings.newSessionsPerMinutePerAddress); none when off. */
  newSessionLimiter?: RateLimiter | undefined;
  /** Limits session-less breadcrumbs per client address (settings.breadcrumbsPerMinutePerAddress); none when off. */
  breadcrumbLimiter?: RateLimiter | undefined;
  /** Emulator mode's fault injection (docs/emulator.md); none when the mode is off. */
  faults?: VisitorFaults | undefined;
}

const BASE = '/chat/rest/';

/**
 * What the gate reads of a request: a FastifyRequest, or the poll fast path's
 * slimmer one over the bare node:http request (poll-fast-path.ts, ADR 0014).
 */
export interface GateRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly ip: string;
  readonly protocol: string;
  readonly query: unknown;
  readonly body: unknown;
}

/** What the gate uses of a reply (a FastifyReply, or the fast path's). `send(err)` answers the error. */
export interface GateReply {
  readonly raw: ServerResponse;
  header(name: string, value: string): unknown;
  code(status: number): GateReply;
  type(contentType: string): GateReply;
  send(payload?: unknown): unknown;
}

/** The gate as a function: fastify's route calls it, and so does the poll fast path. Throws only what `reply.send(err)` would answer. */
export type GateHandler = (request: GateRequest, reply: GateReply) => void;
const OK: NounResult = { kind: 'ok' };
const EMPTY: NounResult = { kind: 'empty' };
const NO_SEGMENTS: readonly string[] = Object.freeze([]);

export function registerVisitorGate(app: FastifyInstance, deps: GateDeps): GateHandler {
  const { engine, recovery, metrics } = deps;
  // Nouns match case-insensitively; the spelling of the guide is also a key, so
  // the usual request finds its noun without lower-casing the path first.
  const byPath = new Map<string, NounSpec[]>();
  for (const n of deps.nouns) {
    for (const k of new Set([`${n.prefix}/${n.noun}`, `${n.prefix}/${n.noun}`.toLowerCase()])) byPath.set(k, [...(byPath.get(k) ?? []), n]);
  }
  const settings = engine.settings;

  // Not async: a held poll should keep one promise alive, not a suspended frame
  // per layer. Errors thrown here reach fastify's error handler; later ones are
  // sent to it with reply.send(err).
  const handler: GateHandler = (request, reply) => {
    // Runs for every visitor request, so the path is cut with indexOf, not split.
    const url = request.url;
    const query = url.indexOf('?');
    const path = (query < 0 ? url : url.slice(0, query)).slice(BASE.length);
    const firstSlash = path.indexOf('/');
    const secondSlash = firstSlash < 0 ? -1 : path.indexOf('/', firstSlash + 1);
    const nounPath = secondSlash < 0 ? path : path.slice(0, secondSlash);
    const rest = secondSlash < 0 ? NO_SEGMENTS : path.slice(secondSlash + 1).split('/');
    const noun = firstSlash < 0 ? '' : nounPath.slice(firstSlash + 1);
    const candidates = byPath.get(nounPath) ?? byPath.get(nounPath.toLowerCase());
    metrics.requestStarted(noun);
    if (!candidates) fail('RESOURCE_NOT_FOUND', (firstSlash < 0 ? `${path}/` : nounPath).slice(0, 100));
    // HEAD is answered by a noun's GET (RFC 9110): monitoring probes and some proxies send it.
    const spec = candidates.find((c) => c.method === request.method) ?? (request.method === 'HEAD' ? candidates.find((c) => c.method === 'GET') : undefined);
    if (!spec) {
      void reply.header('Allow', candidates.flatMap((c) => (c.method === 'GET' ? ['GET', 'HEAD'] : [c.method])).join(', '));
      fail('METHOD_NOT_ALLOWED', `${request.method} ${candidates[0]!.prefix}/${candidates[0]!.noun}`);
    }
    if (rest.length && !(spec.noun === 'SessionId' && spec.method === 'DELETE')) fail('RESOURCE_NOT_FOUND', path.slice(0, 100));
    // Injected failures come before anything reads or changes a session (or a rate limit).
    if (deps.faults !== undefined && deps.faults.active > 0 && injectFault(deps.faults, engine, spec, request, reply, rest)) return;
    parseApiVersion(request.headers['x-liveagent-api-version'], settings.minApiVersion, settings.maxApiVersion);
    if (spec.noun === 'SessionId' && request.method === 'GET' && deps.newSessionLimiter && !isLoopback(request.ip)) {
      const waitMs = deps.newSessionLimiter.take(clientKey(request.ip));
      if (waitMs) throw new SwitchboardError('RATE_LIMITED', 'new sessions from this address', Math.ceil(waitMs / 1000));
    }

    const body = spec.method === 'POST' && !spec.bodyIgnored ? parseBody(request.body) : {};
    const key = headerValue(request.headers['x-liveagent-session-key']);
    const session = spec.session !== 'none' && key ? engine.findByKey(key) : undefined;
    if (spec.noun === 'Breadcrumb' && !session && deps.breadcrumbLimiter && !isLoopback(request.ip)) {
      // Without a session a breadcrumb needs nothing but a cookie value: unlimited, one client could
      // fill the store, or bury a visitor's real pages (agents see the newest 50).
      const waitMs = deps.breadcrumbLimiter.take(clientKey(request.ip));
      if (waitMs) throw new SwitchboardError('RATE_LIMITED', 'breadcrumbs without a session from this address', Math.ceil(waitMs / 1000));
    }
    if (spec.session === 'required' && !session) {
      const seq = readInteger(headerValue(request.headers['x-liveagent-sequence']));
      const retry = key !== undefined && spec.sequenced && seq !== undefined;
      // In a cluster a key this node does not hold may be an open chat of another shard's org
      // (a balancer that routes by something else than the org's host): 421 says where (ADR 0066).
      const cluster = key !== undefined && engine.catalog.shard !== null;
      if (!retry && !cluster) fail('SESSION_INVALID');
      (async () => {
        if (cluster) {
          await engine.refuseOtherShardsSession(key);
          // A session another shard made, before its chat (ChasitorInit names the org): sent there too.
          if (spec.noun === 'ChasitorInit') engine.refuseOtherShardsInit(body);
        }
        if (!retry) fail('SESSION_INVALID');
        // Perhaps the response to this request was lost after it ended the session (also
        // before a restart): a retry, answered once what it repeats is durable (it may
        // still be in this turn's commit).
        const applied = await engine.closedSequences(key);
        // The number alone is not enough: a ChatMessage reusing the ChatEnd's number is a new request (ADR 0050).
        if (!applied || !isRetryOf(applied, seq, spec.noun)) fail('SESSION_INVALID');
        metrics.retriedSequence();
        await engine.queue.commit();
      })().then(() => send(reply, OK, request, deps.stopping()), (err: unknown) => void reply.send(err));
      return;
    }
    if (session) {
      if (spec.affinity) recovery.checkAffinity(session, headerValue(request.headers['x-liveagent-affinity']));
      session.record.lastSeenAt = engine.clock.now();
    }

    // HEAD must change nothing: a noun that would (a new session, a delivery that moves the
    // cursor and replaces the held poll) is not run; the checks above answered as for GET.
    if (request.method === 'HEAD' && !spec.safe) {
      send(reply, EMPTY, null, deps.stopping());
      return;
    }

    // Only a held poll needs to notice its client leaving.
    let signal = NEVER_GONE;
    if (spec.noun === 'Messages') {
      const gone: ClientGone = { aborted: false, watcher: null };
      const res = reply.raw as WatchedResponse;
      res[CLIENT_GONE] = gone;
      // One listener function for every poll (it finds its poll on the response),
      // and `on`, not `once`: once() wraps the listener in a bound function per call.
      res.on('close', onPollResponseClose);
      signal = gone;
    }
    const req: VisitorRequest = {
      // One rule for a repeated parameter on both ways in (fastify's parser and the fast path's): the first counts.
      method: request.method, headers: request.headers, query: firstOccurrences(request.query, spec.listParams), body, rest, session,
      ip: request.ip, visitorCookie: readCookie(request.headers.cookie, VISITOR_COOKIE), baseUrl: deps.baseUrl(), signal,
    };

    if (spec.poll) {
      spec.poll(req, pollAnswer(reply, deps));
      return;
    }
    const failed = (err: unknown) => void reply.send(err);
    if (spec.prepare && !session && key !== undefined && engine.catalog.shard !== null) {
      // A breadcrumb (its session is optional) naming a key this node does not hold, in a cluster:
      // another shard's open chat is sent there (421), not stored here with no chat (ADR 0066).
      // Not sequenced: nothing to record.
      const prepare = spec.prepare;
      engine.refuseOtherShardsSession(key).then(() => {
        prepare(req)();
        return engine.queue.commit();
      }).then(() => send(reply, OK, request, deps.stopping()), failed);
      return;
    }
    if (spec.prepare) {
      const seq = spec.sequenced && session ? readInteger(headerValue(request.headers['x-liveagent-sequence'])) : undefined;
      // After a ResyncSession the first sequenced request may start a new count (ADR 0031).
      if (seq !== undefined) session!.settleSequenceRestart(seq);
      if (seq !== undefined && session!.isDuplicateSequence(seq, spec.noun)) {
        metrics.retriedSequence();
      } else {
        const apply = spec.prepare(req);
        // Recorded before it is applied, so that a request which closes the session
        // (ChatEnd) is among the sequences its closed record keeps.
        if (seq !== undefined && session) session.recordSequence(seq, spec.noun);
        apply();
      }
      engine.queue.commit().then(() => send(reply, OK, request, deps.stopping()), failed);
      return;
    }
    spec.handle!(req).then((result) => send(reply, result, request, deps.stopping()), failed);
  };

  // OPTIONS too: a preflight (with Origin) is answered by the CORS hook before any route, and a bare
  // OPTIONS on a noun that exists is a wrong method (405 with Allow), not an unknown resource (404).
  app.route({ method: ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS'], url: `${BASE}*`, handler });
  return handler;
}

/**
 * Asks the emulator's faults about a request (visitor-faults.ts): true when one dropped
 * its connection; throws the injected error; false when no fault matches.
 */
function injectFault(faults: VisitorFaults, engine: ChatEngine, spec: NounSpec, request: GateRequest, reply: GateReply, rest: readonly string[]): boolean {
  const keyHeader = request.headers['x-liveagent-session-key'];
  // By the noun's method: a HEAD is its GET.
  const injection = faults.take(spec, spec.method, sessionIdOfKey(keyHeader ?? (rest.length ? rest.join('/') : undefined)));
  if (!injection) return false;
  if (injection.drop) {
    // No answer at all: the connection is cut, as by a proxy or a network that lost it.
    reply.raw.destroy();
    return true;
  }
  if (injection.grantsRecovery) {
    const key = headerValue(keyHeader);
    const session = key ? engine.findByKey(key) : undefined;
    if (session) session.recoveryPending = true;
  }
  throw injection.error;
}

const CLIENT_GONE = Symbol('switchboard.clientGone');
type WatchedResponse = ServerResponse & { [CLIENT_GONE]?: ClientGone };

/** A poll's response closed: if it was not answered, its client left. `this` is the response. */
function onPollResponseClose(this: WatchedResponse): void {
  const gone = this[CLIENT_GONE];
  if (!gone || this.writableEnded || gone.aborted) return;
  gone.aborted = true;
  gone.watcher?.clientGone();
}

/**
 * A poll's callback lives as long as its hold. Made here, outside the gate's
 * scope, its closure keeps the reply and the deps only: one made inside would
 * share the gate's context, which holds the request (and through it the
 * request's headers) for the other callbacks there. A poll's answer sets no cookie,
 * so `send` needs no request for it.
 */
function pollAnswer(reply: GateReply, deps: GateDeps): (err: unknown, result: NounResult | null) => void {
  return (err, result) => {
    if (result) send(reply, result, null, deps.stopping());
    else void reply.send(err);
  };
}

/** Answers a noun's result; `request` is needed only for a result that sets the visitor cookie. */
function send(reply: GateReply, result: NounResult, request: GateRequest | null, stopping: boolean): void {
  if (stopping) void reply.header('Connection', 'close');
  // Every visitor's poll has the same URL (the session key is a header): a shared cache in
  // front (a CDN, Varnish) must never keep one visitor's answer for another.
  void reply.header('Cache-Control', 'no-store');
  if (result.kind === 'ok') {
    void reply.code(200).type('text/plain; charset=utf-8').send('OK');
  } else if (result.kind === 'empty' || result.kind === 'abandoned') {
    // Abandoned: the client left; the 204 goes nowhere, it only ends the exchange.
    void reply.code(204).send();
  } else if (result.kind === 'messages') {
    const body = JSON.stringify({ messages: result.messages, sequence: result.sequence, offset: result.offset });
    void reply.code(200).type('application/json; charset=utf-8').send(body);
  } else {
    if (result.setVisitorCookie) {
      const secure = request?.protocol === 'https';
      const attrs = secure ? 'SameSite=None; Secure' : 'SameSite=Lax';
      void reply.header('Set-Cookie', `${VISITOR_COOKIE}=${result.setVisitorCookie}; Path=/; Max-Age=31536000; HttpOnly; ${attrs}`);
    }
    void reply.code(200).type('application/json; charset=utf-8').send(JSON.stringify(result.body));
  }
}

/** Bodies arrive as text whatever the Content-Type; empty means `{}`. No NUL reaches a noun (parseClientJson). */
function parseBody(raw: unknown): JsonObject {
  if (raw === undefined || raw === null) return {};
  if (isObject(raw)) return raw;
  let text = typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : '';
  // A UTF-8 byte order mark (.NET's StreamWriter with Encoding.UTF8 writes one) is not JSON.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    // Raw control characters in strings are read, NUL becomes U+FFFD (ADR 0033).
    parsed = parseClientJson(text);
  } catch (err) {
    return fail('BODY_MALFORMED_JSON', (err as Error).message.slice(0, 120));
  }
  if (parsed === null) return {};
  if (!isObject(parsed)) fail('BODY_INVALID', 'body must be a JSON object');
  if (nestedDeeperThan(parsed)) fail('BODY_INVALID', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  return parsed;
}

/**
 * One Live Agent header's value. Node joins a header sent twice into `a, a`
 * (Java's addRequestProperty and OkHttp's addHeader send separate lines): the
 * first is read. None of these values (keys, tokens, numbers) holds a comma, nor
 * a double quote: a client that writes its header values as JSON strings (the
 * version arrives as `"34"`, wire-compat.md) quotes the key, the affinity and the
 * sequence too, and the quotes are not part of them.
 */
function headerValue(v: string | string[] | undefined): string | undefined {
  const first = Array.isArray(v) ? v[0] : v;
  if (first === undefined) return undefined;
  const comma = first.indexOf(',');
  const value = comma < 0 ? first : first.slice(0, comma).trim();
  return value.length >= 2 && value.charCodeAt(0) === QUOTE && value.charCodeAt(value.length - 1) === QUOTE ? value.slice(1, -1).trim() : value;
}
const QUOTE = 34;

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) {
      const value = v.join('=');
      return /^[\w-]{8,64}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}
