/**
 * AgentClient's stream after the server ends it for its credentials (4401): it
 * refreshes and reconnects — and a refresh that fails for a passing reason (a
 * 500, a 429, the network) is tried again with back-off instead of leaving the
 * agent offline for good. Only a refused refresh token ends the stream.
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { AgentClient } from '../../packages/sdk/src/index.js';
import { demoConfig, request, useServer } from '../protocol/harness.js';
import { FAST_RETRY, recordAgent, until } from './sdk-fixtures.js';

const AGENT = { id: '005000000000008', username: 'alex', password: 'alex-secret' };
const ADMIN = { username: 'ada', password: 'ada-secret' };

const server = useServer({}, {
  config: (settings) => {
    const config = demoConfig(settings) as { orgs: { agents: unknown[] }[] };
    config.orgs[0]!.agents.push(
      { id: AGENT.id, name: 'Alex Agent', username: AGENT.username, password: `plain:${AGENT.password}`, role: 'agent', skills: ['support'], capacity: 3 },
      { id: '005000000000009', name: 'Ada Admin', username: ADMIN.username, password: `plain:${ADMIN.password}`, role: 'admin', skills: [], capacity: 0 },
    );
    return config;
  },
});

/** Revokes a fresh API key of the agent: the server ends every stream of that user with 4401. */
async function endAgentStreams(): Promise<void> {
  const login = await request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: ADMIN });
  const auth = { Authorization: `Bearer ${(login.json as { accessToken: string }).accessToken}` };
  const key = await request(server.baseUrl, 'POST', '/agent/v1/admin/api-keys', { headers: auth, body: { userId: AGENT.id, name: 'to revoke', role: 'agent' } });
  expect(key.status, key.text).toBe(200);
  const revoked = await request(server.baseUrl, 'DELETE', `/agent/v1/admin/api-keys/${(key.json as { id: string }).id}`, { headers: auth });
  expect(revoked.status).toBe(200);
}

describe('AgentClient stream and revoked credentials', () => {
  it('a refresh that fails for a passing reason is tried again: the stream comes back online', async () => {
    let refreshFailures = 0;
    const flaky: typeof fetch = (input, init) => {
      if (String(input).endsWith('/agent/v1/auth/refresh') && refreshFailures < 2) {
        refreshFailures += 1;
        return Promise.resolve(new Response('Internal Server Error', { status: 500 }));
      }
      return fetch(input, init);
    };
    const agent = new AgentClient({ baseUrl: server.baseUrl, WebSocket, retry: FAST_RETRY, fetch: flaky });
    await agent.login(AGENT.username, AGENT.password);
    const rec = recordAgent(agent);
    await agent.connect();
    await until(() => rec.connection.at(-1) === 'online', 'online');
    const before = rec.connection.length;
    await endAgentStreams();
    await until(() => rec.connection.slice(before).includes('reconnecting'), 'the drop');
    await until(() => rec.connection.at(-1) === 'online', 'back online', 10_000, () => rec.connection);
    expect(refreshFailures).toBeGreaterThanOrEqual(1);
    expect(rec.connection.slice(before)).not.toContain('offline');
    agent.disconnect();
  });
});
