/**
 * Shared helpers for unit tests that drive a whole Switchboard through
 * fastify inject() with a fake clock and the memory store.
 */
import pino from 'pino';
import { expect } from 'vitest';
import { FakeClock } from '../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../adapters/memory/memory-chat-store.js';
import type { SettingsConfig } from '../config/config-schema.js';
import { DEMO_IDS, demoOrg } from '../config/demo-deployment.js';
import { validateConfig } from '../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../main.js';
import type { WireMessage } from '../protocol/visitor-messages.js';

export const HOLD_SECONDS = 25;
export const VERSION = { 'x-liveagent-api-version': '34' };

export interface Visitor {
  key: string;
  id: string;
  affinity: string;
}

export interface Payload {
  messages: WireMessage[];
  sequence: number;
  offset: number;
}

let running: Switchboard[] = [];

/** Stops every server `boot` started (call from afterEach). */
export async function stopAll(): Promise<void> {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
}

/**
 * A Switchboard on the memory store and a fake clock. `unvalidated` settings are
 * applied after validation: for a test of a guard that valid settings never reach.
 * Given the `store` of a stopped one, it is that server after a restart.
 */
export async function boot(settings: Record<string, unknown> = {}, unvalidated: Partial<SettingsConfig> = {}, store = new MemoryChatStore()): Promise<{ sb: Switchboard; clock: FakeClock; store: MemoryChatStore }> {
  const clock = new FakeClock();
  const config = validateConfig({ storage: { kind: 'memory' }, settings: { pollHoldSeconds: HOLD_SECONDS, ...settings }, orgs: [structuredClone(demoOrg)] }, 'test');
  Object.assign(config.settings, unvalidated);
  const sb = await createSwitchboard(config, { clock, store, logger: pino({ level: 'silent' }) });
  running.push(sb);
  return { sb, clock, store };
}

/**
 * A demo-bot Switchboard on `store` and a fake clock, listening on a free port of
 * 127.0.0.1, with one chat holding `messages` visitor messages (the n-th says
 * `text(n)`) and the bot's echo of each, and a supervisor's access token. The
 * caller stops it (it is stopped here only when this fails).
 */
export async function listeningBotChat(store: MemoryChatStore, messages: number, text: (n: number) => string): Promise<{ sb: Switchboard; base: string; v: Visitor; token: string }> {
  const config = validateConfig({ server: { host: '127.0.0.1', port: 0 }, storage: { kind: 'memory' }, orgs: [structuredClone(demoOrg)] }, 'test');
  const sb = await createSwitchboard(config, { clock: new FakeClock(), store, logger: pino({ level: 'silent' }) });
  try {
    const base = await sb.listen();
    const v = await newVisitor(sb);
    await init(sb, v);
    for (let i = 0, seq = 2; i < messages; i += 50, seq++) {
      const nouns = Array.from({ length: Math.min(50, messages - i) }, (_, k) => ({ prefix: 'Chasitor', noun: 'ChatMessage', object: { text: text(i + k + 1) } }));
      expect((await post(sb, v, 'System/MultiNoun', { nouns }, seq)).statusCode).toBe(200);
    }
    // The bot's echoes too: twice the messages, plus the chat's start.
    for (const end = Date.now() + 20_000; (sb.engine.sessions.get(v.id)?.record.lastOffset ?? 0) <= 2 * messages; await new Promise((r) => setTimeout(r, 20))) {
      if (Date.now() > end) throw new Error('the bot did not answer every message');
    }
    await sb.bots[0]!.idle();
    const login = await sb.app.inject({ method: 'POST', url: '/agent/v1/auth/login', payload: { username: 'supervisor', password: 'supervisor-demo' } });
    return { sb, base, v, token: login.json<{ accessToken: string }>().accessToken };
  } catch (err) {
    await sb.stop();
    throw err;
  }
}

/** Lets the commit queue (setImmediate) and the bot's promise chains run. */
export async function ticks(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await ticks(1);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function headers(v: Visitor, extra: Record<string, string> = {}): Record<string, string> {
  return { ...VERSION, 'x-liveagent-session-key': v.key, 'x-liveagent-affinity': v.affinity, ...extra };
}

export async function newVisitor(sb: Switchboard): Promise<Visitor> {
  const res = await sb.app.inject({ method: 'GET', url: '/chat/rest/System/SessionId', headers: { ...VERSION, 'x-liveagent-affinity': 'null' } });
  expect(res.statusCode).toBe(200);
  const body = res.json<{ key: string; id: string; affinityToken: string }>();
  return { key: body.key, id: body.id, affinity: body.affinityToken };
}

export async function post(sb: Switchboard, v: Visitor, noun: string, body: unknown, sequence?: number) {
  const extra: Record<string, string> = { 'content-type': 'application/json' };
  if (sequence !== undefined) extra['x-liveagent-sequence'] = String(sequence);
  return sb.app.inject({ method: 'POST', url: `/chat/rest/${noun}`, headers: headers(v, extra), payload: JSON.stringify(body) });
}

export async function init(sb: Switchboard, v: Visitor, buttonId: string = DEMO_IDS.botButtonId): Promise<void> {
  const res = await post(sb, v, 'Chasitor/ChasitorInit', {
    organizationId: DEMO_IDS.organizationId, deploymentId: DEMO_IDS.deploymentId, buttonId, sessionId: v.id, visitorName: 'Ada',
  }, 1);
  expect(res.statusCode).toBe(200);
}

export function poll(sb: Switchboard, v: Visitor, ack?: number | string) {
  const q = ack === undefined ? '' : `?ack=${ack}`;
  return sb.app.inject({ method: 'GET', url: `/chat/rest/System/Messages${q}`, headers: headers(v) });
}

/** A poll that must answer 200 at once (events are waiting or arrive without the clock moving). */
export async function take(sb: Switchboard, v: Visitor, ack?: number | string): Promise<Payload> {
  const res = await poll(sb, v, ack);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Payload>();
}

export function session(sb: Switchboard, v: Visitor) {
  const s = sb.engine.sessions.get(v.id);
  if (!s) throw new Error('session is gone');
  return s;
}

/** Waits until the session has `n` visitor-visible events and all of them are durable. */
export async function waitForEvents(sb: Switchboard, v: Visitor, n: number): Promise<void> {
  await until(`${n} durable visitor events`, () => {
    const s = sb.engine.sessions.get(v.id);
    return !!s && s.record.lastVseq >= n;
  });
  await sb.engine.queue.commit();
}
