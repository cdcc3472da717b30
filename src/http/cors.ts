/**
 * CORS for browser clients calling cross-origin with credentials: reflect the
 * exact Origin and list every requested header by name (`*` is not honoured with
 * credentials), always including the Live Agent headers.
 */
import type { FastifyInstance } from 'fastify';

const ALWAYS_ALLOWED = ['X-LIVEAGENT-API-VERSION', 'X-LIVEAGENT-AFFINITY', 'X-LIVEAGENT-SESSION-KEY', 'X-LIVEAGENT-SEQUENCE', 'Content-Type', 'Authorization', 'Last-Event-ID'];

/** The headers every cross-origin answer carries (fastify's hook below, and the poll fast path). */
export function addCorsHeaders(origin: string | undefined, reply: { header(name: string, value: string): unknown }): void {
  if (!origin) return;
  reply.header('Access-Control-Allow-Origin', origin);
  reply.header('Access-Control-Allow-Credentials', 'true');
  reply.header('Vary', 'Origin');
}

export function registerCors(app: FastifyInstance): void {
  app.addHook('onRequest', (req, reply, done) => {
    const origin = req.headers.origin;
    addCorsHeaders(origin, reply);
    if (req.method === 'OPTIONS' && origin) {
      const requested = String(req.headers['access-control-request-headers'] ?? '')
        .split(',').map((h) => h.trim()).filter(Boolean);
      const names = [...ALWAYS_ALLOWED];
      for (const h of requested) if (!names.some((n) => n.toLowerCase() === h.toLowerCase())) names.push(h);
      reply.header('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
      reply.header('Access-Control-Allow-Headers', names.join(', '));
      reply.header('Access-Control-Max-Age', '600');
      void reply.code(204).send();
      return;
    }
    done();
  });
}
