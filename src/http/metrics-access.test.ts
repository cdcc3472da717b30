/**
 * Who may read /metrics: anyone while `server.metricsToken` is unset (as before),
 * only a scraper sending `Authorization: Bearer <token>` once it is set, nobody
 * with `server.metrics: false`. A whole Switchboard on the memory store, driven
 * with `app.inject`; the log checks go through a real socket, whose requests are
 * the ones that are logged.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { demoOrg } from '../config/demo-deployment.js';
import { loadConfig, validateConfig } from '../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../main.js';
import { FakeClock } from '../adapters/memory/fake-clock.js';

const TOKEN = 'c0ffee5eed4b1d8c2e9f7a6b5c4d3e2f';

let running: Switchboard[] = [];
afterEach(async () => {
  for (const sb of running) await sb.stop();
  running = [];
});
const dir = mkdtempSync(join(tmpdir(), 'sb-metrics-access-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface LogLine { level: number; msg: string; [field: string]: unknown }

function capture() {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  return { lines, text: () => raw.join(''), logDestination: { write: (s: string) => { raw.push(s); lines.push(JSON.parse(s) as LogLine); } } };
}

async function boot(server: Record<string, unknown>, log?: ReturnType<typeof capture>, settings: Record<string, unknown> = {}, clock?: FakeClock): Promise<Switchboard> {
  const config = validateConfig({ server: { host: '127.0.0.1', port: 0, ...server }, settings, storage: { kind: 'memory' }, orgs: [structuredClone(demoOrg)] }, 'test');
  const sb = await createSwitchboard(config, { ...(log ? { logDestination: log.logDestination } : { logger: pino({ level: 'silent' }) }), ...(clock ? { clock } : {}) });
  running.push(sb);
  return sb;
}

const scrape = (sb: Switchboard, authorization?: string, method: 'GET' | 'HEAD' = 'GET', remoteAddress?: string) =>
  sb.app.inject({ method, url: '/metrics', headers: authorization === undefined ? {} : { authorization }, ...(remoteAddress === undefined ? {} : { remoteAddress }) });

describe('/metrics with server.metricsToken', () => {
  it('answers 401 with a Bearer challenge and a reason without the token, 200 with it', async () => {
    const sb = await boot({ metricsToken: TOKEN });

    const none = await scrape(sb);
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(none.headers['cache-control']).toBe('no-store');
    expect(none.body).toBe('Authentication required: send Authorization: Bearer <token> (server.metricsToken)');
    expect(none.body).not.toContain('switchboard_');

    for (const wrong of [`Bearer ${TOKEN.slice(0, -1)}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}0`, 'Bearer x', `Basic ${Buffer.from(`prometheus:${TOKEN}`).toString('base64')}`, TOKEN, 'Bearer ']) {
      const r = await scrape(sb, wrong);
      expect(r.statusCode, wrong).toBe(401);
      expect(r.headers['www-authenticate'], wrong).toBe('Bearer');
      expect(r.body, wrong).toMatch(/^Authentication required: (wrong token|send Authorization: Bearer <token> \(server\.metricsToken\))$/);
    }
    expect((await scrape(sb, `Bearer ${TOKEN.slice(0, -1)}x`)).body).toBe('Authentication required: wrong token');

    for (const right of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `Bearer  ${TOKEN} `]) {
      const ok = await scrape(sb, right);
      expect(ok.statusCode, right).toBe(200);
      expect(ok.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(ok.body).toContain('switchboard_open_sessions');
    }
    // HEAD is the same route: it tells nothing more without the token.
    expect((await scrape(sb, undefined, 'HEAD')).statusCode).toBe(401);
    expect((await scrape(sb, `Bearer ${TOKEN}`, 'HEAD')).statusCode).toBe(200);
    // The rest of the server does not ask for it.
    expect((await sb.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('is unchanged while the token is unset: anyone may read it, whatever Authorization says', async () => {
    const sb = await boot({});
    for (const authorization of [undefined, 'Bearer anything-at-all-here', 'Basic Zm9vOmJhcg==']) {
      const r = await scrape(sb, authorization);
      expect(r.statusCode, authorization).toBe(200);
      expect(r.headers['www-authenticate']).toBeUndefined();
      expect(r.body).toContain('switchboard_open_sessions');
    }
  });

  it('takes the token from SWITCHBOARD_METRICS_TOKEN over the file', async () => {
    const fromFile = 'f'.repeat(24);
    const file = join(dir, 'metrics.yaml');
    writeFileSync(file, `server:\n  host: 127.0.0.1\n  port: 0\n  metricsToken: ${fromFile}\nstorage:\n  kind: memory\n`);
    const config = loadConfig(file, { SWITCHBOARD_METRICS_TOKEN: TOKEN }, {});
    const sb = await createSwitchboard(config, { logger: pino({ level: 'silent' }) });
    running.push(sb);
    expect((await scrape(sb, `Bearer ${fromFile}`)).statusCode).toBe(401);
    expect((await scrape(sb, `Bearer ${TOKEN}`)).statusCode).toBe(200);
  });

  it('every 401 carries the Bearer challenge: the agent API\'s too', async () => {
    const sb = await boot({});
    const r = await sb.app.inject({ method: 'GET', url: '/agent/v1/chats' });
    expect(r.statusCode).toBe(401);
    expect(r.headers['www-authenticate']).toBe('Bearer');
  });

  it('never logs the token, sent right or wrong, and counts a refused scrape as a 401', async () => {
    const log = capture();
    const sb = await boot({ metricsToken: TOKEN, logLevel: 'debug' }, log);
    const url = await sb.listen();
    const wrong = 'wrong-token-0123456789abcdef';
    expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${wrong}` } })).status).toBe(401);
    const ok = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^switchboard_http_errors_total\{status="401"\} 1$/m);
    const refused = log.lines.find((l) => l.msg === 'request failed' && l['path'] === '/metrics');
    expect(refused, log.text()).toMatchObject({ level: 30, status: 401, code: 'UNAUTHENTICATED' });
    expect(log.lines.some((l) => l.msg === 'request answered' && l['path'] === '/metrics' && l['status'] === 200), log.text()).toBe(true);
    expect(log.text()).not.toContain(TOKEN);
    expect(log.text()).not.toContain(wrong);
  });
});

describe('wrong metrics tokens per address (settings.failedMetricsTokensPerAddress)', () => {
  const RIGHT = `Bearer ${TOKEN}`;
  const WRONG = 'Bearer wrong-token-0123456789abcdef';
  const LIMITED = 'Too Many Requests: too many wrong metrics tokens from this address';

  it('answers 429 with Retry-After after the allowed wrong tokens, even to the right one, until a minute passes', async () => {
    const clock = new FakeClock();
    const sb = await boot({ metricsToken: TOKEN }, undefined, { failedMetricsTokensPerAddress: 3 }, clock);
    for (let i = 0; i < 3; i++) expect((await scrape(sb, WRONG, 'GET', '198.51.100.7')).statusCode).toBe(401);
    for (const authorization of [WRONG, RIGHT]) {
      const limited = await scrape(sb, authorization, 'GET', '198.51.100.7');
      expect([limited.statusCode, limited.body]).toEqual([429, LIMITED]);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    }
    // Only that address: the scraper elsewhere is not locked out.
    expect((await scrape(sb, RIGHT, 'GET', '198.51.100.8')).statusCode).toBe(200);
    clock.advance(60_000);
    expect((await scrape(sb, RIGHT, 'GET', '198.51.100.7')).statusCode).toBe(200);
    // One more try a minute, not a fresh allowance.
    expect((await scrape(sb, WRONG, 'GET', '198.51.100.7')).statusCode).toBe(401);
    expect((await scrape(sb, WRONG, 'GET', '198.51.100.7')).statusCode).toBe(429);
  });

  it('the right token and a request with no token use up nothing; an IPv6 client counts by its /64', async () => {
    const sb = await boot({ metricsToken: TOKEN }, undefined, { failedMetricsTokensPerAddress: 2 });
    for (let i = 0; i < 10; i++) expect((await scrape(sb, RIGHT, 'GET', '198.51.100.9')).statusCode).toBe(200);
    for (let i = 0; i < 10; i++) expect((await scrape(sb, undefined, 'GET', '198.51.100.9')).statusCode).toBe(401);
    for (let i = 0; i < 10; i++) expect((await scrape(sb, 'Basic Zm9vOmJhcg==', 'GET', '198.51.100.9')).statusCode).toBe(401);
    expect((await scrape(sb, RIGHT, 'GET', '198.51.100.9')).statusCode).toBe(200);
    expect((await scrape(sb, WRONG, 'GET', '2001:db8:1:2::1')).statusCode).toBe(401);
    expect((await scrape(sb, WRONG, 'HEAD', '2001:db8:1:2::2')).statusCode).toBe(401);
    expect((await scrape(sb, RIGHT, 'GET', '2001:db8:1:2:abcd::9')).statusCode).toBe(429);
    expect((await scrape(sb, RIGHT, 'GET', '2001:db8:1:3::1')).statusCode, 'another /64').toBe(200);
  });

  it('never limits loopback, and is off at 0', async () => {
    const sb = await boot({ metricsToken: TOKEN }, undefined, { failedMetricsTokensPerAddress: 1 });
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      for (let i = 0; i < 5; i++) expect((await scrape(sb, WRONG, 'GET', address)).statusCode, address).toBe(401);
      expect((await scrape(sb, RIGHT, 'GET', address)).statusCode, address).toBe(200);
    }
    // The same server limits the first wrong token from anywhere else.
    expect((await scrape(sb, WRONG, 'GET', '198.51.100.7')).statusCode).toBe(401);
    expect((await scrape(sb, RIGHT, 'GET', '198.51.100.7')).statusCode).toBe(429);
    const off = await boot({ metricsToken: TOKEN }, undefined, { failedMetricsTokensPerAddress: 0 });
    for (let i = 0; i < 20; i++) expect((await scrape(off, WRONG, 'GET', '198.51.100.7')).statusCode).toBe(401);
    expect((await scrape(off, RIGHT, 'GET', '198.51.100.7')).statusCode).toBe(200);
  });

  it('logs each refusal once, the 429 at warn, with the client address seen through a trusted proxy, never the token', async () => {
    const log = capture();
    const sb = await boot({ metricsToken: TOKEN, trustProxy: '127.0.0.1', logLevel: 'info' }, log, { failedMetricsTokensPerAddress: 1 });
    const url = await sb.listen();
    const get = (authorization: string) => fetch(`${url}/metrics`, { headers: { authorization, 'x-forwarded-for': '203.0.113.5' } });
    expect((await get(WRONG)).status).toBe(401);
    const limited = await get(RIGHT);
    expect([limited.status, await limited.text()]).toEqual([429, LIMITED]);
    const lines = log.lines.filter((l) => l['path'] === '/metrics');
    expect(lines, log.text()).toEqual([
      expect.objectContaining({ level: 30, msg: 'request failed', status: 401, code: 'UNAUTHENTICATED', client: '203.0.113.5' }),
      expect.objectContaining({ level: 40, msg: 'request failed', status: 429, code: 'RATE_LIMITED', client: '203.0.113.5' }),
    ]);
    expect(log.text()).not.toContain(TOKEN);
    expect(log.text()).not.toContain('wrong-token-0123456789abcdef');
    // Another client behind the same proxy has an allowance of its own.
    expect((await fetch(`${url}/metrics`, { headers: { authorization: RIGHT, 'x-forwarded-for': '203.0.113.6' } })).status).toBe(200);
  });
});

describe('server.metrics: false', () => {
  it('has no /metrics at all (404, as any unknown path), with or without a token', async () => {
    for (const server of [{ metrics: false }, { metrics: false, metricsToken: TOKEN }]) {
      const sb = await boot(server);
      for (const authorization of [undefined, `Bearer ${TOKEN}`]) {
        const r = await scrape(sb, authorization);
        expect(r.statusCode, JSON.stringify(server)).toBe(404);
        expect(r.body).toBe('Resource not found: GET /metrics');
      }
      expect((await sb.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    }
  });
});

describe('the start-up line about open metrics', () => {
  const OPEN = 'metrics are served without a token on a non-loopback address: anyone who reaches the port can read them (set server.metricsToken, or block /metrics at your proxy)';

  it('is logged (info) when /metrics is open and the server listens beyond loopback, and only then', async () => {
    const cases: [Record<string, unknown>, boolean][] = [
      [{ host: '0.0.0.0' }, true],
      [{ host: '0.0.0.0', metricsToken: TOKEN }, false],
      [{ host: '0.0.0.0', metrics: false }, false],
      [{ host: '127.0.0.1' }, false],
    ];
    for (const [server, expected] of cases) {
      const log = capture();
      const sb = await boot({ logLevel: 'info', ...server }, log);
      await sb.listen();
      const line = log.lines.find((l) => l.msg === OPEN);
      expect(line !== undefined, JSON.stringify(server)).toBe(expected);
      if (line) expect(line).toMatchObject({ level: 30, host: '0.0.0.0' });
      await sb.stop();
      running = running.filter((r) => r !== sb);
    }
  });
});
