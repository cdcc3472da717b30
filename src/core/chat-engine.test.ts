/**
 * The chat lifecycle through the whole request path (app.inject): sequence
 * retries, ChasitorInit on a button nobody serves, the demo bot's echo order,
 * ChatEnd variants, over-long messages. Fake clock, in-memory store.
 */

import { afterEach, describe, expect, it } from 'vitest';
import type { FakeClock } from '../adapters/memory/fake-clock.js';

import { DEMO_IDS } from '../config/demo-deployment.js';

import { type Switchboard } from '../main.js';

import { EventType } from './event-types.js';

import { HOLD_SECONDS, type Visitor, boot, headers, init, newVisitor, poll, post, session, stopAll, take, ticks, until, waitForEvents } from './inject-harness.test-support.js';

afterEach(stopAll);

async function logTypes(sb: Switchboard, v: Visitor): Promise<string[]> {
  await sb.engine.queue.commit();
  return (await sb.store.readEvents(v.id, 0, 100_000)).map((e) => e.type);
}

/** A bot chat whose first three messages (success, established, greeting) were polled. */
async function establishedChat(sb: Switchboard): Promise<Visitor> {
  const v = await newVisitor(sb);
  await init(sb, v);
  const types: string[] = [];
  for (let i = 0; i < 3; i++) types.push((await take(sb, v)).messages[0]!.type);
  expect(types).toEqual(['ChatRequestSuccess', 'ChatEstablished', 'ChatMessage']);
  return v;
}

/** Polls until `n` ChatMessage texts arrived; fails on anything but 200. */
async function collectTexts(sb: Switchboard, v: Visitor, n: number): Promise<string[]> {
  const texts: string[] = [];
  for (let polls = 0; texts.length < n; polls++) {
    expect(polls).toBeLessThan(n * 3);
    for (const m of (await take(sb, v)).messages) if (m.type === 'ChatMessage') texts.push(String(m.message.text));
  }
  return texts;
}

async function expectNothingMore(sb: Switchboard, clock: FakeClock, v: Visitor): Promise<void> {
  const idle = poll(sb, v);
  await until('the poll to be held', () => session(sb, v).heldPoll !== null);
  clock.advance(HOLD_SECONDS * 1000);
  const res = await idle;
  expect(res.statusCode, res.body).toBe(204);
}

describe('X-LIVEAGENT-SEQUENCE retries', () => {
  it('a repeated sequence answers 200 OK and is applied once', async () => {
    const { sb, clock } = await boot();
    const v = await establishedChat(sb);
    for (let i = 0; i < 3; i++) {
      const res = await post(sb, v, 'Chasitor/ChatMessage', { text: 'once' }, 2);
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('OK');
    }
    expect((await logTypes(sb, v)).filter((t) => t === EventType.VisitorMessage)).toHaveLength(1);
    expect(await collectTexts(sb, v, 1)).toEqual(['once']);
    await expectNothingMore(sb, clock, v);
  });

  it('the next sequence is applied after a retry', async () => {
    const { sb } = await boot();
    const v = await establishedChat(sb);
    await post(sb, v, 'Chasitor/ChatMessage', { text: 'a' }, 2);
    await post(sb, v, 'Chasitor/ChatMessage', { text: 'a' }, 2);
    await post(sb, v, 'Chasitor/ChatMessage', { text: 'b' }, 3);
    expect(await collectTexts(sb, v, 2)).toEqual(['a', 'b']);
  });

  it('sequences arriving out of order are each applied once', async () => {
    const { sb } = await boot();
    const v = await establishedChat(sb);
    await post(sb, v, 'Chasitor/ChatMessage', { text: 'four' }, 4);
    await post(sb, v, 'Chasitor/ChatMessage', { text: 'three' }, 3);
    await post(sb, v, 'Chasitor/ChatMessage', { text: 'four' }, 4);
    await post(sb, v, 'Chasitor/ChatMessage', { text: 'three' }, 3);
    expect(await collectTexts(sb, v, 2)).toEqual(['four', 'three']);
    expect((await logTypes(sb, v)).filter((t) => t === EventType.VisitorMessage)).toHaveLength(2);
  });

  it('a retried ChasitorInit does not start a second chat', async () => {
    const { sb } = await boot();
    const v = await newVisitor(sb);
    await init(sb, v);
    await init(sb, v);
    await waitForEvents(sb, v, 3);
    expect((await logTypes(sb, v)).filter((t) => t === EventType.ChatRequested)).toHaveLength(1);
  });

  it('a retried MultiNoun is applied once', async () => {
    const { sb } = await boot();
    const v = await establishedChat(sb);
    const body = { nouns: [{ prefix: 'Chasitor', noun: 'ChatMessage', object: { text: 'x' } }, { prefix: 'Chasitor', noun: 'ChatMessage', data: '{"text":"y"}' }] };
    expect((await post(sb, v, 'System/MultiNoun', body, 2)).body).toBe('OK');
    expect((await post(sb, v, 'System/MultiNoun', body, 2)).body).toBe('OK');
    expect(await collectTexts(sb, v, 2)).toEqual(['x', 'y']);
    expect((await logTypes(sb, v)).filter((t) => t === EventType.VisitorMessage)).toHaveLength(2);
  });

  it('a rejected request does not use up its sequence', async () => {
    const { sb } = await boot();
    const v = await establishedChat(sb);
    const tooLong = await post(sb, v, 'Chasitor/ChatMessage', { text: 'x'.repeat(4001) }, 2);
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.body).toMatch(/^Message text too long/);
    expect((await post(sb, v, 'Chasitor/ChatMessage', { text: 'fixed' }, 2)).statusCode).toBe(200);
    expect(await collectTexts(sb, v, 1)).toEqual(['fixed']);
  });
});

describe('ChasitorInit on a button with no agents', () => {
  it('delivers ChatRequestFail (Unavailable) at messages[0], then the session is over', async () => {
    const { sb } = await boot();
    const v = await newVisitor(sb);
    await init(sb, v, DEMO_IDS.emptyButtonId);
    const p = await take(sb, v);
    expect(p.messages).toHaveLength(1);
    expect(p.messages[0]!.type).toBe('ChatRequestFail');
    expect(p.messages[0]!.message.reason).toBe('Unavailable');
    expect(typeof p.messages[0]!.message.postChatUrl).toBe('string');
    expect((await logTypes(sb, v))).not.toContain(EventType.ChatRequestSuccess);

    const after = await poll(sb, v);
    expect(after.statusCode).toBe(403);
    expect(after.body).toBe('Session required but was invalid or not found');
  });

  it('uses the first override that has an agent online', async () => {
    const { sb } = await boot();
    const v = await newVisitor(sb);
    const res = await post(sb, v, 'Chasitor/ChasitorInit', {
      organizationId: DEMO_IDS.organizationId, deploymentId: DEMO_IDS.deploymentId, buttonId: DEMO_IDS.emptyButtonId,
      buttonOverrides: [DEMO_IDS.botButtonId], sessionId: v.id,
    }, 1);
    expect(res.statusCode).toBe(200);
    expect((await take(sb, v)).messages[0]!.type).toBe('ChatRequestSuccess');
    expect((await take(sb, v)).messages[0]!.type).toBe('ChatEstablished');
  });

  it('an unknown button is a 400 and the session keeps working', async () => {
    const { sb } = await boot();
    const v = await newVisitor(sb);
    const res = await post(sb, v, 'Chasitor/ChasitorInit', { organizationId: DEMO_IDS.organizationId, deploymentId: DEMO_IDS.deploymentId, buttonId: '573000000000999' }, 1);
    expect(res.statusCode).toBe(400);
    await init(sb, v);
    expect((await take(sb, v)).messages[0]!.type).toBe('ChatRequestSuccess');
  });
});

describe('demo bot', () => {
  it('echoes 20 messages sent back to back exactly once, in order', async () => {
    const { sb, clock } = await boot();
    const v = await establishedChat(sb);
    const sent = Array.from({ length: 20 }, (_, i) => `message ${i + 1}`);
    for (const [i, text] of sent.entries()) {
      const res = await post(sb, v, 'Chasitor/ChatMessage', { text }, i + 2);
      expect(res.statusCode).toBe(200);
    }
    expect(await collectTexts(sb, v, 20)).toEqual(sent);
    await expectNothingMore(sb, clock, v);
  });

  it('echoes 20 messages of one MultiNoun in order', async () => {
    const { sb, clock } = await boot();
    const v = await establishedChat(sb);
    const sent = Array.from({ length: 20 }, (_, i) => `part ${i + 1}`);
    const res = await post(sb, v, 'System/MultiNoun', { nouns: sent.map((text) => ({ prefix: 'Chasitor', noun: 'ChatMessage', object: { text } })) }, 2);
    expect(res.statusCode).toBe(200);
    expect(await collectTexts(sb, v, 20)).toEqual(sent);
    await expectNothingMore(sb, clock, v);
  });

  it('echoes the text verbatim, as the bot agent', async () => {
    const { sb } = await boot();
    const v = await establishedChat(sb);
    const text = '  <b>Ünïcødé</b> "quotes" \n 🚀  ';
    await post(sb, v, 'Chasitor/ChatMessage', { text }, 2);
    const m = (await take(sb, v)).messages[0]!;
    expect(m).toEqual({ type: 'ChatMessage', message: { text, name: 'Demo Bot', agentId: DEMO_IDS.botAgentId, schedule: { responseDelayMilliseconds: 0 } } });
  });
});

describe('ChatEnd', () => {
  it.each([
    { reason: 'client' },
    { reason: 'client ended chat' },
    { type: 'ChatEndReason', reason: 'client' },
    { ChatEndReason: { reason: 'client' } },
    { ack: -1 },
    {},
  ])('%j ends the chat: 200 OK, then 403', async (body) => {
    const { sb } = await boot();
    const v = await establishedChat(sb);
    const res = await post(sb, v, 'Chasitor/ChatEnd', body, 2);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('OK');
    expect(sb.engine.directory.get(DEMO_IDS.botAgentId)!.chats.has(v.id)).toBe(false);
    const ended = (await sb.store.readEvents(v.id, 0, 1000)).find((e) => e.type === EventType.VisitorEnded);
    expect(ended?.data.reason).toBeTypeOf('string');
    expect((await poll(sb, v)).statusCode).toBe(403);
  });

  it('a MultiNoun [ChatEnd, ChasitorInit] queues nothing: later visitors are first in line', async () => {
    const { sb } = await boot();
    const initBody = { organizationId: DEMO_IDS.organizationId, deploymentId: DEMO_IDS.deploymentId, buttonId: DEMO_IDS.botButtonId, visitorName: 'Ghost' };
    for (let i = 0; i < 3; i++) {
      const ghost = await newVisitor(sb);
      const res = await post(sb, ghost, 'System/MultiNoun', {
        nouns: [{ prefix: 'Chasitor', noun: 'ChatEnd', object: { reason: 'client' } }, { prefix: 'Chasitor', noun: 'ChasitorInit', object: { ...initBody, sessionId: ghost.id } }],
      }, 1);
      expect(res.statusCode).toBe(200);
      expect((await poll(sb, ghost)).statusCode).toBe(403);
    }
    expect(sb.engine.router.queued(DEMO_IDS.botButtonId)).toEqual([]);
    const v = await newVisitor(sb);
    await init(sb, v);
    const first = (await take(sb, v)).messages[0]!;
    expect(first.type).toBe('ChatRequestSuccess');
    expect(first.message.queuePosition).toBe(1);
  });

  it('an empty body with Content-Type application/json ends the chat', async () => {
    const { sb } = await boot();
    const v = await establishedChat(sb);
    const res = await sb.app.inject({ method: 'POST', url: '/chat/rest/Chasitor/ChatEnd', headers: headers(v, { 'content-type': 'application/json' }), payload: '' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('OK');
    expect((await poll(sb, v)).statusCode).toBe(403);
  });
});

describe('retention (settings.retentionDays)', () => {
  it('deletes an ended chat and its transcript once it is older than the retention; a newer one stays', async () => {
    const { sb, clock } = await boot({ retentionDays: 1 });
    const old = await establishedChat(sb);
    expect((await post(sb, old, 'Chasitor/ChatEnd', { reason: 'client' }, 2)).statusCode).toBe(200);
    await ticks(10);
    expect(await sb.store.getSession(old.id)).not.toBeNull();

    clock.advance(24 * 60 * 60 * 1000); // a day later the old chat is due...
    await ticks(10);
    const newer = await establishedChat(sb);
    expect((await post(sb, newer, 'Chasitor/ChatEnd', { reason: 'client' }, 2)).statusCode).toBe(200);
    clock.advance(60 * 60 * 1000); // ...and the hourly sweep takes it
    for (let i = 0; i < 50 && (await sb.store.getSession(old.id)) !== null; i++) await ticks(2);
    expect(await sb.store.getSession(old.id)).toBeNull();
    expect(await sb.store.readEvents(old.id, 0, 1000)).toEqual([]);
    expect((await sb.store.getSession(newer.id))?.id).toBe(newer.id);
    expect((await sb.store.readEvents(newer.id, 0, 1000)).length).toBeGreaterThan(0);
  });

  it('is off by default: nothing is ever deleted', async () => {
    const { sb, clock } = await boot();
    const v = await establishedChat(sb);
    expect((await post(sb, v, 'Chasitor/ChatEnd', { reason: 'client' }, 2)).statusCode).toBe(200);
    clock.advance(400 * 24 * 60 * 60 * 1000);
    await ticks(20);
    expect((await sb.store.getSession(v.id))?.id).toBe(v.id);
  });
});

describe('what a visitor can make the log keep', () => {
  it('logs typing as a state: a repeated ChasitorTyping or NotTyping adds nothing', async () => {
    const { sb } = await boot();
    const v = await establishedChat(sb);
    const before = (await logTypes(sb, v)).length;
    let seq = 2;
    for (const noun of ['ChasitorTyping', 'ChasitorTyping', 'ChasitorTyping', 'ChasitorNotTyping', 'ChasitorNotTyping', 'ChasitorTyping']) {
      expect((await post(sb, v, `Chasitor/${noun}`, {}, seq++)).body).toBe('OK');
    }
    expect((await logTypes(sb, v)).slice(before)).toEqual([EventType.VisitorTyping, EventType.VisitorNotTyping, EventType.VisitorTyping]);
  });

  it('ChasitorResyncState logs its organizationId, not the rest of the body', async () => {
    const { sb } = await boot();
    const v = await establishedChat(sb);
    expect((await post(sb, v, 'Chasitor/ChasitorResyncState', { organizationId: DEMO_IDS.organizationId, padding: 'x'.repeat(60_000) })).body).toBe('OK');
    await sb.engine.queue.commit();
    const logged = (await sb.store.readEvents(v.id, 0, 1000)).filter((e) => e.type === EventType.ResyncState);
    expect(logged.map((e) => e.data)).toEqual([{ organizationId: DEMO_IDS.organizationId }]);
  });
});

describe("a chat's details", () => {
  it('show the latest sneak peek from the end of a long log, and none once it is far behind', async () => {
    const { sb } = await boot();
    const v = await establishedChat(sb);
    const auth = { authorization: `Bearer ${sb.users.serviceToken(DEMO_IDS.botAgentId)}` };
    const details = async () => (await sb.app.inject({ method: 'GET', url: `/agent/v1/chats/${v.id}`, headers: auth })).json<{ sneakPeek: { text: string } | null }>();
    let seq = 2;
    expect((await post(sb, v, 'Chasitor/ChasitorSneakPeek', { position: 5, text: 'hello' }, seq++)).body).toBe('OK');
    expect((await details()).sneakPeek).toMatchObject({ text: 'hello' });
    // 250 events later (the bot echoes each message), that peek is history, not what the visitor is typing.
    for (let i = 0; i < 125; i++) expect((await post(sb, v, 'Chasitor/ChatMessage', { text: `m${i}` }, seq++)).body).toBe('OK');
    await until('the bot answered', () => (sb.engine.sessions.get(v.id)?.record.lastOffset ?? 0) > 250);
    expect((await details()).sneakPeek).toBeNull();
  });
});
