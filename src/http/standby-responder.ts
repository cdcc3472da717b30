/**
 * What a standby node answers while it waits for the store (ADR 0048): it listens
 * on the node's address so that probes tell a live standby from a dead one,
 * `/healthz` 200 (the process is up: a liveness probe leaves it alone) and
 * `/readyz` 503 `standby` (a load balancer sends it nothing); every other path 503
 * from the error catalogue with Retry-After. Plain node:http, no fastify: the
 * server proper is built only once the node holds the store, and then takes over
 * this port (close() frees it just before).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderError } from './error-catalogue.js';

export interface StandbyResponder {
  /** The port it listens on (the one asked for, or the one the OS chose for 0). */
  readonly port: number;
  /** `http://host:port`, as the server proper says it when it listens. */
  readonly url: string;
  /** Stops listening and cuts every connection (a client then tries again, and reaches the server proper). */
  close(): Promise<void>;
}

/** Seconds a client that reached the standby waits before it tries again. */
const RETRY_AFTER_SECONDS = 1;

function answer(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  const [status, body] = path === '/healthz' ? [200, 'ok'] : path === '/readyz' ? [503, 'standby'] : ((r) => [r.status, r.body] as const)(renderError('NODE_STANDBY'));
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  if (status === 503) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  // Each answer ends its connection: nothing of the standby lingers on a keep-alive socket at the takeover.
  res.setHeader('Connection', 'close');
  res.end(req.method === 'HEAD' ? undefined : body);
  req.resume();
}

export function listenAsStandby(host: string, port: number): Promise<StandbyResponder> {
  const server = createServer(answer);
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
