/**
 * Hooks every agent-API request passes before its route (registered before the agent routes,
 * so the visitor routes, registered earlier, get none of them):
 *
 * - In a cluster (ADR 0066), a credential of a person another shard made since this node
 *   started is looked up in the store first, so the route answers 421 naming that shard,
 *   not 401 (a client signs out on 401).
 * - A query number too large for a double ("1e400", "Infinity") is coerced by the schema
 *   check to Infinity, which passes its `maximum` (ajv checks ranges of finite numbers only)
 *   and would reach SQL or the serializer as a 500: refused as any other bad query (400).
 */
import type { FastifyInstance } from 'fastify';
import type { UserDirectory } from '../../core/identity/user-directory.js';
import { SwitchboardError } from '../../protocol/errors.js';
import { credentialOf } from './agent-access.js';

export function registerAgentRequestChecks(app: FastifyInstance, users: UserDirectory, inCluster: boolean): void {
  if (inCluster) {
    app.addHook('onRequest', async (request) => {
      if (!request.url.startsWith('/agent/')) return;
      const credential = credentialOf(request);
      if (credential !== undefined && users.mayBeOtherShards(credential)) await users.learnOtherShards();
    });
  }
  app.addHook('preHandler', (request, _reply, done) => {
    const query = request.query as Record<string, unknown> | null | undefined;
    if (query) {
      for (const key in query) {
        const value = query[key];
        if (typeof value === 'number' && !Number.isFinite(value)) return done(new SwitchboardError('QUERY_INVALID', `querystring/${key.slice(0, 40)} must be a finite number`));
      }
    }
    done();
  });
}
