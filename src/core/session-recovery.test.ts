/**
 * ResyncSession and the agent's typing state: the visitor gets the state the
 * agent is in, once, after the snapshot (not every typing event it missed, and
 * not a typing state an agent message ended). ReconnectSession: the offset moves
 * the delivery cursor back, never forward. Whole request path (app.inject), fake
 * clock, in-memory store, the demo deployment's human button.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeClock } from '../adapters/memory/fake-clock.js';
import { DEMO_IDS } from '../config/demo-deployment.js';
import type { Switchboard } from '../main.js';
import { EventType } from './event-types.js';
import { HOLD_SECONDS, type Payload, VERSION, type Visitor, boot, headers, init, newVisitor, poll, post, session, stopAll, take, until } from './inject-harness.test-support.js';

afterEach(stopAll);

const AGENT = DEMO_IDS.humanAgentId;

/** A chat on the human button that the demo's agent took; the visitor has polled up to ChatEstablished. */
async function humanChat(sb: Switchboard): Promise<Visitor> {
  sb.engine.agentActions.setPresence(AGENT, 'online');
  const v = await newVisitor(sb);
  await init(sb, v, DEMO_IDS.humanButtonId);
  expect((await take(sb, v)).messages[0]!.type).toBe('ChatRequestSuccess');
  sb.engine.agentActions.accept(AGENT, v.id);
  expect((await take(sb, v)).messages[0]!.type).toBe('ChatEstablished');
  return v;
}

/** A poll with a stale affinity token, as from a visitor whose node was lost: refused, 503. */
async function staleAffinityRefused(sb: Switchboard, v: Visitor): Promise<void> {
  await sb.engine.queue.commit();
  const stale = v.affinity === 'ffffffff' ? 'eeeeeeee' : 'ffffffff';
  const refused = await sb.app.inject({ method: 'GET', url: '/chat/rest/System/Messages', headers: headers(v, { 'x-liveagent-affinity': stale }) });
  expect(refused.statusCode).toBe(503);
}

/** The messages the visitor polls next, until a 204 (a held poll is let go by the fake clock). */
async function drain(sb: Switchboard, clock: FakeClock, v: Visitor): Promise<Payload['messages']> {
  const messages: Payload['messages'] = [];
  for (;;) {
    let answered = false;
    const p = poll(sb, v).then((r) => { answered = true; return r; });
    await until('an answer or a held poll', () => answered || session(sb, v).heldPoll !== null);
    if (!answered) clock.advance(HOLD_SECONDS * 1000);
    const r = await p;
    if (r.statusCode === 204) return messages;
    expect(r.statusCode, r.body).toBe(200);
    messages.push(...r.json<Payload>().messages);
  }
}

/** A 503 for a stale affinity token, then ResyncSession; answers with the types the visitor polls next until a 204. */
async function resyncAndDrain(sb: Switchboard, clock: FakeClock, v: Visitor): Promise<string[]> {
  await staleAffinityRefused(sb, v);
  const res = await sb.app.inject({ method: 'GET', url: `/chat/rest/System/ResyncSession?SessionId=${v.id}`, headers: { ...VERSION, 'x-liveagent-session-key': v.key } });
  expect(res.statusCode, res.body).toBe(200);
  return (await drain(sb, clock, v)).map((m) => m.type);
}

describe('ResyncSession re-sends the agent typing state', () => {
  it('an AgentNotTyping the visitor had not received reaches it after the snapshot', async () => {
    const { sb, clock } = await boot();
    const v = await humanChat(sb);
    sb.engine.agentActions.agentTyping(AGENT, v.id, true);
    expect((await take(sb, v)).messages[0]!.type).toBe('AgentTyping');
    sb.engine.agentActions.agentTyping(AGENT, v.id, false);
    expect(await resyncAndDrain(sb, clock, v)).toEqual(['ChasitorSessionData', 'AgentNotTyping']);
  });

  it('a second resync before the first snapshot was received sends one snapshot, the new one', async () => {
    const { sb, clock } = await boot();
    const v = await humanChat(sb);
    sb.engine.agentActions.agentCustomEvent(AGENT, v.id, 'missed', 'x');
    await staleAffinityRefused(sb, v);
    const first = await sb.app.inject({ method: 'GET', url: `/chat/rest/System/ResyncSession?SessionId=${v.id}`, headers: { ...VERSION, 'x-liveagent-session-key': v.key } });
    expect(first.statusCode, first.body).toBe(200);
    expect(await resyncAndDrain(sb, clock, v)).toEqual(['ChasitorSessionData', 'CustomEvent']);
  });

  it('of several typing events missed, only the last is re-sent, in its place among the other re-sent events', async () => {
    const { sb, clock } = await boot();
    const v = await humanChat(sb);
    const typing = (on: boolean) => sb.engine.agentActions.agentTyping(AGENT, v.id, on);
    typing(true);
    typing(false);
    typing(true);
    sb.engine.agentActions.agentCustomEvent(AGENT, v.id, 'after-typing', 'x');
    expect(await resyncAndDrain(sb, clock, v)).toEqual(['ChasitorSessionData', 'AgentTyping', 'CustomEvent']);
  });

  it('an AgentTyping followed by the agent message is not re-sent: the message (in the snapshot) ended it', async () => {
    const { sb, clock } = await boot();
    const v = await humanChat(sb);
    sb.engine.agentActions.agentTyping(AGENT, v.id, true);
    sb.engine.agentActions.agentMessage(AGENT, v.id, 'Here you are');
    expect(await resyncAndDrain(sb, clock, v)).toEqual(['ChasitorSessionData']);
  });
});

describe('X-LIVEAGENT-SEQUENCE after ResyncSession (docs/adr/0031)', () => {
  /** What the visitor said that the chat holds (the agent's view), in order. */
  async function visitorTexts(sb: Switchboard, v: Visitor): Promise<string[]> {
    await sb.engine.queue.commit();
    return (await sb.store.readEvents(v.id, 0, 1000)).filter((e) => e.type === EventType.VisitorMessage).map((e) => String(e.data.text));
  }

  async function say(sb: Switchboard, v: Visitor, text: string, sequence: number): Promise<void> {
    const res = await post(sb, v, 'Chasitor/ChatMessage', { text }, sequence);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toBe('OK');
  }

  /** A human chat whose visitor sent m1..m3 with sequences 2..4 (the ChasitorInit was 1), then lost its node and resynced. */
  async function resyncedAfterThree(sb: Switchboard, clock: FakeClock): Promise<Visitor> {
    const v = await humanChat(sb);
    for (let i = 1; i <= 3; i++) await say(sb, v, `m${i}`, i + 1);
    await resyncAndDrain(sb, clock, v);
    return v;
  }

  it('a client that numbers from 1 again (the guide: the key of "the new session") loses nothing, and its retries are still applied once', async () => {
    const { sb, clock } = await boot();
    const v = await resyncedAfterThree(sb, clock);
    await say(sb, v, 'r1', 1);
    await say(sb, v, 'r2', 2);
    await say(sb, v, 'r2', 2); // a retry in the new count
    await say(sb, v, 'r3', 3);
    expect(await visitorTexts(sb, v)).toEqual(['m1', 'm2', 'm3', 'r1', 'r2', 'r3']);
  });

  it('a client that goes on counting: what it re-sends with an old number is a retry, new numbers are applied', async () => {
    const { sb, clock } = await boot();
    const v = await resyncedAfterThree(sb, clock);
    await say(sb, v, 'm3', 4); // re-sent after the 503 though it had been applied: a retry
    await say(sb, v, 'c5', 5);
    await say(sb, v, 'c5', 5);
    await say(sb, v, 'm1', 2); // a late retry from before the resync
    expect(await visitorTexts(sb, v)).toEqual(['m1', 'm2', 'm3', 'c5']);
  });

  it('the open question survives a restart between the resync and the next request', async () => {
    const first = await boot();
    const v = await resyncedAfterThree(first.sb, first.clock);
    await first.sb.stop();
    const { sb } = await boot({}, {}, first.store);
    await say(sb, v, 'after the restart', 1);
    await say(sb, v, 'and on', 2);
    expect(await visitorTexts(sb, v)).toEqual(['m1', 'm2', 'm3', 'after the restart', 'and on']);
  });
});


describe('ReconnectSession moves the delivery cursor back, never forward', () => {
  /** A 503 for a stale token, then ReconnectSession with `offset`; answers with the chat texts polled next until a 204. */
  async function reconnectAndDrain(sb: Switchboard, clock: FakeClock, v: Visitor, offset: number): Promise<string[]> {
    await reconnect(sb, v, offset);
    return (await drain(sb, clock, v)).filter((m) => m.type === 'ChatMessage').map((m) => String((m.message as { text?: unknown }).text));
  }

  it('an offset past the last one delivered (never issued) drops nothing pending', async () => {
    const { sb, clock } = await boot();
    const v = await humanChat(sb);
    sb.engine.agentActions.agentMessage(AGENT, v.id, 'a1');
    const delivered = await take(sb, v);
    sb.engine.agentActions.agentMessage(AGENT, v.id, 'a2');
    sb.engine.agentActions.agentMessage(AGENT, v.id, 'a3');
    expect(await reconnectAndDrain(sb, clock, v, delivered.offset + 987_654)).toEqual(['a2', 'a3']);
  });

  /** What the visitor polls next until a 204, as `Type text` (the text of a message or custom event). */
  async function reconnectAndDrainAll(sb: Switchboard, clock: FakeClock, v: Visitor, offset: number): Promise<string[]> {
    await reconnect(sb, v, offset);
    return drainAll(sb, clock, v);
  }

  /** A 503 for a stale token, then ReconnectSession with `offset`. */
  async function reconnect(sb: Switchboard, v: Visitor, offset: number): Promise<void> {
    await staleAffinityRefused(sb, v);
    const res = await sb.app.inject({
      method: 'GET',
      url: `/chat/rest/System/ReconnectSession?ReconnectSession.offset=${offset}`,
      headers: { ...VERSION, 'x-liveagent-session-key': v.key, 'x-liveagent-affinity': 'null' },
    });
    expect(res.statusCode, res.body).toBe(200);
  }

  async function drainAll(sb: Switchboard, clock: FakeClock, v: Visitor): Promise<string[]> {
    return (await drain(sb, clock, v)).map((m) => {
      const body = m.message as { text?: unknown; data?: unknown };
      return `${m.type} ${String(body.text ?? body.data ?? '')}`.trim();
    });
  }

  /**
   * A chat whose session had a resync: the visitor received c1 (its offset is returned), then
   * c2 and a custom event were pending at a 503 and ResyncSession, whose snapshot and re-sent
   * custom event the server delivered (their answers lost on the way, say: the client's last
   * offset is still c1's), then c3 came.
   */
  async function chatAfterResync(sb: Switchboard, clock: FakeClock, v: Visitor): Promise<{ c1: number; snapshot: number }> {
    sb.engine.agentActions.agentMessage(AGENT, v.id, 'c1');
    const c1 = (await take(sb, v)).offset;
    sb.engine.agentActions.agentMessage(AGENT, v.id, 'c2');
    sb.engine.agentActions.agentCustomEvent(AGENT, v.id, 'ev', 'x');
    await staleAffinityRefused(sb, v);
    const res = await sb.app.inject({ method: 'GET', url: `/chat/rest/System/ResyncSession?SessionId=${v.id}`, headers: { ...VERSION, 'x-liveagent-session-key': v.key } });
    expect(res.statusCode, res.body).toBe(200);
    const snapshot = await take(sb, v);
    expect(snapshot.messages.map((m) => m.type)).toEqual(['ChasitorSessionData']);
    expect((await drain(sb, clock, v)).map((m) => m.type)).toEqual(['CustomEvent']);
    sb.engine.agentActions.agentMessage(AGENT, v.id, 'c3');
    return { c1, snapshot: snapshot.offset };
  }

  // wire-compat.md: after ReconnectSession "polling resumes after offset". A later client keeps its
  // own view from the messages it got; the resync's snapshot and re-sent copies repeat, for the client
  // that resynced, what lies before the snapshot in the log. Replayed from an offset before them,
  // they would give this client c2 and the custom event twice and a snapshot it never asked for.
  it('an offset before a resync replays the messages after it exactly once, in order: not the resync\'s snapshot or re-sent copies', async () => {
    const { sb, clock } = await boot();
    const v = await humanChat(sb);
    const { c1 } = await chatAfterResync(sb, clock, v);
    expect(await reconnectAndDrainAll(sb, clock, v, c1)).toEqual(['ChatMessage c2', 'CustomEvent x', 'ChatMessage c3']);
  });

  it('the replay is the same after a restart between ReconnectSession and the next poll', async () => {
    const { sb, clock, store } = await boot();
    const v = await humanChat(sb);
    const { c1 } = await chatAfterResync(sb, clock, v);
    await reconnect(sb, v, c1);
    await sb.stop();
    const after = await boot({}, {}, store);
    expect(await drainAll(after.sb, after.clock, v)).toEqual(['ChatMessage c2', 'CustomEvent x', 'ChatMessage c3']);
  });

  it('a chat that ended before the resync: the replay ends with the original ChatEnded, and the poll after it is 403', async () => {
    const { sb } = await boot();
    const v = await humanChat(sb);
    sb.engine.agentActions.agentMessage(AGENT, v.id, 'd1');
    const d1 = (await take(sb, v)).offset;
    sb.engine.agentActions.agentMessage(AGENT, v.id, 'd2');
    sb.engine.agentActions.agentEnd(AGENT, v.id);
    await staleAffinityRefused(sb, v);
    const res = await sb.app.inject({ method: 'GET', url: `/chat/rest/System/ResyncSession?SessionId=${v.id}`, headers: { ...VERSION, 'x-liveagent-session-key': v.key } });
    expect(res.statusCode, res.body).toBe(200);
    // The snapshot and the re-sent ChatEnded reach the server's side of the wire, not the client.
    expect((await take(sb, v)).messages[0]!.type).toBe('ChasitorSessionData');
    expect((await take(sb, v)).messages[0]!.type).toBe('ChatEnded');
    await reconnect(sb, v, d1);
    expect((await take(sb, v)).messages.map((m) => m.type)).toEqual(['ChatMessage']);
    expect((await take(sb, v)).messages.map((m) => m.type)).toEqual(['ChatEnded']);
    const after = await poll(sb, v);
    expect(after.statusCode, 'everything was delivered: the session is over').toBe(403);
  });

  it('an offset at the snapshot (the client has it) replays what followed it: the re-sent copies, then the rest', async () => {
    const { sb, clock } = await boot();
    const v = await humanChat(sb);
    const { snapshot } = await chatAfterResync(sb, clock, v);
    expect(await reconnectAndDrainAll(sb, clock, v, snapshot)).toEqual(['CustomEvent x', 'ChatMessage c3']);
  });

  it('an offset the visitor did receive re-delivers what came after it', async () => {
    const { sb, clock } = await boot();
    const v = await humanChat(sb);
    sb.engine.agentActions.agentMessage(AGENT, v.id, 'b1');
    const first = await take(sb, v);
    sb.engine.agentActions.agentMessage(AGENT, v.id, 'b2');
    expect((await take(sb, v)).messages[0]!.type).toBe('ChatMessage');
    sb.engine.agentActions.agentMessage(AGENT, v.id, 'b3');
    expect(await reconnectAndDrain(sb, clock, v, first.offset)).toEqual(['b2', 'b3']);
  });
});
