/**
 * A network drop in the middle of a chat: the visitor and the agent both talk
 * to the server through a TCP proxy that cuts every connection and refuses new
 * ones for about a second while both sides keep sending. Afterwards each side
 * has every message of the other exactly once, in order, and the agent stream
 * resumed from its last event id (no resync, no gap, no repeat). And once the
 * visitor's outbox gets through after an outage, its poll runs at once instead
 * of finishing its own backoff sleep; and in a quiet chat, where only the held poll
 * would tell, a probe says online as soon as the server answers again.
 */
import { describe, expect, it } from 'vitest';
import { useServer } from '../protocol/harness.js';
import { humanChat, until } from './sdk-fixtures.js';
import { useProxy } from './tcp-proxy.js';

const server = useServer({}, { withConfig: false });
const proxy = useProxy(server);

describe('network drop in the middle of a chat', () => {
  it('both sides recover with no loss and no duplicate', async () => {
    const { agent, ar, v, vr, chatId } = await humanChat({ agentUrl: proxy.baseUrl, visitorUrl: proxy.baseUrl, visitorName: 'Drop Test' });

    await agent.send(chatId, 'a1');
    await agent.send(chatId, 'a2');
    await v.send('v1');
    await v.send('v2');
    await until(() => vr.texts().length === 2 && ar.visitorTexts(chatId).length === 2, 'the first messages both ways');
    const lastIdBefore = agent.lastEventId;
    const connectionsBefore = proxy.connections;

    // Cut everything (held poll, stream, keep-alive sockets) and refuse new connections for ~1 s,
    // while both sides keep sending: their requests fail and are retried.
    proxy.drop(1_000);
    const during = Promise.all([
      agent.send(chatId, 'a3'),
      v.send('v3'),
      new Promise((r) => setTimeout(r, 300)).then(() => Promise.all([agent.send(chatId, 'a4'), v.send('v4')])),
    ]);
    await during;
    await agent.send(chatId, 'a5');
    await v.send('v5');

    const agentTexts = ['a1', 'a2', 'a3', 'a4', 'a5'];
    const visitorTexts = ['v1', 'v2', 'v3', 'v4', 'v5'];
    await until(() => vr.texts().length >= 5 && ar.visitorTexts(chatId).length >= 5, 'every message after the drop', 15_000,
      () => ({ visitor: vr.texts(), agent: ar.visitorTexts(chatId), connection: vr.of('connection') }));
    // Give a late duplicate the chance to show up before asserting there is none.
    await new Promise((r) => setTimeout(r, 500));
    expect(vr.texts()).toEqual(agentTexts);
    expect(ar.visitorTexts(chatId)).toEqual(visitorTexts);
    // The server applied each retried send once (clientMessageId) and each retried ChatMessage once (sequence).
    const transcript = await agent.transcript(chatId);
    expect(transcript.events.filter((e) => e.type === 'ChatMessage').map((e) => e.data['text'])).toEqual(agentTexts);
    expect(transcript.events.filter((e) => e.type === 'ChasitorChatMessage').map((e) => e.data['text'])).toEqual(visitorTexts);

    // Both sides noticed and came back.
    expect(vr.of('connection')).toEqual(expect.arrayContaining(['reconnecting']));
    expect(vr.of('connection').at(-1)).toBe('online');
    expect(ar.connection).toEqual(expect.arrayContaining(['online', 'reconnecting']));
    expect(ar.connection.at(-1)).toBe('online');
    expect(proxy.connections).toBeGreaterThan(connectionsBefore);

    // The stream resumed from its last id: no resync, ids consecutive across the drop.
    expect(ar.resyncs).toEqual([]);
    const ids = ar.events.map((e) => e.id);
    expect(ids).toContain(lastIdBefore);
    expect(new Set(ids.map((id) => id.split(':')[0])).size).toBe(1);
    const offsets = ids.map((id) => Number(id.split(':')[1]));
    expect(offsets).toEqual(offsets.map((_, i) => offsets[0]! + i));

    await agent.end(chatId);
    await until(() => v.state === 'ended', 'the end at the visitor');
    await agent.setPresence('offline');
    agent.disconnect();
  });

  it('after an outage the poll runs as soon as the outbox gets through, not after its own backoff sleep', async () => {
    // The agent talks to the server directly: only the visitor sees the outage. Every backoff
    // sleep is 3–6 s: long enough that a poll left asleep is plain to see.
    const { agent, v, vr, chatId } = await humanChat({
      agentUrl: server.baseUrl, visitorUrl: proxy.baseUrl, visitorName: 'Wake Test', visitor: { retry: { baseMs: 6_000, maxMs: 6_000 } },
    });

    // Cut the held poll: the poll lane fails and sleeps its backoff.
    proxy.drop(300);
    await until(() => vr.of('connection').includes('reconnecting'), 'reconnecting');
    await new Promise((r) => setTimeout(r, 600));
    // The network is back; the outbox gets through at its first try and reports online.
    await v.send('back');
    expect(vr.of('connection').at(-1)).toBe('online');
    const onlineAt = Date.now();
    await agent.send(chatId, 'after the outage');
    await until(() => vr.texts().includes('after the outage'), 'the agent message at the visitor', 10_000, () => vr.log);
    expect(Date.now() - onlineAt, 'the agent message came long after online: the poll slept on').toBeLessThan(1_500);

    await agent.end(chatId);
    await until(() => v.state === 'ended', 'the end at the visitor');
    await agent.setPresence('offline');
    agent.disconnect();
  });

  it('in a quiet chat, connection is online again soon after the network is back, not when the held poll ends', async () => {
    // Nobody sends: only the poll sees the outage, and the poll after it is held for the
    // demo's whole hold (25 s) unless something arrives. The probe beside it says online.
    const { agent, v, vr, chatId } = await humanChat({ agentUrl: server.baseUrl, visitorUrl: proxy.baseUrl, visitorName: 'Quiet Test' });
    proxy.drop(1_000);
    await until(() => vr.of('connection').includes('reconnecting'), 'reconnecting');
    const backAt = Date.now() + 1_000;
    await until(() => vr.of('connection').at(-1) === 'online', 'online after the outage', 8_000, () => vr.of('connection'));
    expect(Date.now() - backAt, 'online came long after the network was back').toBeLessThan(3_000);
    // The poll held meanwhile still delivers (the probe took nothing from it).
    await agent.send(chatId, 'after the quiet outage');
    await until(() => vr.texts().includes('after the quiet outage'), 'the agent message at the visitor', 5_000, () => vr.log);
    expect(vr.texts().filter((t) => t === 'after the quiet outage')).toHaveLength(1);

    await agent.end(chatId);
    await until(() => v.state === 'ended', 'the end at the visitor');
    await agent.setPresence('offline');
    agent.disconnect();
  });

  it('in a quiet chat, the poll reconnectNow() sends when the network is back says online at once too', async () => {
    // The widget's way back: the browser's `online` event calls reconnectNow(), which starts the
    // retry count again; its poll is held like any other, so the probe must go with it as well.
    const { agent, v, vr, chatId } = await humanChat({
      agentUrl: server.baseUrl, visitorUrl: proxy.baseUrl, visitorName: 'Quiet Reconnect', visitor: { retry: { baseMs: 20_000, maxMs: 20_000 } },
    });
    proxy.drop(500);
    await until(() => vr.of('connection').includes('reconnecting'), 'reconnecting');
    await new Promise((r) => setTimeout(r, 700)); // the network is back; the client sleeps its 10–20 s backoff
    const calledAt = Date.now();
    expect(v.reconnectNow()).toBe(true);
    await until(() => vr.of('connection').at(-1) === 'online', 'online after reconnectNow()', 8_000, () => vr.of('connection'));
    expect(Date.now() - calledAt, 'online only when the held poll ended').toBeLessThan(3_000);
    await agent.send(chatId, 'after reconnectNow');
    await until(() => vr.texts().includes('after reconnectNow'), 'the agent message at the visitor', 5_000, () => vr.log);
    expect(vr.texts().filter((t) => t === 'after reconnectNow')).toHaveLength(1);

    await agent.end(chatId);
    await until(() => v.state === 'ended', 'the end at the visitor');
    await agent.setPresence('offline');
    agent.disconnect();
  });
});
