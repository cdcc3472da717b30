/**
 * Emulator mode's fault injection for the visitor API (docs/emulator.md, ADR
 * 0022): the next N requests to a noun answer a catalogue error, have their
 * connection dropped, or get the 503 of a lost node (with the recovery that
 * follows it). Counts are honoured, an injected failure changes no session
 * (its X-LIVEAGENT-SEQUENCE stays unapplied, its poll moves no cursor), and
 * both ways into the gate (the poll fast path and fastify) inject alike.
 */
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentClient } from '../../packages/sdk/src/index.js';
import { OWNS_PROCESS } from '../protocol/harness.js';
import { INVALID_AFFINITY, SESSION_GONE, Visitor } from '../protocol/visitor.js';
import { AgentUser, onlineAgent, until } from './agent-fixtures.js';
import { BUTTON, USERS, admin, armFault, chatAcceptedBy, listFaults, reset, useEmulatorServer } from './emulator-fixtures.js';

const server = useEmulatorServer();

const agents: AgentUser[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) await a.disconnect().catch(() => undefined);
});

/** A fresh server state, the admin, and a chat established with alice. */
async function chatWithAlice(): Promise<{ root: AgentUser; alice: AgentUser; v: Visitor; chatId: string }> {
  const root = await admin(server);
  await reset(root);
  const alice = await onlineAgent(server, USERS.alice);
  agents.push(alice);
  const { v, chatId } = await chatAcceptedBy(alice, BUTTON.support);
  return { root, alice, v, chatId };
}

/** The visitor's messages in the chat's transcript. */
async function visitorTexts(alice: AgentUser, chatId: string): Promise<string[]> {
  const t = await alice.ok<{ events: { type: string; data: { text?: string } }[] }>('GET', `/agent/v1/chats/${chatId}/transcript`);
  return t.events.filter((e) => e.type === 'ChasitorChatMessage').map((e) => String(e.data.text));
}

/** A poll by the fastify route (a spelling the fast path leaves alone). */
function lowercasePoll(v: Visitor): ReturnType<Visitor['server']['req']> {
  return v.server.req('GET', 'system/messages', { headers: v.headers(), query: { ack: v.lastSequence ?? -1 } });
}

describe.skipIf(!OWNS_PROCESS)('emulator mode: visitor API faults', () => {
  it('answers a catalogue error for the next N requests to a noun, applying none of them', async () => {
    const { root, alice, v, chatId } = await chatWithAlice();
    const fault = await armFault(root, { kind: 'status', noun: 'Chasitor/ChatMessage', status: 500, count: 2, sessionId: v.id });
    expect(fault).toMatchObject({ kind: 'status', noun: 'Chasitor/ChatMessage', status: 500, count: 2, remaining: 2, fired: 0, sessionId: v.id });
    const seq = v.sentSequence + 1;
    for (let i = 0; i < 2; i++) {
      const res = await v.post('Chasitor/ChatMessage', { text: 'once' }, { sequence: seq });
      expect([res.status, res.text]).toEqual([500, 'Internal server error']);
    }
    // The same X-LIVEAGENT-SEQUENCE again: had a failure recorded it, this would be a no-op retry.
    expect((await v.post('Chasitor/ChatMessage', { text: 'once' }, { sequence: seq })).text).toBe('OK');
    await v.say('twice');
    await alice.nextChatEvent(chatId, 'ChasitorChatMessage');
    expect(await visitorTexts(alice, chatId)).toEqual(['once', 'twice']);
    expect(await listFaults(root)).toEqual([expect.objectContaining({ id: fault['id'], remaining: 0, fired: 2 })]);
    // Logged as what they are: asked for by the test, not the server failing (no error line for a CI log scan).
    const injected = () => server.logTail.split('\n').filter((l) => l.includes('"code":"INTERNAL"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    await until(() => injected().length >= 2, 'the two injected 500s logged');
    for (const line of injected()) expect(line).toMatchObject({ level: 30, status: 500, injected: true, msg: 'request failed (injected fault)' });
  });

  it('fails polls on both ways into the gate without moving the delivery cursor', async () => {
    const { root, alice, v, chatId } = await chatWithAlice();
    await armFault(root, { kind: 'status', noun: 'Messages', status: 403, count: 2 });
    await alice.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'kept for you' });
    const fast = await v.poll();
    expect([fast.status, fast.text]).toEqual([403, SESSION_GONE]);
    const slow = await lowercasePoll(v);
    expect([slow.status, slow.text]).toEqual([403, SESSION_GONE]);
    const next = await v.poll();
    expect(next.messages.map((m) => m.message['text'])).toEqual(['kept for you']);
  });

  it('drops the next N polls (connection closed, no answer), then delivers what they would have', async () => {
    const { root, alice, v, chatId } = await chatWithAlice();
    await armFault(root, { kind: 'drop', noun: 'System/Messages', count: 2 });
    await alice.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'after the drops' });
    await expect(v.poll()).rejects.toThrow();
    await expect(lowercasePoll(v)).rejects.toThrow();
    const next = await v.poll();
    expect(next.messages.map((m) => m.message['text'])).toEqual(['after the drops']);
    await v.say('ack');
    expect(await visitorTexts(alice, chatId)).toEqual(['ack']);
    expect(await listFaults(root)).toEqual([expect.objectContaining({ kind: 'drop', remaining: 0, fired: 2 })]);
  });

  it('has the 503 of a lost node as a preset, with the session recovery that follows it', async () => {
    const { root, alice, v, chatId } = await chatWithAlice();
    // No recovery without a 503 first.
    expect((await v.server.req('GET', 'System/ResyncSession', { headers: v.headers(), query: { SessionId: v.id } })).status).toBe(405);
    const fault = await armFault(root, { kind: 'affinity', noun: 'Chasitor/ChatMessage' });
    expect(fault).toMatchObject({ kind: 'affinity', status: 503 });
    // A status of 503 is the same preset (the visitor API's only 503).
    expect(await armFault(root, { kind: 'status', noun: 'ChatMessage', status: 503 })).toMatchObject({ kind: 'affinity' });
    const lost = await v.post('Chasitor/ChatMessage', { text: 'lost' });
    expect([lost.status, lost.text]).toEqual([503, INVALID_AFFINITY]);
    // The v34 client's recovery: ResyncSession, then a snapshot opens the next poll.
    const resync = await v.server.req('GET', 'System/ResyncSession', { headers: v.headers(), query: { SessionId: v.id } });
    expect(resync.status, resync.text).toBe(200);
    expect(resync.json).toMatchObject({ isValid: true, key: v.key });
    v.forgetCursor();
    const snap = await v.poll();
    expect(snap.messages[0]?.type).toBe('ChasitorSessionData');
    // The second fault fires on the re-sent message; the third try goes through.
    expect((await v.post('Chasitor/ChatMessage', { text: 'resent' })).status).toBe(503);
    await v.say('resent');
    expect(await visitorTexts(alice, chatId)).toEqual(['resent']);
  });

  it('sends Retry-After with an injected 429, answers by catalogue code, and matches only the session named', async () => {
    const { root, v } = await chatWithAlice();
    const other = new Visitor(server);
    await other.createSession();
    await armFault(root, { kind: 'status', noun: 'Chasitor/ChasitorTyping', status: 429, sessionId: other.id });
    expect((await v.post('Chasitor/ChasitorTyping', {})).status).toBe(200);
    const limited = await other.post('Chasitor/ChasitorTyping', {});
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    await armFault(root, { kind: 'status', noun: 'System/SessionId', method: 'GET', code: 'VERSION_UNSUPPORTED' });
    const res = await v.server.req('GET', 'System/SessionId', { headers: { 'X-LIVEAGENT-API-VERSION': '34', 'X-LIVEAGENT-AFFINITY': 'null' } });
    expect([res.status, res.text]).toEqual([400, 'Unsupported API version']);
  });

  it('lists and clears faults; a cleared fault never fires', async () => {
    const { root, v } = await chatWithAlice();
    const a = await armFault(root, { kind: 'status', noun: 'Chasitor/ChatMessage', status: 500 });
    const b = await armFault(root, { kind: 'drop', noun: 'System/Messages', count: 3 });
    expect((await listFaults(root)).map((f) => f['id'])).toEqual([a['id'], b['id']]);
    expect((await root.call('DELETE', `/emulator/v1/faults/${String(a['id'])}`)).status).toBe(200);
    expect((await root.call('DELETE', `/emulator/v1/faults/${String(a['id'])}`)).status).toBe(404);
    await v.say('not failed');
    expect((await root.call('DELETE', '/emulator/v1/faults')).json).toEqual({ cleared: 1 });
    expect(await listFaults(root)).toEqual([]);
    // The drop fault was cleared: the poll is answered, not cut.
    expect([200, 204]).toContain((await v.poll()).status);
  });

  it('refuses a fault it cannot inject (400) and anyone but an admin (403)', async () => {
    const root = await admin(server);
    for (const bad of [
      { kind: 'status', noun: 'System/Nothing', status: 500 },
      { kind: 'status', noun: 'Chasitor/ChatMessage', status: 418 },
      { kind: 'status', noun: 'Chasitor/ChatMessage' },
      { kind: 'status', noun: 'Chasitor/ChatMessage', code: 'NO_SUCH_CODE' },
      { kind: 'explode', noun: 'Chasitor/ChatMessage' },
      { kind: 'drop', noun: 'Chasitor/ChatMessage', count: 0 },
      { kind: 'drop', noun: 'System/SessionId', method: 'PUT' },
      // A status that would be ignored, and a misspelt field that would widen the fault to every session.
      { kind: 'affinity', noun: 'System/Messages', status: 500 },
      { kind: 'drop', noun: 'System/Messages', code: 'INTERNAL' },
      { kind: 'drop', noun: 'System/Messages', sesionId: 'abc' },
    ]) {
      const res = await root.call('POST', '/emulator/v1/faults', bad);
      expect(res.status, `${JSON.stringify(bad)}: ${res.text}`).toBe(400);
    }
    expect((await root.call('POST', '/emulator/v1/faults', { kind: 'drop', noun: 'System/Messages', sesionId: 'abc' })).text)
      .toBe('Invalid request body: sesionId: not a field of this request (kind, noun, method, status, code, count, sessionId)');
    expect(await listFaults(root), 'none of them armed').toEqual([]);
    const alice = await AgentUser.login(server, USERS.alice);
    expect((await alice.call('POST', '/emulator/v1/faults', { kind: 'drop', noun: 'System/Messages' })).status).toBe(403);
    expect((await alice.call('GET', '/emulator/v1/faults')).status).toBe(403);
  });

  it('is scripted from the SDK: reset, arm, list and clear', async () => {
    const client = new AgentClient({ baseUrl: server.baseUrl, WebSocket });
    await client.login(USERS.root.username, USERS.root.password);
    expect(await client.emulator.reset()).toMatchObject({ sessions: expect.any(Number) as number });
    const f = await client.emulator.armFault({ kind: 'status', noun: 'System/Messages', status: 500, count: 2 });
    expect(f).toMatchObject({ kind: 'status', status: 500, remaining: 2 });
    expect(await client.emulator.faults()).toEqual([f]);
    await client.emulator.clearFault(f.id);
    await client.emulator.armFault({ kind: 'drop', noun: 'System/Messages' });
    expect(await client.emulator.clearFaults()).toBe(1);
    expect(await client.emulator.faults()).toEqual([]);
    client.close();
  });
});
