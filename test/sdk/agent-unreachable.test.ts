/**
 * AgentClient with the server out of reach (a loopback port nobody listens on):
 * the first connect() gives up after retry.giveUpAfterMs, and `connection`
 * reports each change of state once, not once per attempt; logout() and close()
 * cancel calls that are still retrying.
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { AgentClient, SwitchboardClosedError } from '../../packages/sdk/src/index.js';
import { FAST_RETRY, deadPort } from './sdk-fixtures.js';

/** What a promise did within `ms`: resolved, rejected (with the error), or still pending. */
async function settledWithin(p: Promise<unknown>, ms: number): Promise<{ outcome: 'resolved' | 'rejected' | 'pending'; error?: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending = new Promise<{ outcome: 'pending' }>((r) => (timer = setTimeout(() => r({ outcome: 'pending' }), ms)));
  try {
    return await Promise.race([p.then(() => ({ outcome: 'resolved' as const }), (error: unknown) => ({ outcome: 'rejected' as const, error })), pending]);
  } finally {
    clearTimeout(timer);
  }
}

describe('AgentClient while the server is unreachable', () => {
  it('the first connect() rejects after retry.giveUpAfterMs; reconnecting is reported once', async () => {
    const agent = new AgentClient({ baseUrl: `http://127.0.0.1:${await deadPort()}`, WebSocket, retry: { ...FAST_RETRY, giveUpAfterMs: 1_500 } });
    agent.useToken('any-token'); // no server to log in to; the socket never opens anyway
    const connection: string[] = [];
    agent.on('connection', (c) => void connection.push(c));
    const started = Date.now();
    const result = await settledWithin(agent.connect(), 6_000);
    expect(result.outcome).toBe('rejected');
    expect(String(result.error)).toMatch(/could not be opened within 1500 ms/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(connection).toEqual(['reconnecting', 'offline']);
    agent.disconnect();
  });

  it('logout() cancels a send that is still retrying: it rejects at once with SwitchboardClosedError', async () => {
    const agent = new AgentClient({ baseUrl: `http://127.0.0.1:${await deadPort()}`, WebSocket, retry: FAST_RETRY });
    agent.useToken('any-token');
    const send = agent.send('chat-1', 'hello');
    await new Promise((r) => setTimeout(r, 300)); // a few failed attempts, a backoff sleep under way
    agent.disconnect();
    await agent.logout().catch(() => undefined); // the logout request itself cannot reach the server either
    const result = await settledWithin(send, 3_000);
    expect(result.outcome).toBe('rejected');
    expect(result.error).toBeInstanceOf(SwitchboardClosedError);
  });

  it('close() cancels every call in flight or queued behind one, and later calls run again', async () => {
    const agent = new AgentClient({ baseUrl: `http://127.0.0.1:${await deadPort()}`, WebSocket, retry: FAST_RETRY });
    agent.useToken('any-token');
    const calls = [agent.me(), agent.send('chat-1', 'first'), agent.send('chat-1', 'queued behind the first'), agent.typing('chat-2', true)];
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    agent.close();
    const results = await Promise.all(calls.map((c) => settledWithin(c, 3_000)));
    expect(results.map((r) => r.outcome)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    for (const r of results) expect(r.error).toBeInstanceOf(SwitchboardClosedError);
    expect(Date.now() - t0).toBeLessThan(1_000);
    // Not a dead client: a call made after close() is tried (and fails on its own terms here).
    const after = await settledWithin(agent.chats(), 3_000);
    expect(after.outcome).toBe('pending');
    agent.close();
  });
});
