/**
 * Builds the fastify instance: body handling that matches what Live Agent
 * clients send, the error catalogue as the only error renderer, CORS, and the
 * route groups. Knows nothing about storage.
 */
import { TextDecoder } from 'node:util';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import proxyAddr from '@fastify/proxy-addr';
import Fastify, { LogController, type FastifyReply, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { UPLOAD_PATH } from '../core/file-transfers.js';
import { withoutNulParsedFrom } from '../protocol/client-json.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../protocol/json-depth.js';
import { SwitchboardError } from '../protocol/errors.js';
import { renderError } from './error-catalogue.js';
import { DECODED_CODINGS, decodeContentCoding } from './content-coding.js';
import { logErrorAnswer, successLogger } from './answer-log.js';
import { clientErrorHandler } from './client-errors.js';
import { addCorsHeadersWhenAllowed, ANY_ORIGIN, registerCors, type OriginPolicy } from './cors.js';
import type { VisitorMetrics } from './metrics.js';
import { originForm, routedTarget } from './request-target.js';
import { pollFastPath, type ClientAddress } from './visitor/poll-fast-path.js';
import type { GateHandler } from './visitor/visitor-gate.js';

/**
 * A hook in front of fastify on the node:http server: answers a request itself
 * (returns true) or leaves it to fastify. Set once the routes exist
 * (installPollFastPath); null sends everything to fastify.
 */
export interface RawFront {
  handle: ((req: IncomingMessage, res: ServerResponse) => boolean) | null;
  /** Set at shutdown: every answer from then on closes its connection (Connection: close). */
  closing?: boolean;
}

export interface HttpServerOptions {
  logger: FastifyBaseLogger;
  maxBodyBytes: number;
  metrics: VisitorMetrics;
  /** fastify's trustProxy (config server.trustProxy). */
  trustProxy?: boolean | number | string;
  /** When given, requests pass through it before fastify (the poll fast path, ADR 0014). */
  rawFront?: RawFront;
  /** Which browser origins may call (config server.allowedOrigins; cors.ts); any by default. */
  allowsOrigin?: OriginPolicy;
}

/** How long an idle client connection is kept; a proxy in front must close its idle ones sooner (deploy/nginx, docs/deployment.md). */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Decoders by charset label, made once each (the labels WHATWG knows; anything else reads as UTF-8). */
const decoders = new Map<string, TextDecoder>();

/** A visitor request body as text, in the charset its Content-Type declared (UTF-8 by default). */
function decodeBody(body: Buffer, contentType: string | undefined): string {
  // A UTF-16 byte order mark names the encoding whatever the label says (WHATWG's decode does the
  // same): .NET's StreamWriter with Encoding.Unicode writes one, and the client labels the body
  // application/json with no charset, or UTF-8. The UTF-8 mark is skipped later, with the text.
  if (body.length >= 2 && body[0] === 0xff && body[1] === 0xfe) return body.toString('utf16le', 2);
  if (body.length >= 2 && body[0] === 0xfe && body[1] === 0xff) return decoderFor('utf-16be').decode(body.subarray(2));
  const label = contentType ? /charset=([\w.:-]+)/i.exec(contentType)?.[1]?.toLowerCase() : undefined;
  if (!label || label === 'utf-8' || label === 'utf8') return body.toString('utf8');
  return decoderFor(label).decode(body);
}

/** A decoder for a charset label, made once (an unknown label reads as UTF-8). */
function decoderFor(label: string): TextDecoder {
  let decoder = decoders.get(label);
  if (!decoder) {
    try {
      decoder = new TextDecoder(label);
    } catch {
      decoder = new TextDecoder('utf-8');
    }
    if (decoders.size < 64) decoders.set(label, decoder);
  }
  return decoder;
}

/** How long a client may take to send a whole request (see createHttpServer). */
const REQUEST_TIMEOUT_MS = 60_000;

export function createHttpServer(opts: HttpServerOptions): FastifyInstance {
  const allowsOrigin = opts.allowsOrigin ?? ANY_ORIGIN;
  const app = Fastify({
    loggerInstance: opts.logger,
    // Per-request logs would dominate the hot path of a long-poll server.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: pino's child binds every level method, about
    // 1 KB per request that a held poll keeps alive for its whole hold (GC time
    // and memory per held poll, bench/results/profiling-notes.md). Errors log
    // the request id themselves.
    childLoggerFactory: (logger) => logger,
    bodyLimit: opts.maxBodyBytes,
    // A hop count becomes the equivalent function (fastify's types take no number).
    trustProxy: proxyTrust(opts.trustProxy) ?? false,
    // Held polls are answered by the shutdown path; then idle keep-alive sockets close.
    forceCloseConnections: 'idle',
    return503OnClosing: false,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // The time to *receive* a request (headers and body), not to answer it: a held
    // poll is received at once. A body trickled in byte by byte is cut after this
    // (node checks every 30 s), so slow senders cannot pile up open connections.
    requestTimeout: REQUEST_TIMEOUT_MS,
    // With a raw front the server is ours: fastify then applies none of the two above, and the front
    // reads an absolute-form target as its path for the fast path (which also makes a poll path's
    // slashes single itself, poll-fast-path.ts).
    ...(opts.rawFront ? { serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => frontedServer(opts.rawFront!, handler) } : {}),
    // fastify routes a target by its origin form, with a visitor path's doubled and trailing slashes
    // made single (ADR 0029); also for app.inject, which does not pass the front.
    rewriteUrl: (req: IncomingMessage) => routedTarget(req.url ?? '/'),
    // Errors fastify raises before routing (a malformed URL) answer as every other error
    // does: no hook runs for them, so the CORS, cache and nosniff headers are set here.
    frameworkErrors: (err, req, reply: FastifyReply) => {
      // A path segment longer than the router takes (fastify's maxParamLength, 100) is no id of ours
      // (ids are at most 64 characters; session keys far shorter): nothing is there, which is a 404,
      // not a bad query; and the path is not echoed back at length.
      const r = err.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? renderError('RESOURCE_NOT_FOUND', `${req.method} ${(req.url ?? '').slice(0, 60)}… (a path segment longer than 100 characters)`)
        : renderError('QUERY_INVALID', err.message.slice(0, 120));
      if (fromClient(req.raw)) {
        opts.metrics.errorAnswered(r.status);
        logErrorAnswer(opts.logger, { method: req.method, url: req.url, client: req.ip, reqId: req.id }, r.status, 'QUERY_INVALID');
      }
      addCorsHeadersWhenAllowed(req.headers.origin, req.headers.host, allowsOrigin, reply);
      void reply.code(r.status).header('Cache-Control', 'no-store').header('X-Content-Type-Options', 'nosniff').type('text/plain; charset=utf-8').send(r.body);
    },
    // Requests node cannot parse at all: the catalogue's plain text with CORS, not fastify's JSON (client-errors.ts).
    clientErrorHandler: clientErrorHandler(allowsOrigin, opts.metrics, opts.logger),
  });

  // Visitor clients send any Content-Type, including ones that are not media types
  // at all (`garbage`, `;`): outside the strict agent API the header is ignored and
  // the body read as text, so /chat/rest answers by its own rules and an unknown path
  // answers 404 (a client URL with dot segments can resolve outside /chat/rest/),
  // never 415 for a header nobody reads.
  app.addHook('onRequest', (req, _reply, done) => {
    const type = req.headers['content-type'];
    // The file upload reads its own body, multipart boundary and all (file-upload-route.ts).
    if (type !== undefined && !takesStrictJson(req.url) && !req.url.startsWith(UPLOAD_PATH)) {
      // The charset is the one part of the header that matters: Apache HttpClient's
      // StringEntity sends ISO-8859-1 unless told otherwise, and "café" must not arrive as "caf�".
      const charset = /;\s*charset\s*=\s*"?([\w.:-]+)/i.exec(type)?.[1];
      req.headers['content-type'] = charset ? `text/plain; charset=${charset}` : 'text/plain';
    }
    done();
  });

  // Clients send JSON with any Content-Type, or none, or an empty body with
  // application/json: read every body as text and let the gate parse it.
  app.removeAllContentTypeParsers();
  // The agent API (and the emulator's) is ours and strict: its bodies must be JSON (400 names the problem),
  // and NUL becomes U+FFFD in them as in a visitor's (ADR 0035).
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, raw, done) => {
    let body: Buffer;
    try {
      // A compressed body (Content-Encoding) is decoded first, within maxBodyBytes (content-coding.ts).
      body = decodeContentCoding(raw as Buffer, req.headers['content-encoding'], opts.maxBodyBytes);
    } catch (err) {
      return done(err as Error, undefined);
    }
    if (!takesStrictJson(req.url)) return done(null, decodeBody(body, req.headers['content-type']));
    const text = body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      return done(new SwitchboardError('BODY_MALFORMED_JSON', (err as Error).message.slice(0, 120)), undefined);
    }
    if (nestedDeeperThan(parsed)) return done(new SwitchboardError('BODY_INVALID', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    // No NUL reaches a handler, a store or the event log's JSON, as none of a visitor's does (ADR 0035).
    done(null, withoutNulParsedFrom(text, parsed));
  });

  app.setErrorHandler((err: FastifyError | SwitchboardError, request, reply) => {
    const answer = errorAnswer(err, opts.maxBodyBytes);
    const client = fromClient(request.raw);
    // The in-process demo bot's 4xx reached no client (it logs what it skips itself); its 500s are logged.
    if (client || answer.unexpected) {
      logErrorAnswer(opts.logger, { method: request.method, url: request.url, client: request.ip, reqId: request.id }, answer.status, answer.code, answer.unexpected ? err : undefined, answer.injected);
    }
    if (answer.retryAfterSeconds !== undefined) void reply.header('Retry-After', String(answer.retryAfterSeconds));
    if (answer.challenge !== undefined) void reply.header('WWW-Authenticate', answer.challenge);
    // A 415 for a content coding says which ones the server reads (RFC 9110 §12.5.3).
    if (answer.code === 'BODY_ENCODING_UNSUPPORTED') void reply.header('Accept-Encoding', DECODED_CODINGS);
    if (client) opts.metrics.errorAnswered(answer.status);
    void reply.code(answer.status).header('Cache-Control', 'no-store').type('text/plain; charset=utf-8').send(answer.body);
  });

  app.setNotFoundHandler((request, reply) => {
    if (fromClient(request.raw)) {
      opts.metrics.errorAnswered(404);
      logErrorAnswer(opts.logger, { method: request.method, url: request.url, client: request.ip, reqId: request.id }, 404, 'RESOURCE_NOT_FOUND');
    }
    const r = renderError('RESOURCE_NOT_FOUND', `${request.method} ${request.url.split('?')[0]!.slice(0, 100)}`);
    void reply.code(r.status).type('text/plain; charset=utf-8').send(r.body);
  });

  // No answer is ever to be sniffed into another type (a JSON Lines transcript rendered as HTML).
  app.addHook('onSend', (_req, reply, payload, done) => {
    void reply.header('X-Content-Type-Options', 'nosniff');
    done(null, payload);
  });
  // Successes are logged at debug only, and the hook exists only then: with the level
  // above debug (read at start-up) a success costs nothing.
  const logSuccess = successLogger(opts.logger);
  if (logSuccess) {
    app.addHook('onResponse', (request, reply, done) => {
      if (reply.statusCode < 400 && fromClient(request.raw)) logSuccess({ method: request.method, url: request.url, client: request.ip, reqId: request.id }, reply.statusCode);
      done();
    });
  }
  registerCors(app, allowsOrigin);
  return app;
}

/** The APIs that are ours (the agent API, emulator mode's): JSON bodies, read strictly. */
function takesStrictJson(url: string): boolean {
  return url.startsWith('/agent/') || url.startsWith('/emulator/');
}

/**
 * False for a request made in process with `app.inject` (the demo bot, agent-transport.ts):
 * its 4xx (a chat that ended before the bot's answer) reached no client, so it is not an
 * error answer to count. Such a request has a mock socket, never a real one.
 */
function fromClient(raw: IncomingMessage): boolean {
  return raw.socket instanceof Socket;
}

/** Whom X-Forwarded-For is believed from: `(address, hop) => trusted`, or null to believe nobody. */
type ProxyTrust = (address: string, hop: number) => boolean;

/**
 * server.trustProxy as one function, given to fastify and used by the poll fast path's log
 * lines, so both name a client the same way. A hop count trusts the nearest `hops` proxies
 * (fastify's own reading of a number trusts none); a string is a list of addresses and
 * subnets, as fastify compiles it.
 */
function proxyTrust(setting: boolean | number | string | undefined): ProxyTrust | null {
  if (setting === undefined || setting === false) return null;
  if (setting === true) return () => true;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyAddr.compile(setting.split(',').map((part) => part.trim()));
}

/**
 * What a failure answers: a SwitchboardError by the catalogue, fastify's own 4xx
 * as they are, anything else 500 (`unexpected`: the caller logs it). Used by
 * fastify's error handler and by the poll fast path (poll-fast-path.ts).
 */
export function errorAnswer(err: unknown, maxBodyBytes: number): { status: number; body: string; code: string | undefined; retryAfterSeconds?: number; challenge?: string; unexpected: boolean; injected?: true } {
  if (err instanceof SwitchboardError) {
    const r = { ...renderError(err.code, err.detail), code: err.code, ...(err.injected ? { injected: true as const } : {}) };
    return err.retryAfterSeconds === undefined ? { ...r, unexpected: false } : { ...r, retryAfterSeconds: err.retryAfterSeconds, unexpected: false };
  }
  const e = err as Partial<FastifyError>;
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { ...renderError('BODY_TOO_LARGE', `limit ${maxBodyBytes} bytes`), code: 'BODY_TOO_LARGE', unexpected: false };
  // A body the route's schema refuses reads as the same catalogue error a stream command gets.
  if (e.validation && e.validationContext === 'body') return { ...renderError('BODY_INVALID', String(e.message).slice(0, 200)), code: 'BODY_INVALID', unexpected: false };
  // A query parameter the route's schema refuses (a transcript page's limit out of range): the text names it.
  if (e.validation && e.validationContext === 'querystring') return { ...renderError('QUERY_INVALID', String(e.message).slice(0, 200)), code: 'QUERY_INVALID', unexpected: false };
  // fastify's own 4xx have no catalogue entry: the log names them by fastify's code.
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return { status: e.statusCode, body: String(e.message).slice(0, 200), code: e.code, unexpected: false };
  return { ...renderError('INTERNAL'), code: 'INTERNAL', unexpected: true };
}

const SLASH = 47;

function frontedServer(front: RawFront, fastifyHandler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer((req, res) => {
    // An absolute-form target (a forward proxy's) is routed by its path, on the fast path and in fastify.
    if (req.url !== undefined && req.url.charCodeAt(0) !== SLASH) req.url = originForm(req.url);
    if (front.closing) res.setHeader('Connection', 'close');
    if (front.handle?.(req, res)) return;
    fastifyHandler(req, res);
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  return server;
}

/**
 * Puts the poll fast path in front of fastify: its answers log and count as fastify's do, and
 * name the client as fastify does (server.trustProxy). The address is worked out only for a
 * line that is logged: the poll itself never needs it.
 */
export function installPollFastPath(front: RawFront, gate: GateHandler, opts: HttpServerOptions): void {
  const logSuccess = successLogger(opts.logger);
  const trust = proxyTrust(opts.trustProxy);
  // proxyAddr reads only `headers['x-forwarded-for']` and `socket.remoteAddress` (ClientAddress).
  const clientOf = (client: ClientAddress): string | undefined => (trust ? proxyAddr(client as IncomingMessage, trust) : client.socket.remoteAddress);
  front.handle = pollFastPath(gate, opts.allowsOrigin ?? ANY_ORIGIN, (err, url, req) => {
    const answer = errorAnswer(err, opts.maxBodyBytes);
    logErrorAnswer(opts.logger, { method: 'GET', url, client: clientOf(req) }, answer.status, answer.code, answer.unexpected ? err : undefined, answer.injected);
    opts.metrics.errorAnswered(answer.status);
    return answer;
  }, logSuccess && ((url, status, req) => logSuccess({ method: 'GET', url, client: clientOf(req) }, status)), trust !== null);
}
