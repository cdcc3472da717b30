/**
 * `server.allowedOrigins`: a browser request from an origin not on the list is
 * refused with 403 before it does anything — also a simple cross-site POST that
 * needs no preflight (a breadcrumb under the visitor cookie), and the long poll,
 * which is answered in front of fastify. Listed origins and clients that send no
 * Origin work as before. (Without the setting any origin is reflected:
 * transport.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { demoConfig, rawRequest, useServer } from './harness.js';
import { API_VERSION, Visitor, expectOk } from './visitor.js';

const ALLOWED = 'https://www.shop.example';
const EVIL = 'https://evil.example';
const SUPERVISOR = { id: '005000000000009', name: 'Sup', username: 'sup', password: 'plain:sup-password-1', role: 'supervisor' };

/** The demo config with a supervisor (to read a chat's breadcrumbs) and the allowed origins. */
function config(settings: Parameters<typeof demoConfig>[0]) {
  const c = demoConfig(settings) as { orgs: { agents: object[] }[] };
  c.orgs[0]!.agents.push(SUPERVISOR);
  return { ...c, server: { allowedOrigins: [ALLOWED, 'https://*.help.example'] } };
}
const server = useServer({}, { config });

describe('server.allowedOrigins', () => {
  it('refuses a request from another origin with 403 and does nothing; serves a listed origin with CORS', async () => {
    const crumbFrom = (origin: string, location: string) => server.req('POST', 'Visitor/Breadcrumb', {
      headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION, Origin: origin, Cookie: 'liveagent_vid=victim-visitor-0001' },
      body: JSON.stringify({ location }),
    });
    const refused = await crumbFrom(EVIL, 'https://evil.example/planted');
    expect([refused.status, refused.text]).toEqual([403, `Forbidden: origin ${EVIL} is not in server.allowedOrigins`]);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    const preflight = await server.req('OPTIONS', 'Chasitor/ChatMessage', { headers: { Origin: EVIL, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Private-Network': 'true' } });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    // Nor is a refused origin let into a private network.
    expect(preflight.headers.get('access-control-allow-private-network')).toBeNull();

    const served = await server.req('GET', 'System/SessionId', { headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION, 'X-LIVEAGENT-AFFINITY': 'null', Origin: 'https://eu.help.example' } });
    expect(served.status).toBe(200);
    expect(served.headers.get('access-control-allow-origin')).toBe('https://eu.help.example');
    expect(served.headers.get('access-control-allow-credentials')).toBe('true');

    // Only the breadcrumb from the listed origin is in the visitor's history.
    expect((await crumbFrom(ALLOWED, 'https://www.shop.example/cart')).status).toBe(200);
    const v = new Visitor(server);
    await v.createSession();
    expectOk(await v.init(v.initBody(), { headers: { Origin: ALLOWED, Cookie: 'liveagent_vid=victim-visitor-0001' } }), 'ChasitorInit from a listed origin');
    const login = await fetch(`${server.baseUrl}/agent/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'sup', password: 'sup-password-1' }) });
    const { accessToken } = await login.json() as { accessToken: string };
    const details = await fetch(`${server.baseUrl}/agent/v1/chats/${v.id}`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(details.status).toBe(200);
    const { breadcrumbs } = await details.json() as { breadcrumbs: { location: string }[] };
    expect(breadcrumbs.map((b) => b.location)).toEqual(['https://www.shop.example/cart']);
  });

  it('refuses the long poll from another origin (answered in front of fastify) and serves it from a listed one or with no Origin', async () => {
    const v = new Visitor(server);
    await v.start();
    const pollFrom = (origin?: string) => server.req('GET', 'System/Messages', { headers: v.headers(origin ? { Origin: origin } : {}), query: { ack: -1 } });
    const refused = await pollFrom(EVIL);
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('is not in server.allowedOrigins');
    const listed = await pollFrom(ALLOWED);
    expect([200, 204]).toContain(listed.status);
    expect(listed.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect([200, 204]).toContain((await pollFrom()).status);
  });

  it('answers errors raised before any route with CORS for a listed origin only', async () => {
    const host = new URL(server.baseUrl).host;
    for (const [what, head] of [
      ['unparseable', (origin: string) => `GET /chat/rest/Visitor/Settings HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${origin}\r\nContent-Length: abc\r\n\r\n`],
      ['undecodable URL', (origin: string) => `GET /chat/rest/%zz HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${origin}\r\nConnection: close\r\n\r\n`],
    ] as const) {
      const listed = await rawRequest(server.baseUrl, head(ALLOWED));
      expect(listed.status, what).toBe(400);
      expect(listed.headers['access-control-allow-origin'], what).toBe(ALLOWED);
      const other = await rawRequest(server.baseUrl, head(EVIL));
      expect(other.status, what).toBe(400);
      expect(other.headers['access-control-allow-origin'], what).toBeUndefined();
    }
  });
});
