/**
 * The origin (scheme and host) a request was sent to, as the client saw it: fastify's
 * `protocol` and `host` honour X-Forwarded-Proto and X-Forwarded-Host only from a proxy
 * server.trustProxy trusts. Used where the server hands out an absolute URL of itself
 * and `server.publicUrl` is not set (a file request's uploadServletUrl).
 */
import type { FastifyRequest } from 'fastify';

export function requestOrigin(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}
