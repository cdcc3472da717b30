/**
 * The hard half of "retried exactly once": a request the server APPLIED whose
 * answer never reached the client (the connection died on the way back). The
 * network-drop tests cut the network before the sends, so every retry there was
 * of a request the server never saw. Here a fetch wrapper performs the real
 * request, then throws as a network error would: the SDK must send it again
 * with the same X-LIVEAGENT-SEQUENCE (visitor) or clientMessageId (agent), and
 * the server must keep one copy.
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { AgentClient, VisitorClient } from '../../packages/sdk/src/index.js';
import { useServer } from '../protocol/harness.js';
import { DEMO, FAST_RETRY, recordAgent, recordVisitor, until } from './sdk-fixtures.js';

const server = useServer({}, { withConfig: false });

interface Seen { method: string; path: string; sequence?: string | undefined; body?: string | undefined }

/** Performs the request, then loses the answer of the next one matching `lose` (once). */
function losesAnAnswer(lose: (r: Seen) => boolean) {
  const seen: Seen[] = [];
  let armed = true;
  const f: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const r: Seen = { method: init?.method ?? 'GET', path: url.pathname, sequence: headers['X-LIVEAGENT-SEQUENCE'], body: typeof init?.body === 'string' ? init.body : undefined };
    seen.push(r);
    const res = await fetch(input, init);
    if (armed && lose(r)) {
      armed = false;
      await res.arrayBuffer();
      throw new TypeError('fetch failed (the answer was lost on the way back)');
    }
    return res;
  };
  return { fetch: f, seen, lost: () => !armed };
}

describe('answers lost after the server applied the request', () => {
  it('visitor: a ChatMessage whose 200 was lost is sent again with the same sequence and applied once', async () => {
    const net = losesAnAnswer((r) => r.path.endsWith('/Chasitor/ChatMessage') && (r.body ?? '').includes('lost answer'));
    const v = new VisitorClient({
      baseUrl: server.baseUrl, organizationId: DEMO.organizationId, deploymentId: DEMO.deploymentId, buttonId: DEMO.botButtonId,
      visitorName: 'Lost Answer', retry: FAST_RETRY, fetch: net.fetch,
    });
    const vr = recordVisitor(v);
    await v.start();
    await until(() => v.state === 'chatting', 'the bot');
    await v.send('first');
    await v.send('lost answer');
    await v.send('last');
    await until(() => vr.texts().filter((t) => t !== vr.texts()[0]).length >= 3, 'the echoes', 10_000, () => vr.texts());
    expect(net.lost()).toBe(true);
    const sends = net.seen.filter((r) => r.path.endsWith('/Chasitor/ChatMessage') && (r.body ?? '').includes('lost answer'));
    expect(sends.length, 'sent again after the lost answer').toBeGreaterThanOrEqual(2);
    expect(new Set(sends.map((r) => r.sequence)).size, 'with the same sequence').toBe(1);
    // The bot echoes each message it got: one echo each, in order, so the server applied it once.
    await new Promise((r) => setTimeout(r, 500));
    expect(vr.texts().slice(1)).toEqual(['first', 'lost answer', 'last']);
    await v.end();
  });

  it('agent: a message whose 200 was lost is sent again with the same clientMessageId and applied once', async () => {
    const net = losesAnAnswer((r) => r.method === 'POST' && r.path.endsWith('/messages') && (r.body ?? '').includes('lost answer'));
    // No stream: sends go over REST, where the answer can be lost.
    const agent = new AgentClient({ baseUrl: server.baseUrl, WebSocket, retry: FAST_RETRY, fetch: net.fetch });
    await agent.login(DEMO.agentLogin.username, DEMO.agentLogin.password);
    const watcher = new AgentClient({ baseUrl: server.baseUrl, WebSocket, retry: FAST_RETRY });
    await watcher.login(DEMO.agentLogin.username, DEMO.agentLogin.password);
    const ar = recordAgent(watcher);
    await watcher.connect();
    await agent.setPresence('online');
    const v = new VisitorClient({
      baseUrl: server.baseUrl, organizationId: DEMO.organizationId, deploymentId: DEMO.deploymentId, buttonId: DEMO.humanButtonId,
      visitorName: 'Lost Agent Answer', retry: FAST_RETRY,
    });
    const vr = recordVisitor(v);
    await v.start();
    await until(() => ar.offers().length > 0, 'an offer');
    const chatId = ar.offers()[0]!.chatId!;
    await agent.accept(chatId);
    await until(() => v.state === 'chatting', 'ChatEstablished');
    await agent.send(chatId, 'a1');
    await agent.send(chatId, 'lost answer');
    await agent.send(chatId, 'a3');
    await until(() => vr.texts().length >= 3, 'the messages at the visitor', 10_000, () => vr.texts());
    expect(net.lost()).toBe(true);
    const sends = net.seen.filter((r) => r.method === 'POST' && r.path.endsWith('/messages') && (r.body ?? '').includes('lost answer'));
    expect(sends.length).toBeGreaterThanOrEqual(2);
    expect(new Set(sends.map((r) => JSON.parse(r.body!).clientMessageId as string)).size, 'with the same clientMessageId').toBe(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(vr.texts()).toEqual(['a1', 'lost answer', 'a3']);
    const transcript = await agent.transcript(chatId);
    expect(transcript.events.filter((e) => e.type === 'ChatMessage').map((e) => e.data['text'])).toEqual(['a1', 'lost answer', 'a3']);
    await agent.end(chatId);
    await agent.setPresence('offline');
    watcher.disconnect();
  });
});
