/**
 * Who sees what, and when routing reacts: an admin's capacity change routes a
 * waiting chat at once; a supervisor cannot hand a chat to an agent who is not
 * there; supervisors see a chat's last events (also when the visitor ends it)
 * and never the same event twice; revoked credentials end open streams; an
 * agent who only declined an offer cannot read the chat.
 */
import { describe, expect, it } from 'vitest';
import { request } from '../protocol/harness.js';
import { AgentUser, BUTTON, OWNS_PROCESS, SseClient, USERS, acceptedChat, onlineAgent, pause, requestChat, until, useAgentServer } from './agent-fixtures.js';

const server = useAgentServer();

describe.skipIf(!OWNS_PROCESS)('agent API: access and monitoring', () => {
  it("an admin's capacity change offers a waiting chat at once", async () => {
    const dave = await onlineAgent(server, USERS.dave);
    await acceptedChat(dave, BUTTON.solo, { visitorName: 'First' });
    await requestChat(server, BUTTON.solo, { visitorName: 'Second' });
    await pause(300);
    expect(dave.offers()).toHaveLength(1);

    const root = await AgentUser.login(server, USERS.root);
    try {
      await root.ok('PATCH', `/agent/v1/admin/users/${USERS.dave.id}`, { capacity: 2 });
      // Nothing else happens that would route it: the change itself must.
      await until(() => dave.offers().length === 2, 'the second offer', 3_000);
      expect(dave.offers()[1]!.data['visitorName']).toBe('Second');
    } finally {
      await root.ok('PATCH', `/agent/v1/admin/users/${USERS.dave.id}`, { capacity: 1 });
    }
  });

  it('a chat whose visitor left and whose session closed: details for its supervisor and agent, 409 to act on it, 403 to others', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Left Already' });
    expect((await v.end()).status).toBe(200);
    const sam = await AgentUser.login(server, USERS.sam);
    const bob = await AgentUser.login(server, USERS.bob);
    // The session closes once its last events are delivered: poll until it answers 403.
    let closed = false;
    for (let i = 0; i < 40 && !closed; i++) {
      closed = (await v.poll()).status === 403;
      if (!closed) await pause(100);
    }
    expect(closed, 'the session closed').toBe(true);
    const details = await sam.ok<{ chat: { chatId: string; state: string } }>('GET', `/agent/v1/chats/${chatId}`);
    expect(details.chat).toMatchObject({ chatId, state: 'ended' });
    expect((await alice.ok<{ chat: { chatId: string } }>('GET', `/agent/v1/chats/${chatId}`)).chat.chatId).toBe(chatId);
    expect((await bob.call('GET', `/agent/v1/chats/${chatId}`)).status).toBe(403);
    const late = await alice.call('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'too late' });
    expect(late.status, late.text).toBe(409);
    expect((await sam.call('POST', `/agent/v1/chats/${chatId}/reassign`, { agentId: USERS.alice.id })).status).toBe(409);
  });

  it('a supervisor cannot reassign a chat to an agent who is offline', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Reassigned' });
    const sam = await AgentUser.login(server, USERS.sam);
    const res = await sam.call('POST', `/agent/v1/chats/${chatId}/reassign`, { agentId: USERS.bob.id });
    expect(res.status, res.text).toBe(409);
    expect(res.text).toContain('offline');
    // The chat stays with Alice, and the visitor heard of no transfer.
    expect((await alice.ok<{ chat: { agentId: string } }>('GET', `/agent/v1/chats/${chatId}`)).chat.agentId).toBe(USERS.alice.id);
    expect(v.received.map((m) => m.type)).not.toContain('ChatTransferred');
    // Reassigning it to the agent who holds it changes nothing, and the visitor hears of no transfer.
    const same = await sam.call('POST', `/agent/v1/chats/${chatId}/reassign`, { agentId: USERS.alice.id });
    expect(same.status, same.text).toBe(409);
    await v.say('still with Alice');
    await alice.nextChatEvent(chatId, 'ChasitorChatMessage');
    await pause(200);
    expect(v.received.map((m) => m.type)).not.toContain('ChatTransferred');
  });

  it("a supervisor sees the visitor's end of a chat, and a chat it took over sends each event once", async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const sam = await AgentUser.login(server, USERS.sam);
    await sam.connect();
    const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Monitored' });
    await v.end();
    await sam.next((e) => e.type === 'monitor.event' && e.chatId === chatId && e.data['type'] === 'ChasitorChatEnded', "the visitor's end");

    const w = await requestChat(server, BUTTON.support, { visitorName: 'Taken Over' });
    const otherId = (await alice.nextOffer(0, undefined).then(() => alice.next((e) => e.type === 'offer' && e.chatId !== chatId, 'the second offer'))).chatId!;
    await alice.ok('POST', `/agent/v1/chats/${otherId}/accept`);
    await w.waitFor('ChatEstablished');
    await sam.ok('POST', `/agent/v1/chats/${otherId}/takeover`);
    await w.say('after the takeover');
    const bob = await onlineAgent(server, USERS.bob);
    // Appended while Sam holds the chat; the chat has left him by the time it is durable.
    await sam.ok('POST', `/agent/v1/chats/${otherId}/transfer`, { agentId: bob.id });
    await bob.nextOffer(0, otherId);
    await sam.next((e) => e.chatId === otherId && e.data['type'] === 'TransferRequested', 'the transfer request');
    await pause(200);
    // Every event of the chat reaches Sam once: as chat.event while he holds it, monitor.event otherwise.
    const offsets = sam.events.filter((e) => (e.type === 'chat.event' || e.type === 'monitor.event') && e.chatId === otherId).map((e) => Number(e.data['offset']));
    expect(offsets.length).toBeGreaterThan(3);
    expect(new Set(offsets).size).toBe(offsets.length);
    // And in the log's order, across the switch from monitor.event to chat.event and back.
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    // A takeover took no offer of Sam's: there is no offer card for his other tabs to drop.
    expect(sam.events.filter((e) => e.type === 'offer.withdrawn' && e.chatId === otherId)).toEqual([]);
  });

  it('disabling a user ends its open streams at once (WebSocket 4401, SSE ends)', async () => {
    const bill = await onlineAgent(server, USERS.bill);
    const sse = new SseClient(server, bill.accessToken);
    sse.open();
    expect(await sse.headers).toBe(200);
    const root = await AgentUser.login(server, USERS.root);
    try {
      await root.ok('PATCH', `/agent/v1/admin/users/${USERS.bill.id}`, { disabled: true });
      await until(() => bill.closeCode !== undefined, 'the stream to close');
      expect(bill.closeCode).toBe(4401);
      expect(bill.events.at(-1)).toMatchObject({ type: 'error', status: 401 });
      await until(() => sse.events.some((e) => e.type === 'error'), 'the SSE error event');
      await sse.close();
    } finally {
      await root.ok('PATCH', `/agent/v1/admin/users/${USERS.bill.id}`, { disabled: false });
    }
  });

  it('a logout ends the supervisor stream, so it sees no more of the org', async () => {
    const sam = await AgentUser.login(server, USERS.sam);
    await sam.connect();
    expect((await sam.call('POST', '/agent/v1/auth/logout')).status).toBe(200);
    await until(() => sam.closeCode !== undefined, 'the stream to close');
    expect(sam.closeCode).toBe(4401);
    const seen = sam.events.length;
    await onlineAgent(server, USERS.alice);
    await requestChat(server, BUTTON.support, { visitorName: 'Unseen' });
    await pause(300);
    expect(sam.events.slice(seen)).toEqual([]);
  });

  it("a visitor's ResyncSession re-sends state to the visitor only: agents, supervisors and transcripts see each event once", async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const sam = await AgentUser.login(server, USERS.sam);
    await sam.connect();
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Resyncing' });
    const chatId = (await alice.nextOffer()).chatId!;
    await alice.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await alice.nextChatEvent(chatId, 'ChatEstablished');
    // The visitor has polled nothing yet; its node "changed" (a stale token), so it resyncs.
    const real = v.affinity;
    v.affinity = real === 'deadbeef' ? 'feedface' : 'deadbeef';
    expect((await v.poll()).status).toBe(503);
    const res = await server.req('GET', 'System/ResyncSession', { headers: v.headers(), query: { SessionId: v.id } });
    expect(res.status, res.text).toBe(200);
    v.affinity = String((res.json as Record<string, unknown>)['affinityToken']);
    v.forgetCursor();
    await v.waitFor('ChatEstablished');
    expect(v.received[0]?.type).toBe('ChasitorSessionData');
    await v.say('after the resync');
    await alice.nextChatEvent(chatId, 'ChasitorChatMessage');
    await sam.next((e) => e.type === 'monitor.event' && e.chatId === chatId && e.data['type'] === 'ChasitorChatMessage', 'the monitored message');
    expect(alice.chatEvents(chatId, 'ChatEstablished')).toHaveLength(1);
    expect(alice.chatEvents(chatId, 'ChatRequestSuccess')).toHaveLength(0);
    const monitored = (type: string) => sam.events.filter((e) => e.type === 'monitor.event' && e.chatId === chatId && e.data['type'] === type);
    expect(monitored('ChatEstablished')).toHaveLength(1);
    expect(monitored('ChatRequestSuccess')).toHaveLength(1);
    const transcript = await alice.ok<{ events: { type: string }[] }>('GET', `/agent/v1/chats/${chatId}/transcript`);
    expect(transcript.events.filter((e) => e.type === 'ChatEstablished')).toHaveLength(1);
    expect(transcript.events.filter((e) => e.type === 'ChatRequestSuccess')).toHaveLength(1);
  });

  it("a supervisor's API key limited to `agent` gets no supervisor events on the stream, and a snapshot of its own chats only", async () => {
    const root = await AgentUser.login(server, USERS.root);
    const key = await root.ok<{ id: string; key: string }>('POST', '/agent/v1/admin/api-keys', { userId: USERS.sam.id, name: 'limited', role: 'agent' });
    try {
      const limited = new SseClient(server, key.key);
      limited.open();
      expect(await limited.headers).toBe(200);
      const sam = await AgentUser.login(server, USERS.sam);
      await sam.connect();
      const alice = await onlineAgent(server, USERS.alice);
      await requestChat(server, BUTTON.support, { visitorName: 'Not For Keys' });
      await alice.nextOffer();
      await sam.next((e) => e.type === 'monitor.event' && e.data['type'] === 'ChatRequested', 'the monitored request');
      await pause(200);
      expect(limited.events.filter((e) => e.type === 'monitor.event')).toEqual([]);
      await limited.close();
      // A resync (an id of another epoch) lists only the key's own chats.
      const again = new SseClient(server, key.key);
      again.open('00000000:1');
      await until(() => again.events.some((e) => e.type === 'resync'), 'the resync');
      expect((again.events.find((e) => e.type === 'resync')!.snapshot as { chats: unknown[] }).chats).toEqual([]);
      await again.close();
    } finally {
      await root.ok('DELETE', `/agent/v1/admin/api-keys/${key.id}`);
    }
  });

  it("an agent's custom event obeys maxMessageLength like every message; admin PATCH passes a CORS preflight", async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Limits' });
    const long = await alice.call('POST', `/agent/v1/chats/${chatId}/events`, { type: 'cart', data: 'x'.repeat(4001) });
    expect(long.status, long.text).toBe(400);
    expect((await alice.call('POST', `/agent/v1/chats/${chatId}/events`, { type: 'cart', data: 'x'.repeat(4000) })).status).toBe(200);
    const preflight = await request(server.baseUrl, 'OPTIONS', `/agent/v1/admin/users/${USERS.bill.id}`, {
      headers: { Origin: 'https://admin.example', 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'authorization,content-type' },
    });
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PATCH');
  });

  it('a new connection (a reloaded console) is told of the offers open to it, with their real expiry', async () => {
    const dave = await onlineAgent(server, USERS.dave);
    await requestChat(server, BUTTON.solo, { visitorName: 'Offered Before Reload' });
    const first = await dave.nextOffer();
    const reloaded = await AgentUser.login(server, USERS.dave);
    await reloaded.connect();
    const again = await reloaded.nextOffer(0, first.chatId, 3_000);
    expect(again.data['expiresAt']).toBe(first.data['expiresAt']);
    expect(again.data['visitorName']).toBe('Offered Before Reload');
    await reloaded.ok('POST', `/agent/v1/chats/${first.chatId!}/accept`);
  });

  it('an agent who only declined an offer cannot read the chat', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Declined' });
    const chatId = (await alice.nextOffer()).chatId!;
    // Bob comes online before Alice declines: with nobody left, the request would fail (ADR 0071).
    const bob = await onlineAgent(server, USERS.bob);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/decline`, { reason: 'busy' });
    await bob.nextOffer(0, chatId);
    await bob.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('ChatEstablished');
    await v.say('private to Bob');
    expect((await alice.call('GET', `/agent/v1/chats/${chatId}/transcript`)).status).toBe(403);
    expect((await bob.call('GET', `/agent/v1/chats/${chatId}/transcript`)).status).toBe(200);
  });

  it('an agent offered a chat the visitor left before anyone answered cannot read it afterwards', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Left While Offered' });
    const chatId = (await alice.nextOffer()).chatId!;
    // While the offer is open, the agent may look (to decide).
    expect((await alice.call('GET', `/agent/v1/chats/${chatId}/transcript`)).status).toBe(200);
    await v.end();
    expect((await alice.call('GET', `/agent/v1/chats/${chatId}/transcript`)).status).toBe(403);
  });
});
