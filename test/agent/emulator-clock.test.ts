/**
 * Emulator mode's time control (docs/emulator.md "Controlling time", ADR 0030):
 * POST /emulator/v1/clock moves the server's clock forward and everything due
 * in the span happens at once — here a chasitor idle timeout of minutes, its
 * warning and then its end, in well under a second of real time, with the
 * transcript's times those of the moved clock. Also: the reading, validation,
 * admins only. (Off and on a durable store: emulator-reset.test.ts.)
 */
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, VisitorClient } from '../../packages/sdk/src/index.js';
import { OWNS_PROCESS, TestServer, request, type TestSettings } from '../protocol/harness.js';
import { SESSION_GONE } from '../protocol/visitor.js';
import { AgentUser, DEPLOYMENT, ORG, onlineAgent, until } from './agent-fixtures.js';
import { USERS, admin, chatAcceptedBy, emulatorConfig, reset } from './emulator-fixtures.js';

/** A button like a production one: the warning after 2 minutes of visitor silence, the end after 5. */
const SLOW_IDLE_BUTTON = '5730000000000A8';
const WARNING_S = 120;
const TIMEOUT_S = 300;

/** The emulator config plus {@link SLOW_IDLE_BUTTON}, served by ivy (skill `idle`). */
function clockConfig(settings: TestSettings): object {
  const config = emulatorConfig(settings) as { orgs: { deployments: { buttons: object[] }[] }[] };
  config.orgs[0]!.deployments[0]!.buttons.push({
    id: SLOW_IDLE_BUTTON, type: 'Standard', skills: ['idle'], chasitorIdleTimeout: { isEnabled: true, warningTime: WARNING_S, timeout: TIMEOUT_S },
  });
  return config;
}

// clientPollTimeout 40 s + grace 20 s: both advances of the idle test are longer than a silent
// visitor may live. A hold of 5 s: the poll the visitor leaves held is still held when the advance
// comes (no test here waits for a quiet poll).
const server = new TestServer({ pollHoldSeconds: 5, agentGraceSeconds: 60, clientPollTimeoutSeconds: 40, sessionGraceSeconds: 20 }, { config: clockConfig });
beforeAll(() => server.start());
afterAll(() => server.dispose());

const agents: AgentUser[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.disconnect().catch(() => undefined);
});

interface Reading { now: number; iso: string; offsetSeconds: number }

async function advance(who: AgentUser, seconds: number): Promise<Reading> {
  const res = await who.call('POST', '/emulator/v1/clock', { advanceSeconds: seconds });
  expect(res.status, `advance ${seconds}: ${res.text}`).toBe(200);
  return res.json as Reading;
}

async function transcript(who: AgentUser, chatId: string): Promise<{ type: string; at: number; data: Record<string, unknown> }[]> {
  return (await who.ok<{ events: { type: string; at: number; data: Record<string, unknown> }[] }>('GET', `/agent/v1/chats/${chatId}/transcript`)).events;
}

describe.skipIf(!OWNS_PROCESS)('emulator mode: controlling time', () => {
  it('warns an idle visitor and then ends the chat when the clock is advanced, without the real minutes', async () => {
    const started = Date.now();
    const root = await admin(server);
    await reset(root);
    const ivy = await onlineAgent(server, USERS.ivy);
    agents.push(ivy);
    const { v, chatId } = await chatAcceptedBy(ivy, SLOW_IDLE_BUTTON);
    await ivy.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Are you there?' });
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage'), 'the agent message');

    // The visitor polls on while the clock moves past the warning: its poll's hold (5 s) ends
    // inside the span and is answered 204, and two minutes of not polling do not time it out.
    const held = v.poll();
    const first = await advance(root, WARNING_S + 1);
    expect(first.offsetSeconds).toBe(WARNING_S + 1);
    expect((await held).status).toBe(204);
    const warning = await v.waitFor('ChasitorIdleTimeoutWarningEvent');
    expect(warning.message['type']).toBe('triggered');
    expect(v.received.some((m) => m.type === 'ChatEnded')).toBe(false);

    const second = v.poll();
    await advance(root, TIMEOUT_S - WARNING_S);
    expect((await second).status).toBe(204);
    const ended = await v.waitFor('ChatEnded');
    expect(ended.message['reason']).toBe('chasitorIdleTimeout');
    const end = await ivy.nextChatEvent(chatId, 'ChatEnded');
    expect((end.data['data'] as Record<string, unknown>)['reason']).toBe('chasitorIdleTimeout');

    // The transcript has the times of the moved clock: each at its due moment after the agent's message.
    const events = await transcript(ivy, chatId);
    const said = events.find((e) => e.type === 'ChatMessage')!.at;
    const warnedAt = events.find((e) => e.type === 'ChasitorIdleTimeoutWarningEvent')!.at;
    const endedAt = events.find((e) => e.type === 'ChatEnded')!.at;
    expect(warnedAt - said).toBeGreaterThanOrEqual(WARNING_S * 1000 - 50);
    expect(warnedAt - said).toBeLessThanOrEqual(WARNING_S * 1000 + 50);
    expect(endedAt - said).toBeGreaterThanOrEqual(TIMEOUT_S * 1000 - 50);
    expect(endedAt - said).toBeLessThanOrEqual(TIMEOUT_S * 1000 + 50);
    expect(endedAt).toBeGreaterThan(Date.now() + 4 * 60_000);
    // Five minutes of chat time; the whole test, set-up included, took a few seconds.
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('reads the clock, adds up advances, and is back on real time after a reset', async () => {
    const root = await admin(server);
    await reset(root);
    const fresh = await root.ok<Reading>('GET', '/emulator/v1/clock');
    expect(fresh.offsetSeconds).toBe(0);
    expect(Math.abs(fresh.now - Date.now())).toBeLessThan(2_000);
    expect(new Date(fresh.iso).getTime()).toBe(fresh.now);
    await advance(root, 90);
    const moved = await advance(root, 0.5);
    expect(moved.offsetSeconds).toBe(90.5);
    expect(moved.now - Date.now()).toBeGreaterThan(90_000 - 2_000);
    expect((await root.ok<Reading>('GET', '/emulator/v1/clock')).offsetSeconds).toBe(90.5);
    await reset(root);
    expect((await root.ok<Reading>('GET', '/emulator/v1/clock')).offsetSeconds).toBe(0);
  });

  it('refuses an advance it cannot make (400, naming the field)', async () => {
    const root = await admin(server);
    for (const bad of [{}, { advanceSeconds: 0 }, { advanceSeconds: -60 }, { advanceSeconds: 86_401 }, { advanceSeconds: 'soon' }, { advanceSeconds: null }, { seconds: 60 }, { advanceSeconds: 60, seconds: 60 }]) {
      const res = await root.call('POST', '/emulator/v1/clock', bad);
      expect(res.status, `${JSON.stringify(bad)}: ${res.text}`).toBe(400);
      expect(res.text).toContain('Invalid request body');
      expect(res.text).toContain('advanceSeconds');
    }
    const text = await root.call('POST', '/emulator/v1/clock', 'sixty');
    expect(text.status).toBe(400);
    expect((await root.ok<Reading>('GET', '/emulator/v1/clock')).offsetSeconds).toBe(0);
  });

  it('is for admins only', async () => {
    const alice = await AgentUser.login(server, USERS.alice);
    expect((await alice.call('POST', '/emulator/v1/clock', { advanceSeconds: 60 })).status).toBe(403);
    expect((await alice.call('GET', '/emulator/v1/clock')).status).toBe(403);
    expect((await request(server.baseUrl, 'POST', '/emulator/v1/clock', { body: { advanceSeconds: 60 } })).status).toBe(401);
    expect((await request(server.baseUrl, 'GET', '/emulator/v1/clock')).status).toBe(401);
  });

  it('the SDK visitor hears the warning (idleWarning triggered, then cleared when it answers)', async () => {
    const root = await admin(server);
    await reset(root);
    const ivy = await onlineAgent(server, USERS.ivy);
    agents.push(ivy);
    const v = new VisitorClient({ baseUrl: server.baseUrl, organizationId: ORG, deploymentId: DEPLOYMENT, buttonId: SLOW_IDLE_BUTTON, visitorName: 'Idle SDK' });
    const warnings: string[] = [];
    v.on('idleWarning', (w) => { warnings.push(w.type); });
    const said: string[] = [];
    v.on('message', (m) => { said.push(m.text); });
    try {
      await v.start();
      const chatId = (await ivy.nextOffer()).chatId!;
      await ivy.ok('POST', `/agent/v1/chats/${chatId}/accept`);
      await ivy.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Are you there?' });
      await until(() => said.includes('Are you there?'), 'the agent message');
      await advance(root, WARNING_S + 1);
      await until(() => warnings.length === 1, 'the warning');
      expect(warnings).toEqual(['triggered']);
      await v.send('still here');
      await until(() => warnings.length === 2, 'the warning cleared');
      expect(warnings).toEqual(['triggered', 'cleared']);
    } finally {
      await v.end().catch(() => undefined);
    }
  });

  it('is scripted from the SDK: read and advance the clock', async () => {
    const client = new AgentClient({ baseUrl: server.baseUrl, WebSocket });
    await client.login(USERS.root.username, USERS.root.password);
    await client.emulator.reset();
    expect((await client.emulator.clock()).offsetSeconds).toBe(0);
    const reading = await client.emulator.advanceClock(45);
    expect(reading.offsetSeconds).toBe(45);
    expect(reading.now - Date.now()).toBeGreaterThan(43_000);
    await expect(client.emulator.advanceClock(0)).rejects.toMatchObject({ status: 400 });
    await client.emulator.reset();
    client.close();
  });

  it('times out a visitor that stopped polling when the span passes its limit', async () => {
    const root = await admin(server);
    await reset(root);
    const ivy = await onlineAgent(server, USERS.ivy);
    agents.push(ivy);
    const { v, chatId } = await chatAcceptedBy(ivy, SLOW_IDLE_BUTTON);
    // No poll held, and none for a second: this client stopped.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await advance(root, 61);
    await ivy.nextChatEvent(chatId, 'ChasitorTimedOut');
    const res = await v.poll();
    expect([res.status, res.text]).toEqual([403, SESSION_GONE]);
  });
});
