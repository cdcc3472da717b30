/**
 * Half-open agent sockets: the server pings every stream socket and cuts one
 * that answers no ping (the agent's grace period then starts, instead of the
 * agent looking connected while TCP retries for minutes), and it answers a
 * `{"type":"heartbeat"}` frame so that a client, which cannot see pings in a
 * browser, can tell a live socket from a dead one.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AgentUser, OWNS_PROCESS, USERS, until, useAgentServer } from './agent-fixtures.js';

const server = useAgentServer({ agentStreamPingSeconds: 0.3 });

function open(a: AgentUser, autoPong: boolean): Promise<{ ws: WebSocket; frames: string[]; closed: Promise<number> }> {
  const ws = new WebSocket(`${server.baseUrl.replace(/^http/, 'ws')}/agent/v1/stream`, { headers: { Authorization: `Bearer ${a.accessToken}` }, autoPong });
  const frames: string[] = [];
  ws.on('message', (raw: Buffer) => frames.push(raw.toString('utf8')));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, frames, closed }));
    ws.once('error', reject);
  });
}

describe.skipIf(!OWNS_PROCESS)('agent stream: liveness', () => {
  it('a socket that answers no ping is cut; one that answers stays open', async () => {
    const a = await AgentUser.login(server, USERS.alice);
    const silent = await open(a, false);
    const alive = await open(a, true);
    const startedAt = Date.now();
    const code = await silent.closed;
    // Cut at the second ping after the one it left unanswered: 0.3 s apart.
    expect(code).toBe(1006);
    expect(Date.now() - startedAt).toBeLessThan(3_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    alive.ws.close();
  });

  it('answers a heartbeat frame with a heartbeat frame; other keep-alives get no reply', async () => {
    const a = await AgentUser.login(server, USERS.alice);
    const s = await open(a, true);
    // A new connection starts with the presence in force; what follows is the answer to the frames below.
    await until(() => s.frames.some((f) => f.includes('"type":"presence"')), 'the presence on connect');
    s.frames.length = 0;
    s.ws.send('ping');
    s.ws.send('{"type":"ping"}');
    s.ws.send('{"type":"heartbeat"}');
    await until(() => s.frames.length > 0, 'the heartbeat answer');
    await new Promise((r) => setTimeout(r, 300));
    expect(s.frames).toEqual(['{"type":"heartbeat"}']);
    s.ws.close();
  });
});
