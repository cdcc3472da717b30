/**
 * Builds the fastify instance: body handling that matches what Live Agent
 * clients send, the error catalogue as the only error renderer, CORS, and the
 * route groups. Knows nothing about storage.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { SwitchboardError } from '../protocol/errors.js';
import { renderError } from './error-catalogue.js';
import { registerCors } from './cors.js';
import type { VisitorMetrics } from './metrics.js';

export interface HttpServerOptions {
  logger: FastifyBaseLogger;
  maxBodyBytes: number;
  metrics: VisitorMetrics;
}

export function createHttpServer(opts: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger,
    // Per-request logs would dominate the hot path of a long-poll server.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.maxBodyBytes,
    // Held polls are answered by the shutdown path; then idle keep-alive sockets close.
    forceCloseConnections: 'idle',
    return503OnClosing: false,
    keepAliveTimeout: 65_000,
    requestTimeout: 0,
  });

  // Clients send JSON with any Content-Type, or none, or an empty body with
  // application/json: read every body as text and let the gate parse it.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: FastifyError | SwitchboardError, request, reply) => {
    let rendered: { status: number; body: string };
    if (err instanceof SwitchboardError) {
      rendered = renderError(err.code, err.detail);
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      rendered = renderError('BODY_TOO_LARGE', `limit ${opts.maxBodyBytes} bytes`);
    } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      rendered = { status: err.statusCode, body: err.message.slice(0, 200) };
    } else {
      request.log.error({ err, url: request.url }, 'unhandled error');
      rendered = renderError('INTERNAL');
    }
    opts.metrics.errorAnswered(rendered.status);
    void reply.code(rendered.status).type('text/plain; charset=utf-8').send(rendered.body);
  });

  app.setNotFoundHandler((request, reply) => {
    opts.metrics.errorAnswered(404);
    void reply.code(404).type('text/plain; charset=utf-8').send(`Not found: ${request.method} ${request.url.split('?')[0]!.slice(0, 100)}`);
  });

  registerCors(app);
  return app;
}
