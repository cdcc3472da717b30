/**
 * Shared pieces of the emulator suites: the routing test config with emulator
 * mode on, the memory store and a demo bot of its own (skill `bot`), a server
 * per test file, and the admin calls of /emulator/v1. Black-box like the rest
 * of test/agent: everything goes over HTTP and WebSocket.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { TestServer, type Res, type TestSettings } from '../protocol/harness.js';
import type { Visitor } from '../protocol/visitor.js';
import { AgentUser, BUTTON, ORG, USERS, requestChat, routingConfig } from './agent-fixtures.js';

/** The bot button of the emulator config (skill `bot`, served by the echo bot below). */
export const BOT_BUTTON = '5730000000000A9';
export const BOT_ID = '0050000000000A7';
export const BOT_GREETING = 'Hi, emulated bot here.';
export { BUTTON, ORG, USERS };

/** The routing config plus an echo bot, with emulator mode on (unless `emulator: false`) and the store of `storage`. */
export function emulatorConfig(settings: TestSettings, opts: { emulator?: boolean; storage?: 'memory' | 'sqlite' } = {}): object {
  const config = structuredClone(routingConfig(settings)) as { orgs: { agents: object[]; deployments: { buttons: object[] }[] }[] };
  const org = config.orgs[0]!;
  org.deployments[0]!.buttons.push({ id: BOT_BUTTON, type: 'Standard', skills: ['bot'], queueSizeLimit: 0 });
  org.agents.push({ id: BOT_ID, name: 'Emu Bot', skills: ['bot'], capacity: 0, bot: 'echo', greeting: BOT_GREETING });
  return { ...config, server: { emulator: opts.emulator ?? true }, storage: { kind: opts.storage ?? 'memory' } };
}

/** A server with {@link emulatorConfig} for this test file (started in beforeAll, disposed in afterAll). */
export function useEmulatorServer(settings: TestSettings = {}, opts: { emulator?: boolean; storage?: 'memory' | 'sqlite' } = {}): TestServer {
  const server = new TestServer({ pollHoldSeconds: 0.5, agentGraceSeconds: 60, ...settings }, { config: (s) => emulatorConfig(s, opts) });
  beforeAll(() => server.start());
  afterAll(() => server.dispose());
  return server;
}

/** The org's admin (`root`), logged in. */
export function admin(server: TestServer): Promise<AgentUser> {
  return AgentUser.login(server, USERS.root);
}

/** POST /emulator/v1/reset as `who`; requires 200 unless `expectStatus` says otherwise. */
export async function reset(who: AgentUser, expectStatus = 200): Promise<Res> {
  const res = await who.call('POST', '/emulator/v1/reset');
  expect(res.status, `reset: ${res.text}`).toBe(expectStatus);
  return res;
}

/** Arms a fault (POST /emulator/v1/faults) and returns it. */
export async function armFault(who: AgentUser, fault: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await who.call('POST', '/emulator/v1/faults', fault);
  expect(res.status, `arm ${JSON.stringify(fault)}: ${res.text}`).toBe(200);
  return res.json as Record<string, unknown>;
}

/** The faults armed now (GET /emulator/v1/faults). */
export async function listFaults(who: AgentUser): Promise<Record<string, unknown>[]> {
  const res = await who.call('GET', '/emulator/v1/faults');
  expect(res.status, `faults: ${res.text}`).toBe(200);
  return res.json as Record<string, unknown>[];
}

/** A visitor asks for a chat on `buttonId`; `agent` accepts that chat's offer (by its id: the agent may have had others). */
export async function chatAcceptedBy(agent: AgentUser, buttonId: string): Promise<{ v: Visitor; chatId: string }> {
  const v = await requestChat(agent.server, buttonId);
  await agent.nextOffer(0, v.id);
  await agent.ok('POST', `/agent/v1/chats/${v.id}/accept`);
  await v.waitFor('ChatEstablished');
  return { v, chatId: v.id };
}
