import type { FastifyInstance } from 'fastify';
import type { ChatStore } from '../ports/chat-store.js';

/** /healthz: the process serves. /readyz: the store answers too. */
export function registerHealthRoutes(app: FastifyInstance, store: ChatStore): void {
  app.get('/healthz', (_req, reply) => { void reply.type('text/plain').send('ok'); });
  app.get('/readyz', async (_req, reply) => {
    const ok = await store.ping();
    void reply.code(ok ? 200 : 503).type('text/plain').send(ok ? 'ready' : 'store unavailable');
  });
}
