/**
 * Doubled and trailing slashes in a visitor path, through fastify's routing (app.inject does not
 * pass the poll fast path's front): read as the single-slash path under /chat/rest/ only (ADR 0029).
 * Over real sockets, both ways in: test/protocol/http-edges.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { boot, stopAll, VERSION } from '../../core/inject-harness.test-support.js';

afterEach(stopAll);

describe('visitor paths with doubled or trailing slashes', () => {
  it.each(['/chat/rest//System/SessionId', '/chat/rest/System/SessionId/', '//chat/rest/System/SessionId'])('%s makes a session', async (url) => {
    const { sb } = await boot();
    const res = await sb.app.inject({ method: 'GET', url, headers: { ...VERSION, 'x-liveagent-affinity': 'null' } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ key: string }>().key).toBeTypeOf('string');
  });

  it('other paths keep their exact routing', async () => {
    const { sb } = await boot();
    expect((await sb.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const trailing = await sb.app.inject({ method: 'GET', url: '/healthz/' });
    expect([trailing.statusCode, trailing.body]).toEqual([404, 'Resource not found: GET /healthz/']);
  });
});
