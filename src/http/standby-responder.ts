/**
 * What a standby node answers while it waits for the store (ADR 0048): it listens
 * on the node's address so that probes tell a live standby from a dead one,
 * `/healthz` 200 (the process is up: a liveness probe leaves it alone) and
 * `/readyz` 503 `standby` (a load balancer sends it nothing); every other path 503
 * from the error catalogue with Retry-After. Plain node:http, no fastify: the
 * server proper is built only once the node holds the store, and then takes over
 * this port (close() frees it just before).
 *
 * CORS as the server proper answers it (cors.ts, ADR 0018) for the origins it
 * serves: the visitor widget runs on the customer's site, and a browser hides a
 * cross-origin answer without them, so the widget would see a network error
 * instead of the 503 NODE_STANDBY it knows to retry. An origin the server would
 * refuse gets no CORS headers (not its 403: the standby carries nothing out).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addCorsHeadersWhenAllowed, addPreflightHeaders, type OriginPolicy } from './cors.js';
import type { HealthzAnswer, NotReadyAnswer } from '../protocol/health-types.js';
import { renderError } from './error-catalogue.js';

export interface StandbyResponder {
  /** The port it listens on (the one asked for, or the one the OS chose for 0). */
  readonly port: number;
  /** `http://host:port`, as the server proper says it when it listens. */
  readonly url: string;
  /** Stops listening and cuts every connection (a client then tries again, and reaches the server proper). */
  close(): Promise<void>;
}

/** The probes' answers, of their wire types (src/protocol/health-types.ts). */
const HEALTHY: HealthzAnswer = 'ok';
const STANDING_BY: NotReadyAnswer = 'standby';

/** Seconds a client that reached the standby waits before it tries again. */
const RETRY_AFTER_SECONDS = 1;

function answer(req: IncomingMessage, res: ServerResponse, allowsOrigin: OriginPolicy): void {
  const origin = req.headers.origin;
  let cors = false;
  const headers = { header: (name: string, value: string) => { cors = true; res.setHeader(name, value); } };
  addCorsHeadersWhenAllowed(origin, req.headers.host, allowsOrigin, headers);
  if (cors && req.method === 'OPTIONS') {
    // The preflight the server proper answers too: the request it clears then gets the 503 below.
    addPreflightHeaders(req.headers['access-control-request-headers'], headers, req.headers['access-control-request-private-network']);
    res.statusCode = 204;
    res.setHeader('Connection', 'close');
    res.end();
    req.resume();
    return;
  }
  const path = (req.url ?? '/').split('?')[0];
  const [status, body] = path === '/healthz' ? [200, HEALTHY] : path === '/readyz' ? [503, STANDING_BY] : ((r) => [r.status, r.body] as const)(renderError('NODE_STANDBY'));
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  if (status === 503) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  // Each answer ends its connection: nothing of the standby lingers on a keep-alive socket at the takeover.
  res.setHeader('Connection', 'close');
  res.end(req.method === 'HEAD' ? undefined : body);
  req.resume();
}

/** `allowsOrigin`: the node's `server.allowedOrigins` (cors.ts), for the CORS headers of its answers. */
export function listenAsStandby(host: string, port: number, allowsOrigin: OriginPolicy): Promise<StandbyResponder> {
  const server = createServer((req, res) => answer(req, res, allowsOrigin));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const actual = (server.address() as AddressInfo).port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        port: actual,
        url: `http://${shownHost}:${actual}`,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}
