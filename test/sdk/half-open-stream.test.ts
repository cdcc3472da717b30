/**
 * A half-open agent stream (the laptop slept, the Wi-Fi changed: no close ever
 * arrives): the SDK notices that its heartbeats go unanswered, reconnects on a
 * new socket, resumes from its last event id, and gets the events it would
 * otherwise never have seen. reconnect() (a browser's `online` event) replaces
 * such a socket at once, and keeps the stream one that was open: it goes on
 * trying while the server is out of reach, past the point where a first
 * connect() gives up.
 */
import { describe, expect, it } from 'vitest';
import { useServer } from '../protocol/harness.js';
import { FAST_RETRY, humanChat, until } from './sdk-fixtures.js';
import { useProxy } from './tcp-proxy.js';

const server = useServer({}, { withConfig: false });
const proxy = useProxy(server);

describe('half-open agent stream', () => {
  it('unanswered heartbeats end the socket; the stream resumes on a new one with nothing lost', async () => {
    // Only the agent goes through the proxy: the visitor keeps talking to the server directly.
    const { agent, ar, v, vr, chatId } = await humanChat({
      agentUrl: proxy.baseUrl, visitorUrl: server.baseUrl, visitorName: 'Half Open', agent: { heartbeatMs: 300, requestTimeoutMs: 1_500 },
    });
    await v.send('before');
    await until(() => ar.visitorTexts(chatId).length === 1, 'the first message');
    const connectionsBefore = proxy.connections;

    proxy.freeze();
    await v.send('during 1');
    await v.send('during 2');
    await until(() => ar.visitorTexts(chatId).length === 3, 'the messages sent while the old socket was silent', 10_000,
      () => ({ texts: ar.visitorTexts(chatId), connection: ar.connection }));
    expect(ar.visitorTexts(chatId)).toEqual(['before', 'during 1', 'during 2']);
    expect(ar.connection).toEqual(['online', 'reconnecting', 'online']);
    expect(proxy.connections).toBeGreaterThan(connectionsBefore);
    expect(ar.resyncs).toEqual([]);
    expect(vr.texts()).toEqual([]);

    // (REST keep-alive sockets of the agent froze too: end from the visitor's side.)
    await v.end();
    await agent.setPresence('offline');
    agent.disconnect();
  });

  it('reconnect() replaces a silent socket at once, without waiting for the heartbeats to tell', async () => {
    proxy.drop(0); // no socket left frozen by the test before, for fetch to reuse
    // The default heartbeat (20 s) would take 40 s to notice.
    const { agent, ar, v, chatId } = await humanChat({ agentUrl: proxy.baseUrl, visitorUrl: server.baseUrl, visitorName: 'Reconnect Now' });
    await v.send('before');
    await until(() => ar.visitorTexts(chatId).length === 1, 'the first message');
    proxy.freeze();
    await v.send('during');
    expect(agent.reconnect()).toBe(true);
    await until(() => ar.visitorTexts(chatId).length === 2, 'the message sent while the old socket was silent', 3_000,
      () => ({ texts: ar.visitorTexts(chatId), connection: ar.connection }));
    expect(ar.visitorTexts(chatId)).toEqual(['before', 'during']);
    expect(ar.connection).toEqual(['online', 'reconnecting', 'online']);
    expect(ar.resyncs).toEqual([]);

    await v.end();
    agent.disconnect();
    expect(agent.reconnect(), 'nothing to reconnect after disconnect()').toBe(false);
  });

  it('reconnect() while the server is out of reach goes on trying past giveUpAfterMs (unlike a first connect)', async () => {
    proxy.drop(0);
    const { agent, ar, v, chatId } = await humanChat({
      agentUrl: proxy.baseUrl, visitorUrl: server.baseUrl, visitorName: 'Reconnect Later', agent: { retry: { ...FAST_RETRY, giveUpAfterMs: 500 } },
    });
    // The connections die and the server stays out of reach three times as long as a first connect tries.
    proxy.drop(1_500);
    await v.send('during');
    expect(agent.reconnect()).toBe(true);
    await until(() => ar.visitorTexts(chatId).length === 1, 'the message sent during the outage', 10_000,
      () => ({ texts: ar.visitorTexts(chatId), connection: ar.connection }));
    expect(ar.visitorTexts(chatId)).toEqual(['during']);
    expect(ar.connection).toEqual(['online', 'reconnecting', 'online']);

    await v.end();
    agent.disconnect();
  });
});
