/**
 * Builds the fastify instance: body handling that matches what Live Agent
 * clients send, the error catalogue as the only error renderer, CORS, and the
 * route groups. Knows nothing about storage.
 */
import Fastify, { LogController, type FastifyReply, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { SwitchboardError } from '../protocol/errors.js';
import { renderError } from './error-catalogue.js';
import { registerCors } from './cors.js';
import type { VisitorMetrics } from './metrics.js';

export interface HttpServerOptions {
  logger: FastifyBaseLogger;
  maxBodyBytes: number;
  metrics: VisitorMetrics;
  /** fastify's trustProxy (config server.trustProxy). */
  trustProxy?: boolean | number | string;
}

export function createHttpServer(opts: HttpServerOptions): FastifyInstance {
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
    trustProxy: typeof opts.trustProxy === 'number' ? trustHops(opts.trustProxy) : opts.trustProxy ?? false,
    // Held polls are answered by the shutdown path; then idle keep-alive sockets close.
    forceCloseConnections: 'idle',
    return503OnClosing: false,
    keepAliveTimeout: 65_000,
    requestTimeout: 0,
    // Errors fastify raises before routing (a malformed URL) still answer in plain text.
    frameworkErrors: (err, _req, reply: FastifyReply) => {
      const r = renderError('QUERY_INVALID', err.message.slice(0, 120));
      void reply.code(r.status).type('text/plain; charset=utf-8').send(r.body);
    },
  });

  // Visitor clients send any Content-Type, including ones that are not media types
  // at all (`garbage`, `;`): outside the strict agent API the header is ignored and
  // the body read as text, so /chat/rest answers by its own rules and an unknown path
  // answers 404 (a client URL with dot segments can resolve outside /chat/rest/),
  // never 415 for a header nobody reads.
  app.addHook('onRequest', (req, _reply, done) => {
    if (req.headers['content-type'] !== undefined && !req.url.startsWith('/agent/')) req.headers['content-type'] = 'text/plain';
    done();
  });

  // Clients send JSON with any Content-Type, or none, or an empty body with
  // application/json: read every body as text and let the gate parse it.
  app.removeAllContentTypeParsers();
  // The agent API is ours and strict: its bodies must be JSON (400 names the problem).
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    if (!req.url.startsWith('/agent/')) return done(null, body);
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new SwitchboardError('BODY_MALFORMED_JSON', (err as Error).message.slice(0, 120)), undefined);
    }
  });

  app.setErrorHandler((err: FastifyError | SwitchboardError, request, reply) => {
    let rendered: { status: number; body: string };
    if (err instanceof SwitchboardError) {
      rendered = renderError(err.code, err.detail);
      if (err.retryAfterSeconds !== undefined) void reply.header('Retry-After', String(err.retryAfterSeconds));
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      rendered = renderError('BODY_TOO_LARGE', `limit ${opts.maxBodyBytes} bytes`);
    } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      rendered = { status: err.statusCode, body: err.message.slice(0, 200) };
    } else {
      request.log.error({ err, reqId: request.id, url: request.url }, 'unhandled error');
      rendered = renderError('INTERNAL');
    }
    opts.metrics.errorAnswered(rendered.status);
    void reply.code(rendered.status).type('text/plain; charset=utf-8').send(rendered.body);
  });

  app.setNotFoundHandler((request, reply) => {
    opts.metrics.errorAnswered(404);
    const r = renderError('RESOURCE_NOT_FOUND', `${request.method} ${request.url.split('?')[0]!.slice(0, 100)}`);
    void reply.code(r.status).type('text/plain; charset=utf-8').send(r.body);
  });

  registerCors(app);
  return app;
}

/** Trusts the nearest `hops` proxies: X-Forwarded-For is read that many entries back. */
function trustHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}
