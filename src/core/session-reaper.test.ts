/**
 * Session timeout through the whole request path: a visitor that stops polling
 * for clientPollTimeout plus the grace is ended by the reaper (the agent side is
 * told) and its key answers 403; a visitor that keeps polling stays.
 */

import { afterEach, describe, expect, it } from 'vitest';

import { DEMO_IDS } from '../config/demo-deployment.js';

import type { AgentNotification } from './agent-directory.js';
import { EventType } from './event-types.js';

import { HOLD_SECONDS, VERSION, boot, init, newVisitor, poll, post, session, stopAll, take, ticks, until } from './inject-harness.test-support.js';

afterEach(stopAll);

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
    // A hold this much longer than clientPollTimeout is refused by the config check; the guard stays.
    const { sb, clock } = await boot({ clientPollTimeoutSeconds: 1, sessionGraceSeconds: 0, pollHoldSeconds: 0.5 }, { pollHoldSeconds: 30 });
    const v = await newVisitor(sb);
    const held = poll(sb, v);
    await until('the poll to be held', () => session(sb, v).heldPoll !== null);
    clock.advance(29_000);
    expect(sb.engine.sessions.has(v.id)).toBe(true);
    clock.advance(1000);
    expect((await held).statusCode).toBe(204);
  });
});
