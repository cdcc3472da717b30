/**
 * The hot standby's answers to a browser on another origin (ADR 0048, ADR 0018):
 * the CORS headers the server proper sends, so that the widget on a customer's
 * site can read the 503 NODE_STANDBY (and retry) rather than see a network error.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../adapters/memory/memory-chat-store.js';
import { demoOrg } from '../config/demo-deployment.js';
import { validateConfig } from '../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../main.js';
import { originPolicy } from './cors.js';
import { listenAsStandby, type StandbyResponder } from './standby-responder.js';

const ALLOWED = ['https://www.shop.example'];
const SITE = 'https://www.shop.example';
const PREFLIGHT = { origin: SITE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-liveagent-api-version, x-liveagent-session-key, content-type, x-custom-thing' };

let standby: StandbyResponder | undefined;
let server: Switchboard | undefined;
afterEach(async () => {
  await standby?.close();
  await server?.stop();
  standby = undefined;
  server = undefined;
});

/** The Access-Control-* and Vary headers of an answer, by lower-case name. */
function corsOf(headers: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.startsWith('access-control-') || k === 'vary').map(([k, v]) => [k, String(v)]));
}

function headersOf(res: Response): Record<string, string> {
  return Object.fromEntries([...res.headers.entries()]);
}

/** The server proper with the same allowed origins, through inject (no socket). */
async function serverProper(): Promise<Switchboard> {
  const config = validateConfig({ storage: { kind: 'memory' }, server: { allowedOrigins: ALLOWED }, orgs: [structuredClone(demoOrg)] }, 'test');
  server = await createSwitchboard(config, { clock: new FakeClock(), store: new MemoryChatStore(), logger: pino({ level: 'silent' }) });
  return server;
}

describe('standby responder CORS', () => {
  it('answers a preflight from an allowed origin as the server proper does, and its 503 carries the CORS headers', async () => {
    standby = await listenAsStandby('127.0.0.1', 0, originPolicy(ALLOWED));
    const pre = await fetch(`${standby.url}/chat/rest/Chasitor/ChatMessage`, { method: 'OPTIONS', headers: PREFLIGHT });
    expect(pre.status).toBe(204);
    const proper = await (await serverProper()).app.inject({ method: 'OPTIONS', url: '/chat/rest/Chasitor/ChatMessage', headers: PREFLIGHT });
    expect(proper.statusCode).toBe(204);
    expect(corsOf(headersOf(pre))).toEqual(corsOf(proper.headers));
    expect(corsOf(headersOf(pre))['access-control-allow-headers']).toMatch(/x-custom-thing/);

    const res = await fetch(`${standby.url}/chat/rest/Chasitor/ChatMessage`, { method: 'POST', headers: { origin: SITE, 'content-type': 'text/plain' }, body: '{}' });
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/standby/i);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(corsOf(headersOf(res))).toEqual({ 'access-control-allow-origin': SITE, 'access-control-allow-credentials': 'true', vary: 'Origin' });

    const probe = await fetch(`${standby.url}/readyz`, { headers: { origin: SITE } });
    expect(probe.status).toBe(503);
    expect(probe.headers.get('access-control-allow-origin')).toBe(SITE);
  });

  it('gives an origin the server would refuse no CORS headers, and a request without Origin none either', async () => {
    standby = await listenAsStandby('127.0.0.1', 0, originPolicy(ALLOWED));
    const pre = await fetch(`${standby.url}/chat/rest/Chasitor/ChatMessage`, { method: 'OPTIONS', headers: { ...PREFLIGHT, origin: 'https://evil.example' } });
    expect(pre.status, 'not a 204: the browser fails the preflight').toBe(503);
    expect(corsOf(headersOf(pre))).toEqual({});
    const plain = await fetch(`${standby.url}/chat/rest/System/SessionId`);
    expect(plain.status).toBe(503);
    expect(corsOf(headersOf(plain))).toEqual({});
    const noOriginOptions = await fetch(`${standby.url}/chat/rest/System/SessionId`, { method: 'OPTIONS' });
    expect(noOriginOptions.status).toBe(503);
  });
});
