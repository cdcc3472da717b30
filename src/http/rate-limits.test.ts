/**
 * Abuse limits at the edges (settings.newSessionsPerMinutePerAddress,
 * settings.failedLoginsPerAddress, settings.fileUploadsPerMinutePerAddress): 429 with Retry-After from a remote address,
 * never from loopback (the demo deployment's contract), and off at 0.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { boot, stopAll, VERSION } from '../core/inject-harness.test-support.js';
import { DEMO_IDS } from '../config/demo-deployment.js';
import type { Switchboard } from '../main.js';

afterEach(stopAll);

const newSession = (sb: Switchboard, remoteAddress: string) =>
  sb.app.inject({ method: 'GET', url: '/chat/rest/System/SessionId', remoteAddress, headers: { ...VERSION, 'x-liveagent-affinity': 'null' } });
const login = (sb: Switchboard, remoteAddress: string, password: string) =>
  sb.app.inject({ method: 'POST', url: '/agent/v1/auth/login', remoteAddress, payload: { username: 'agent', password } });

describe('new visitor sessions per address', () => {
  it('answers 429 with Retry-After past the limit, per address; the minute after, sessions open again', async () => {
    const { sb, clock } = await boot({ newSessionsPerMinutePerAddress: 3 });
    for (let i = 0; i < 3; i++) expect((await newSession(sb, '192.0.2.10')).statusCode).toBe(200);
    const limited = await newSession(sb, '192.0.2.10');
    expect(limited.statusCode).toBe(429);
    expect(limited.body).toBe('Too Many Requests: new sessions from this address');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await newSession(sb, '192.0.2.11')).statusCode).toBe(200); // another address
    clock.advance(20_000); // a third of a minute: one session's worth
    expect((await newSession(sb, '192.0.2.10')).statusCode).toBe(200);
    expect((await newSession(sb, '192.0.2.10')).statusCode).toBe(429);
  });

  it('counts an IPv6 client by its /64: a host choosing a new address per request shares one limit', async () => {
    const { sb } = await boot({ newSessionsPerMinutePerAddress: 3 });
    for (let i = 1; i <= 3; i++) expect((await newSession(sb, `2001:db8:1:2::${i.toString(16)}`)).statusCode).toBe(200);
    expect((await newSession(sb, '2001:db8:1:2:abcd:ef01:2345:6789')).statusCode).toBe(429);
    expect((await newSession(sb, '2001:db8:1:3::1')).statusCode, 'another /64').toBe(200);
  });

  it('never limits loopback, and is off at 0', async () => {
    const { sb } = await boot({ newSessionsPerMinutePerAddress: 2 });
    for (let i = 0; i < 10; i++) expect((await newSession(sb, '127.0.0.1')).statusCode).toBe(200);
    const off = (await boot({ newSessionsPerMinutePerAddress: 0 })).sb;
    for (let i = 0; i < 10; i++) expect((await newSession(off, '192.0.2.10')).statusCode).toBe(200);
  });
});

describe('breadcrumbs without a session per address', () => {
  it('answers 429 past the limit from a remote address; in a chat, and from loopback, breadcrumbs are not limited', async () => {
    const { sb } = await boot({ breadcrumbsPerMinutePerAddress: 2 });
    const crumb = (remoteAddress: string, extra: Record<string, string> = {}) => sb.app.inject({
      method: 'POST', url: '/chat/rest/Visitor/Breadcrumb', remoteAddress,
      headers: { ...VERSION, cookie: 'liveagent_vid=victim-visitor-0001', ...extra }, payload: { location: 'https://shop.example/x' },
    });
    for (let i = 0; i < 2; i++) expect((await crumb('198.51.100.9')).statusCode).toBe(200);
    const limited = await crumb('198.51.100.9');
    expect([limited.statusCode, limited.body]).toEqual([429, 'Too Many Requests: breadcrumbs without a session from this address']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 5; i++) expect((await crumb('127.0.0.1')).statusCode).toBe(200);
    // In a chat (a session key): not limited.
    const s = await newSession(sb, '198.51.100.9');
    const { key, affinityToken } = s.json<{ key: string; affinityToken: string }>();
    for (let i = 0; i < 5; i++) expect((await crumb('198.51.100.9', { 'x-liveagent-session-key': key, 'x-liveagent-affinity': affinityToken })).statusCode).toBe(200);
  });
});

describe('failed agent logins per user name and address', () => {
  it('throttles password guessing: 429 after the allowed failures, even for the right password, until a minute passes', async () => {
    const { sb, clock } = await boot({ failedLoginsPerAddress: 3 });
    for (let i = 0; i < 3; i++) expect((await login(sb, '198.51.100.7', `wrong-${i}`)).statusCode).toBe(401);
    const limited = await login(sb, '198.51.100.7', 'agent-demo');
    expect(limited.statusCode).toBe(429);
    expect(limited.body).toMatch(/^Too Many Requests: too many wrong passwords/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // The user is not locked out everywhere: from another address the right password works.
    expect((await login(sb, '198.51.100.8', 'agent-demo')).statusCode).toBe(200);
    clock.advance(60_000);
    expect((await login(sb, '198.51.100.7', 'agent-demo')).statusCode).toBe(200);
    // Right passwords never use up the allowance.
    for (let i = 0; i < 5; i++) expect((await login(sb, '198.51.100.9', 'agent-demo')).statusCode).toBe(200);
  });

  it('guesses sent all at once are charged before they are checked: no more than the allowance is ever checked', async () => {
    const { sb } = await boot({ failedLoginsPerAddress: 3 });
    // A scrypt-hashed password: each check takes a libuv thread for a while, so the guesses overlap.
    await sb.users.createUser(DEMO_IDS.organizationId, { name: 'Hashed', username: 'hashed', password: 'the-right-password', role: 'agent', skills: [], capacity: 1 });
    const guess = (i: number) => sb.app.inject({ method: 'POST', url: '/agent/v1/auth/login', remoteAddress: '198.51.100.20', payload: { username: 'hashed', password: `parallel-${i}` } });
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => guess(i)));
    const codes = answers.map((a) => a.statusCode);
    expect(codes.filter((c) => c === 401).length).toBeLessThanOrEqual(3);
    expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(27);
    expect(codes.every((c) => c === 401 || c === 429)).toBe(true);
  });

  it('counts a user name with and without surrounding white space as one: padding a guess does not buy more', async () => {
    const { sb } = await boot({ failedLoginsPerAddress: 3 });
    const guess = (username: string, password: string) => sb.app.inject({ method: 'POST', url: '/agent/v1/auth/login', remoteAddress: '198.51.100.30', payload: { username, password } });
    const codes = [];
    for (const username of ['agent', ' agent', 'agent ', '\tagent\n']) codes.push((await guess(username, `wrong-${username.length}`)).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
    expect((await guess(' agent ', 'agent-demo')).statusCode, 'the right password too, until a minute passes').toBe(429);
  });

  it('never limits loopback', async () => {
    const { sb } = await boot({ failedLoginsPerAddress: 1 });
    for (let i = 0; i < 5; i++) expect((await login(sb, '127.0.0.1', 'wrong')).statusCode).toBe(401);
    expect((await login(sb, '127.0.0.1', 'agent-demo')).statusCode).toBe(200);
  });
});

describe('file uploads per address', () => {
  const upload = (sb: Switchboard, remoteAddress: string) =>
    sb.app.inject({ method: 'POST', url: '/chat/file-transfer?chatKey=nobody!x&fileToken=t', remoteAddress, headers: { 'content-type': 'application/octet-stream' }, payload: 'x' });

  it('answers 429 with Retry-After past settings.fileUploadsPerMinutePerAddress, per address; loopback never', async () => {
    const { sb, clock } = await boot({ fileUploadsPerMinutePerAddress: 2 });
    for (let i = 0; i < 2; i++) expect((await upload(sb, '192.0.2.30')).statusCode).toBe(403); // counted, then refused for its token
    const limited = await upload(sb, '192.0.2.30');
    expect([limited.statusCode, limited.body]).toEqual([429, 'Too Many Requests: file uploads from this address']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await upload(sb, '192.0.2.31')).statusCode, 'another address').toBe(403);
    for (let i = 0; i < 5; i++) expect((await upload(sb, '127.0.0.1')).statusCode).toBe(403);
    clock.advance(30_000); // half a minute: one upload's worth
    expect((await upload(sb, '192.0.2.30')).statusCode).toBe(403);
    expect((await upload(sb, '192.0.2.30')).statusCode).toBe(429);
  });

  it('allows 30 a minute by default, and is off at 0', async () => {
    const { sb } = await boot();
    for (let i = 0; i < 30; i++) expect((await upload(sb, '192.0.2.32')).statusCode).toBe(403);
    expect((await upload(sb, '192.0.2.32')).statusCode).toBe(429);
    const off = (await boot({ fileUploadsPerMinutePerAddress: 0 })).sb;
    for (let i = 0; i < 40; i++) expect((await upload(off, '192.0.2.32')).statusCode).toBe(403);
  });
});
