import type { FastifyInstance } from 'fastify';
import type { ChatStore } from '../ports/chat-store.js';

/**
 * /healthz: the process serves. /readyz: the store answers too, and takes writes
 * (`writesFailing`: the last group commit failed and waits to be written again).
 */
export function registerHealthRoutes(app: FastifyInstance, store: ChatStore, writesFailing: () => boolean): void {
  app.get('/healthz', (_req, reply) => { void reply.type('text/plain').send('ok'); });
  app.get('/readyz', async (_req, reply) => {
    const ok = await store.ping();
    const failing = ok && writesFailing();
    void reply.code(ok && !failing ? 200 : 503).type('text/plain').send(!ok ? 'store unavailable' : failing ? 'store refuses writes' : 'ready');
  });
}
