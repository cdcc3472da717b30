/**
 * SIGTERM with an agent's stream socket open whose peer has gone silent (a
 * laptop asleep): the server cuts it after a short grace instead of waiting 30 s
 * for the close handshake, and still exits 0 within 10 s.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { request } from '../protocol/harness.js';
import { OWNS_PROCESS, USERS, useAgentServer } from './agent-fixtures.js';

const server = useAgentServer();

describe.skipIf(!OWNS_PROCESS)('agent API: shutdown', () => {
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
