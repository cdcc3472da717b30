/**
 * AgentClient with the server out of reach (a loopback port nobody listens on):
 * the first connect() gives up after retry.giveUpAfterMs, and `connection`
 * reports each change of state once, not once per attempt.
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { AgentClient } from '../../packages/sdk/src/index.js';
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
});
