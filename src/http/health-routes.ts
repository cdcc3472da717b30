import type { FastifyInstance } from 'fastify';
import type { ChatStore } from '../ports/chat-store.js';

/**
 * /healthz: the process serves. /readyz: the store answers too, and takes writes
 * (`writesFailing`: the last group commit failed and waits to be written again),
 * and this node holds its store's node lock (`lockHeld`: PostgreSQL can lose it
 * with its connection, ADR 0017), and (SQLite) the WAL is still checkpointed: a
 * checkpointer thread that crashed too often is not restarted, and the WAL grows.
 */
export function registerHealthRoutes(app: FastifyInstance, store: ChatStore, writesFailing: () => boolean, lockHeld: () => boolean = () => true, checkpointsStopped: () => boolean = () => false): void {
  app.get('/healthz', (_req, reply) => { void reply.type('text/plain').send('ok'); });
  app.get('/readyz', async (_req, reply) => {
    const ok = await store.ping();
    const problem = !ok ? 'store unavailable' : writesFailing() ? 'store refuses writes' : !lockHeld() ? 'node lock lost'
      : checkpointsStopped() ? 'WAL checkpoints stopped' : null;
    void reply.code(problem ? 503 : 200).type('text/plain').send(problem ?? 'ready');
  });
}
