/**
 * Restarts seen from the agent side: a send retried after a restart (same
 * clientMessageId) is applied once; and SIGTERM with an agent's stream socket
 * open whose peer has gone silent (a laptop asleep): the server cuts it after a
 * short grace instead of waiting 30 s for the close handshake, and still exits 0
 * within 10 s; an open event stream (SSE) ends with the shutdown.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { request } from '../protocol/harness.js';
import { AgentUser, BUTTON, OWNS_PROCESS, SseClient, USERS, onlineAgent, requestChat, useAgentServer } from './agent-fixtures.js';

const server = useAgentServer();

describe.skipIf(!OWNS_PROCESS)('agent API: shutdown and restart', () => {
  it('a send retried after a restart (same clientMessageId) answers the first offset and is applied once', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const v = await requestChat(server, BUTTON.toAlice, { visitorName: 'Across a restart' });
    const chatId = (await alice.nextOffer()).chatId!;
    await alice.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('ChatEstablished');
    const send = { text: 'sent once', clientMessageId: 'm-across-restart' };
    const first = await alice.ok<{ offset: number }>('POST', `/agent/v1/chats/${chatId}/messages`, send);
    // The answer was lost (say), the server restarts, the client sends again.
    await server.restart();
    const again = await AgentUser.login(server, USERS.alice);
    expect(await again.ok<{ offset: number }>('POST', `/agent/v1/chats/${chatId}/messages`, send)).toEqual(first);
    const t = await again.ok<{ events: { type: string; data: Record<string, unknown> }[] }>('GET', `/agent/v1/chats/${chatId}/transcript`);
    expect(t.events.filter((e) => e.type === 'ChatMessage' && e.data['text'] === 'sent once')).toHaveLength(1);
  });

  it('SIGTERM with an agent event stream (SSE) open ends it at once, without waiting for the forced close', async () => {
    const alice = await AgentUser.login(server, USERS.alice);
    const sse = new SseClient(server, alice.accessToken!);
    sse.open();
    expect(await sse.headers).toBe(200);
    try {
      const exit = await server.stop();
      expect(exit.code, `graceful exit code\n${server.logTail}`).toBe(0);
      expect(exit.ms, 'the stream ends with the shutdown, not at the forced close after 3 s').toBeLessThan(2_500);
    } finally {
      await sse.close();
      await server.start();
    }
  });

  it('SIGTERM with an agent stream whose peer never answers the close frame: still exits 0 within 10 s', async () => {
    const login = await request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: { username: USERS.alice.username, password: USERS.alice.password } });
    expect(login.status, login.text).toBe(200);
    const token = (login.json as { accessToken: string }).accessToken;
    // A raw WebSocket upgrade, after which the peer reads nothing and answers nothing (a laptop asleep).
    const { hostname, port } = new URL(server.baseUrl);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('connect', () => socket.write(
        `GET /agent/v1/stream HTTP/1.1\r\nHost: ${hostname}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      ));
      let head = '';
      const onData = (chunk: Buffer) => {
        head += chunk.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        socket.off('data', onData);
        socket.pause();
        if (head.startsWith('HTTP/1.1 101')) resolve();
        else reject(new Error(head));
      };
      socket.on('data', onData);
    });
    try {
      const exit = await server.stop();
      expect(exit.code, `graceful exit code\n${server.logTail}`).toBe(0);
      expect(exit.ms, 'the socket is cut after its grace, long before the forced exit at 8 s').toBeLessThan(5_000);
    } finally {
      socket.destroy();
    }
  });
});
