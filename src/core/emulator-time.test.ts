/**
 * The emulator's time control through the whole request path (inject), with a
 * FakeClock standing in for real time under the emulator's offset clock: what
 * an advance does to visitors that poll, that stopped polling, and that are
 * between two polls; and that a reset takes the clock back to real time.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../adapters/memory/memory-chat-store.js';
import { demoOrg } from '../config/demo-deployment.js';
import { validateConfig } from '../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../main.js';
import type { ClockReading } from '../protocol/emulator-types.js';
import { REPOLL_WAIT_MS } from './emulator-time.js';
import { EventType } from './event-types.js';
import { init, newVisitor, poll, take, ticks, until, type Visitor } from './inject-harness.test-support.js';

const LIMIT_MS = (40 + 20) * 1000; // clientPollTimeoutSeconds + sessionGraceSeconds below
const TEN_MINUTES = 600;

let running: Switchboard[] = [];
afterEach(async () => {
  await Promise.all(running.map((sb) => sb.stop()));
  running = [];
});

/** An emulator-mode server on the memory store whose real time is `real`, with an admin's bearer header. */
async function boot(): Promise<{ sb: Switchboard; real: FakeClock; auth: Record<string, string> }> {
  const org = structuredClone(demoOrg);
  org.agents.push({ id: '005000000000009', name: 'Root', username: 'root', password: 'plain:root-pw', role: 'admin', skills: [], capacity: 0 });
  const config = validateConfig({
    server: { emulator: true }, storage: { kind: 'memory' },
    settings: { pollHoldSeconds: 25, clientPollTimeoutSeconds: 40, sessionGraceSeconds: 20 }, orgs: [org],
  }, 'test');
  const real = new FakeClock();
  const sb = await createSwitchboard(config, { clock: real, store: new MemoryChatStore(), logger: pino({ level: 'silent' }) });
  running.push(sb);
  const login = await sb.app.inject({ method: 'POST', url: '/agent/v1/auth/login', payload: { username: 'root', password: 'root-pw' } });
  return { sb, real, auth: { authorization: `Bearer ${login.json<{ accessToken: string }>().accessToken}` } };
}

async function advance(sb: Switchboard, auth: Record<string, string>, seconds: number): Promise<ClockReading> {
  const res = await sb.app.inject({ method: 'POST', url: '/emulator/v1/clock', headers: auth, payload: { advanceSeconds: seconds } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<ClockReading>();
}

/** A chat with the demo bot, greeted; the visitor's last poll was answered just now and none is held. */
async function chattingVisitor(sb: Switchboard): Promise<Visitor> {
  const v = await newVisitor(sb);
  await init(sb, v);
  let ack = -1;
  await until('the greeting', () => (sb.engine.sessions.get(v.id)?.record.lastVseq ?? 0) >= 3);
  for (let i = 0; i < 3; i++) ack = (await take(sb, v, ack)).sequence;
  return v;
}

/** Starts a poll and waits until the server holds it; `answer` is its answer to come. */
async function heldPoll(sb: Switchboard, v: Visitor): Promise<{ answer: ReturnType<typeof poll> }> {
  const answer = poll(sb, v);
  await until('the poll to be held', () => sb.engine.sessions.get(v.id)?.heldPoll !== null);
  return { answer };
}

async function eventTypes(sb: Switchboard, v: Visitor): Promise<{ type: string; at: number }[]> {
  return (await sb.store.readEvents(v.id, 0, 1000)).map((e) => ({ type: e.type, at: e.at }));
}

describe('emulator time control', () => {
  it('answers a poll whose hold ends in the span 204 and keeps its visitor through the span', async () => {
    const { sb, auth } = await boot();
    const v = await chattingVisitor(sb);
    const { answer } = await heldPoll(sb, v);
    const before = sb.engine.clock.now();
    const reading = await advance(sb, auth, TEN_MINUTES);
    expect(reading.offsetSeconds).toBe(TEN_MINUTES);
    expect(reading.now - before).toBeGreaterThanOrEqual(TEN_MINUTES * 1000);
    expect((await answer).statusCode).toBe(204);
    expect(sb.engine.sessions.has(v.id), 'ten minutes without a poll, but the client was polling').toBe(true);
    expect((await eventTypes(sb, v)).map((e) => e.type)).not.toContain(EventType.VisitorTimedOut);
    // Its silence counts from the end of the advance: its next poll comes long before the limit.
    expect(sb.engine.sessions.get(v.id)!.record.lastSeenAt).toBeGreaterThanOrEqual(reading.now);
    await heldPoll(sb, v);
  });

  it('times out a visitor that stopped polling inside the span, when its limit falls there', async () => {
    const { sb, real, auth } = await boot();
    const v = await chattingVisitor(sb);
    real.advance(REPOLL_WAIT_MS); // a second of real silence: not between two polls
    const lastSeen = sb.engine.sessions.get(v.id)!.record.lastSeenAt;
    await advance(sb, auth, TEN_MINUTES);
    expect(sb.engine.sessions.has(v.id)).toBe(false);
    await sb.engine.queue.commit();
    const timedOut = (await eventTypes(sb, v)).find((e) => e.type === EventType.VisitorTimedOut);
    // Written at the moment it happened within the span (the reaper sweeps every second), not at the span's end.
    expect(timedOut!.at - lastSeen).toBeGreaterThan(LIMIT_MS);
    expect(timedOut!.at - lastSeen).toBeLessThanOrEqual(LIMIT_MS + 1_000);
  });

  it('waits for a visitor between two polls, and takes it as polling once its poll comes', async () => {
    const { sb, real, auth } = await boot();
    const v = await chattingVisitor(sb);
    let answered = false;
    const advancing = advance(sb, auth, TEN_MINUTES).then((r) => { answered = true; return r; });
    await ticks(10);
    expect(answered, 'the advance waits for the visitor answered a moment ago').toBe(false);
    const { answer } = await heldPoll(sb, v);
    real.advance(10);
    await advancing;
    expect((await answer).statusCode).toBe(204);
    expect(sb.engine.sessions.has(v.id)).toBe(true);
  });

  it('gives up on a visitor between two polls after a second, and counts the span as its silence', async () => {
    const { sb, real, auth } = await boot();
    const v = await chattingVisitor(sb);
    let answered = false;
    const advancing = advance(sb, auth, TEN_MINUTES).then((r) => { answered = true; return r; });
    for (let waited = 0; waited < REPOLL_WAIT_MS - 10; waited += 10) {
      real.advance(10);
      await ticks(2);
    }
    expect(answered).toBe(false);
    for (let i = 0; i < 2 && !answered; i++) {
      real.advance(10);
      await ticks(5);
    }
    await advancing;
    expect(sb.engine.sessions.has(v.id)).toBe(false);
  });

  it('keeps signing in on real time, and is back on real time after a reset', async () => {
    const { sb, real, auth } = await boot();
    await advance(sb, auth, 3_600);
    // An hour later the admin's 15-minute access token still works: tokens expire in real time.
    const reset = await sb.app.inject({ method: 'POST', url: '/emulator/v1/reset', headers: auth });
    expect(reset.statusCode, reset.body).toBe(200);
    const reading = (await sb.app.inject({ method: 'GET', url: '/emulator/v1/clock', headers: auth })).json<ClockReading>();
    expect(reading).toEqual({ now: real.now(), iso: new Date(real.now()).toISOString(), offsetSeconds: 0 });
  });
});
