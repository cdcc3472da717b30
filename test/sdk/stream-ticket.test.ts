/**
 * AgentClient opens its stream with a single-use ticket, never with the access
 * token in the URL (server ADR 0028): a browser prints a failed WebSocket's URL in
 * its console, and proxies and access logs keep URLs. Each socket, a reconnect's
 * too, gets a ticket of its own (a ticket is spent by its first use).
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { AgentClient } from '../../packages/sdk/src/index.js';
import { useServer } from '../protocol/harness.js';
import { DEMO, FAST_RETRY, recordAgent, until } from './sdk-fixtures.js';

const server = useServer({}, { withConfig: false });

describe('AgentClient stream URL', () => {
  it('carries a fresh ticket for every socket and never the access token', async () => {
    const urls: string[] = [];
    class RecordingWebSocket extends WebSocket {
      constructor(url: string) {
        urls.push(url);
        super(url);
      }
    }
    let accessToken = '';
    const ticketRequests: (string | null)[] = [];
    const watching: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (String(input).endsWith('/agent/v1/auth/login')) accessToken = ((await res.clone().json()) as { accessToken: string }).accessToken;
      if (String(input).endsWith('/agent/v1/stream-ticket')) ticketRequests.push(new Headers(init?.headers).get('authorization'));
      return res;
    };
    const agent = new AgentClient({ baseUrl: server.baseUrl, WebSocket: RecordingWebSocket, retry: FAST_RETRY, fetch: watching });
    await agent.login(DEMO.agentLogin.username, DEMO.agentLogin.password);
    expect(accessToken).not.toBe('');
    const rec = recordAgent(agent);
    await agent.connect();
    await until(() => rec.connection.at(-1) === 'online', 'online');
    expect(agent.reconnect()).toBe(true);
    await until(() => urls.length === 2 && rec.connection.at(-1) === 'online', 'online again', 10_000, () => ({ urls: urls.length, connection: rec.connection }));

    for (const url of urls) {
      const query = new URL(url).searchParams;
      expect(url).not.toContain(accessToken);
      expect(url).not.toContain(encodeURIComponent(accessToken));
      expect(query.has('access_token')).toBe(false);
      expect(query.get('ticket')).toMatch(/^sbt_/);
    }
    expect(new URL(urls[0]!).searchParams.get('ticket')).not.toBe(new URL(urls[1]!).searchParams.get('ticket'));
    // The ticket is asked for with the token in a header, where it belongs.
    expect(ticketRequests).toEqual([`Bearer ${accessToken}`, `Bearer ${accessToken}`]);
    agent.disconnect();
  });
});
