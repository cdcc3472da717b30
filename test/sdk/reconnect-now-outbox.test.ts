/**
 * VisitorClient.reconnectNow() and the outbox: a visitor message in flight on a
 * connection a network change left silently dead is aborted and sent again at
 * once under the same X-LIVEAGENT-SEQUENCE (ADR 0038, later note). Whether the
 * dead request reached the server or not, the agent gets the message exactly
 * once, before the messages queued after it. Without it the send waits out its
 * own 30 s limit. The visitor reaches the real server through a TCP proxy that
 * freezes the connection of the next send (`TcpProxy.freezeNext()`); the agent
 * does not.
 */
import { describe, expect, it } from 'vitest';
import type { VisitorClient } from '../../packages/sdk/src/index.js';
import { useServer } from '../protocol/harness.js';
import { humanChat, until } from './sdk-fixtures.js';
import { useProxy, type ProxiedRequest } from './tcp-proxy.js';

const server = useServer({}, { withConfig: false });
const proxy = useProxy(server);

/** Picks the connection that carries the visitor's next ChatMessage. */
function messageOf(v: VisitorClient): (c: ProxiedRequest) => boolean {
  const key = v.snapshot()?.key;
  return (c) => c.sessionKey === key && c.lastRequest === 'POST /chat/rest/Chasitor/ChatMessage';
}

type Settled = () => 'pending' | 'resolved' | 'rejected';
type Chat = Awaited<ReturnType<typeof humanChat>>;

/** Settles to 'pending' while `p` has not settled. */
function settled(p: Promise<void>): Settled {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(() => (state = 'resolved'), () => (state = 'rejected'));
  return () => state;
}

/**
 * reconnectNow() with two sends in flight: both settle at once (not after their own 30 s
 * limit), resolved; then a message 'after' reaches the agent, with room for a duplicate
 * of the replaced send to (wrongly) show.
 */
async function reconnectNowSettles({ v, ar, chatId }: Chat, first: Settled, next: Settled): Promise<void> {
  const wokenAt = Date.now();
  expect(v.reconnectNow()).toBe(true);
  await until(() => first() !== 'pending' && next() !== 'pending', 'the sends to settle', 5_000);
  expect(Date.now() - wokenAt, 'the send waited out its own time limit').toBeLessThan(1_500);
  expect([first(), next()]).toEqual(['resolved', 'resolved']);
  await v.send('after');
  await until(() => ar.visitorTexts(chatId).includes('after'), 'the last visitor message');
  await new Promise((r) => setTimeout(r, 300));
}

/** The agent ends the chat, the visitor hears of it, and the agent leaves. */
async function endChat({ agent, v, chatId }: Chat): Promise<void> {
  await agent.end(chatId);
  await until(() => v.state === 'ended', 'the end at the visitor');
  await agent.setPresence('offline');
  agent.disconnect();
}

describe('VisitorClient.reconnectNow() with a send in flight', () => {
  it('sends again a message whose request never reached the server: the agent gets it once, in order', async () => {
    proxy.drop(0); // no connection left over from the tests before
    const chat = await humanChat({ agentUrl: server.baseUrl, visitorUrl: proxy.baseUrl, visitorName: 'Outbox Unsent' });
    const { ar, v, vr, chatId } = chat;
    await v.send('before');
    await until(() => ar.visitorTexts(chatId).includes('before'), 'the first visitor message');

    const frozen = proxy.freezeNext(messageOf(v));
    const first = settled(v.send('frozen on the way'));
    const next = settled(v.send('queued behind it'));
    await frozen;
    await new Promise((r) => setTimeout(r, 500));
    // The server never saw it, and nothing queued behind it went past it.
    expect(ar.visitorTexts(chatId)).toEqual(['before']);
    expect([first(), next()]).toEqual(['pending', 'pending']);

    await reconnectNowSettles(chat, first, next);
    expect(ar.visitorTexts(chatId)).toEqual(['before', 'frozen on the way', 'queued behind it', 'after']);
    expect(vr.of('connection').includes('reconnecting'), 'a replaced send is no failure').toBe(false);

    await endChat(chat);
  });

  it('sends again a message the server applied but whose answer was lost: the server drops the repeat, the agent gets it once', async () => {
    proxy.drop(0);
    const chat = await humanChat({ agentUrl: server.baseUrl, visitorUrl: proxy.baseUrl, visitorName: 'Outbox Applied' });
    const { ar, v, vr, chatId } = chat;
    const frozen = proxy.freezeNext(messageOf(v), { reachServer: true });
    const first = settled(v.send('applied, answer lost'));
    const next = settled(v.send('queued behind it'));
    await frozen;
    // The server applied it and answered into the dead connection.
    await until(() => ar.visitorTexts(chatId).includes('applied, answer lost'), 'the message at the agent');
    await until(() => proxy.heldBack() > 0, 'the server answering the dead send');
    await new Promise((r) => setTimeout(r, 300));
    expect([first(), next()]).toEqual(['pending', 'pending']);
    expect(ar.visitorTexts(chatId)).toEqual(['applied, answer lost']);

    await reconnectNowSettles(chat, first, next);
    expect(ar.visitorTexts(chatId)).toEqual(['applied, answer lost', 'queued behind it', 'after']);
    expect(vr.of('connection').includes('reconnecting')).toBe(false);

    // The late answer of the replaced request changes nothing.
    proxy.thaw();
    await new Promise((r) => setTimeout(r, 300));
    expect(ar.visitorTexts(chatId)).toEqual(['applied, answer lost', 'queued behind it', 'after']);

    await endChat(chat);
  });
});
