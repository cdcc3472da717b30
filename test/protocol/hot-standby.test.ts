/**
 * Hot standby on SQLite (ADR 0048): a second process on the same data directory,
 * started with SWITCHBOARD_STANDBY, answers probes only (/healthz 200, /readyz 503
 * `standby`, anything else 503 with Retry-After) while the active node holds the
 * store, takes it over when that node is killed, as a restart does, and stops
 * promptly on SIGTERM while it stands by.
 */
import { describe, expect, it } from 'vitest';
import { OWNS_PROCESS, needsProcess, useServer, TestServer } from './harness.js';
import { Failover, expectStandingBy, untilReady } from './standby-support.js';
import { Visitor, expectOk } from './visitor.js';

const a = useServer();

function standbyOf(server: TestServer, env: Record<string, string> = {}): TestServer {
  return new TestServer({}, { env: { SWITCHBOARD_STANDBY: 'true', ...env }, dataDir: () => server.dataDir });
}

describe.skipIf(!OWNS_PROCESS)(needsProcess('hot standby on SQLite'), () => {
  it('a standby stops within 10 s of SIGTERM, with exit code 0, and leaves the active node alone', async () => {
    const c = standbyOf(a);
    try {
      await c.start();
      await expectStandingBy(c);
      const exit = await c.stop();
      expect(exit.ms, 'exits within 10 s of SIGTERM').toBeLessThan(10_000);
      expect(exit.code, c.logTail).toBe(0);
      expect(c.logTail).toMatch(/stopped while standing by/);
      const v = new Visitor(a);
      await v.start();
      await v.say('still here');
      expect(await v.awaitEchoes(['still here'])).toEqual(['still here']);
    } finally {
      await c.dispose();
    }
  });

  it("answers a browser on an allowed origin with the server's CORS headers (server.allowedOrigins), preflight included; another origin gets none", async () => {
    const site = 'https://www.shop.example';
    const c = standbyOf(a, { SWITCHBOARD_ALLOWED_ORIGINS: site });
    try {
      await c.start();
      await expectStandingBy(c);
      const url = `${c.baseUrl}/chat/rest/Chasitor/ChatMessage`;
      const preflight = await fetch(url, { method: 'OPTIONS', headers: { origin: site, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-liveagent-session-key, content-type' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(site);
      expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-LIVEAGENT-SESSION-KEY/);
      const post = await fetch(url, { method: 'POST', headers: { origin: site }, body: '{}' });
      expect([post.status, post.headers.get('access-control-allow-origin'), post.headers.get('access-control-allow-credentials')]).toEqual([503, site, 'true']);
      const other = await fetch(url, { method: 'POST', headers: { origin: 'https://evil.example' }, body: '{}' });
      expect([other.status, other.headers.get('access-control-allow-origin')]).toEqual([503, null]);
    } finally {
      await c.dispose();
    }
  });

  it('takes the store over after kill -9 of the active node: the accepted message is answered once, the chat goes on', async () => {
    const b = standbyOf(a);
    try {
      await b.start();
      await expectStandingBy(b);
      const front = new Failover(a);
      const v = new Visitor(front.server);
      await v.start();
      await v.say('s1');
      await v.awaitEchoes(['s1']);
      expectOk(await v.post('Chasitor/ChatMessage', { text: 's2' }), 'ChatMessage s2');
      await a.kill9();
      const takeoverMs = await untilReady(b, 15_000);
      console.info(`hot standby (SQLite): ready ${Math.round(takeoverMs)} ms after the active node's kill -9`);
      expect(takeoverMs).toBeLessThan(10_000);
      front.to(b);
      await v.awaitEchoes(['s1', 's2']);
      await v.say('s3');
      await v.awaitEchoes(['s1', 's2', 's3']);
      await v.expectNoMore();
      expect(v.echoes()).toEqual(['s1', 's2', 's3']);
    } finally {
      await b.dispose();
    }
  });
});
