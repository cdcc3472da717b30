/**
 * Session timeout through the whole request path: a visitor that stops polling
 * for clientPollTimeout plus the grace is ended by the reaper (the agent side is
 * told) and its key answers 403; a visitor that keeps polling stays.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../adapters/memory/memory-chat-store.js';
import { DEMO_IDS, demoOrg } from '../config/demo-deployment.js';
import { validateConfig } from '../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../main.js';
import type { WireMessage } from '../protocol/visitor-messages.js';
import type { AgentNotification } from './agent-directory.js';
import { EventType } from './event-types.js';

const HOLD_SECONDS = 25;
const VERSION = { 'x-liveagent-api-version': '34' };

interface Visitor {
  key: string;
  id: string;
  affinity: string;
}

interface Payload {
  messages: WireMessage[];
  sequence: number;
  offset: number;
}

let running: Switchboard[] = [];

afterEach(async () => {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
});

async function boot(settings: Record<string, unknown> = {}): Promise<{ sb: Switchboard; clock: FakeClock }> {
  const clock = new FakeClock();
  const config = validateConfig({ storage: { kind: 'memory' }, settings: { pollHoldSeconds: HOLD_SECONDS, ...settings }, orgs: [structuredClone(demoOrg)] }, 'test');
  const sb = await createSwitchboard(config, { clock, store: new MemoryChatStore(), logger: pino({ level: 'silent' }) });
  running.push(sb);
  return { sb, clock };
}

/** Lets the commit queue (setImmediate) and the bot's promise chains run. */
async function ticks(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await ticks(1);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function headers(v: Visitor, extra: Record<string, string> = {}): Record<string, string> {
  return { ...VERSION, 'x-liveagent-session-key': v.key, 'x-liveagent-affinity': v.affinity, ...extra };
}

async function newVisitor(sb: Switchboard): Promise<Visitor> {
  const res = await sb.app.inject({ method: 'GET', url: '/chat/rest/System/SessionId', headers: { ...VERSION, 'x-liveagent-affinity': 'null' } });
  expect(res.statusCode).toBe(200);
  const body = res.json<{ key: string; id: string; affinityToken: string }>();
  return { key: body.key, id: body.id, affinity: body.affinityToken };
}

async function post(sb: Switchboard, v: Visitor, noun: string, body: unknown, sequence?: number) {
  const extra: Record<string, string> = { 'content-type': 'application/json' };
  if (sequence !== undefined) extra['x-liveagent-sequence'] = String(sequence);
  return sb.app.inject({ method: 'POST', url: `/chat/rest/${noun}`, headers: headers(v, extra), payload: JSON.stringify(body) });
}

async function init(sb: Switchboard, v: Visitor, buttonId: string = DEMO_IDS.botButtonId): Promise<void> {
  const res = await post(sb, v, 'Chasitor/ChasitorInit', {
    organizationId: DEMO_IDS.organizationId, deploymentId: DEMO_IDS.deploymentId, buttonId, sessionId: v.id, visitorName: 'Ada',
  }, 1);
  expect(res.statusCode).toBe(200);
}

function poll(sb: Switchboard, v: Visitor, ack?: number | string) {
  const q = ack === undefined ? '' : `?ack=${ack}`;
  return sb.app.inject({ method: 'GET', url: `/chat/rest/System/Messages${q}`, headers: headers(v) });
}

/** A poll that must answer 200 at once (events are waiting or arrive without the clock moving). */
async function take(sb: Switchboard, v: Visitor, ack?: number | string): Promise<Payload> {
  const res = await poll(sb, v, ack);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Payload>();
}

function session(sb: Switchboard, v: Visitor) {
  const s = sb.engine.sessions.get(v.id);
  if (!s) throw new Error('session is gone');
  return s;
}

const POLL_TIMEOUT_MS = 40_000;
const GRACE_MS = 20_000;
const LIMIT_MS = POLL_TIMEOUT_MS + GRACE_MS;
/** The reaper sweeps every min(1 s, limit / 4). */
const SWEEP_MS = 1000;

describe('session reaper', () => {
  it('announces clientPollTimeout in SessionId', async () => {
    const { sb } = await boot({ clientPollTimeoutSeconds: 40, sessionGraceSeconds: 20 });
    const res = await sb.app.inject({ method: 'GET', url: '/chat/rest/System/SessionId', headers: VERSION });
    expect(res.json<{ clientPollTimeout: unknown }>().clientPollTimeout).toBe(40);
  });

  it('ends a chat whose visitor stopped polling, tells the agent, and answers 403 from then on', async () => {
    const { sb, clock } = await boot({ clientPollTimeoutSeconds: 40, sessionGraceSeconds: 20 });
    const v = await newVisitor(sb);
    await init(sb, v);
    for (let i = 0; i < 3; i++) await take(sb, v);
    const told: AgentNotification[] = [];
    sb.engine.directory.subscribe(DEMO_IDS.botAgentId, (n) => told.push(n));

    clock.advance(LIMIT_MS);
    await ticks();
    expect(sb.engine.sessions.has(v.id), 'still within clientPollTimeout + grace').toBe(true);

    clock.advance(SWEEP_MS);
    expect(sb.engine.sessions.has(v.id)).toBe(false);
    await until('the timeout to reach the agent', () => told.some((n) => n.kind === 'event' && n.event.type === EventType.VisitorTimedOut));
    expect(sb.engine.directory.get(DEMO_IDS.botAgentId)!.chats.has(v.id)).toBe(false);

    const events = await sb.store.readEvents(v.id, 0, 1000);
    expect(events.at(-1)!.type).toBe(EventType.VisitorTimedOut);
    const stored = await sb.store.loadOpenSessions();
    expect(stored.some((r) => r.id === v.id)).toBe(false);

    const res = await poll(sb, v);
    expect(res.statusCode).toBe(403);
    expect(res.body).toBe('Session required but was invalid or not found');
    expect((await post(sb, v, 'Chasitor/ChatMessage', { text: 'anyone?' }, 2)).statusCode).toBe(403);
  });

  it('ends a session that never started a chat', async () => {
    const { sb, clock } = await boot({ clientPollTimeoutSeconds: 40, sessionGraceSeconds: 20 });
    const v = await newVisitor(sb);
    clock.advance(LIMIT_MS + SWEEP_MS);
    expect((await poll(sb, v)).statusCode).toBe(403);
  });

  it('honours configured timeouts', async () => {
    const { sb, clock } = await boot({ clientPollTimeoutSeconds: 5, sessionGraceSeconds: 1, pollHoldSeconds: 2 });
    const v = await newVisitor(sb);
    clock.advance(6000);
    expect(sb.engine.sessions.has(v.id)).toBe(true);
    clock.advance(1000);
    expect(sb.engine.sessions.has(v.id)).toBe(false);
  });

  it('keeps a visitor that polls through several minutes of silence', async () => {
    const { sb, clock } = await boot({ clientPollTimeoutSeconds: 40, sessionGraceSeconds: 20 });
    const v = await newVisitor(sb);
    await init(sb, v);
    for (let i = 0; i < 3; i++) await take(sb, v);
    for (let round = 0; round < 10; round++) { // 10 × 25 s of silence, far beyond the limit
      const idle = poll(sb, v);
      await until('the poll to be held', () => session(sb, v).heldPoll !== null);
      clock.advance(HOLD_SECONDS * 1000);
      expect((await idle).statusCode).toBe(204);
      clock.advance(5000); // the client's pause between polls
    }
    expect(sb.engine.sessions.has(v.id)).toBe(true);
    expect((await post(sb, v, 'Chasitor/ChatMessage', { text: 'still here' }, 2)).statusCode).toBe(200);
    expect((await take(sb, v)).messages[0]!.message.text).toBe('still here');
  });

  it('any request from the visitor counts as being heard from', async () => {
    const { sb, clock } = await boot({ clientPollTimeoutSeconds: 40, sessionGraceSeconds: 20 });
    const v = await newVisitor(sb);
    await init(sb, v);
    for (let i = 0; i < 3; i++) await take(sb, v);
    clock.advance(LIMIT_MS - SWEEP_MS);
    expect((await post(sb, v, 'Chasitor/ChasitorTyping', {})).statusCode).toBe(200);
    clock.advance(LIMIT_MS - SWEEP_MS);
    expect(sb.engine.sessions.has(v.id)).toBe(true);
    clock.advance(2 * SWEEP_MS);
    expect(sb.engine.sessions.has(v.id)).toBe(false);
  });

  it('a poll being held is never reaped, however long it is held', async () => {
    const { sb, clock } = await boot({ clientPollTimeoutSeconds: 1, sessionGraceSeconds: 0, pollHoldSeconds: 30 });
    const v = await newVisitor(sb);
    const held = poll(sb, v);
    await until('the poll to be held', () => session(sb, v).heldPoll !== null);
    clock.advance(29_000);
    expect(sb.engine.sessions.has(v.id)).toBe(true);
    clock.advance(1000);
    expect((await held).statusCode).toBe(204);
  });
});
