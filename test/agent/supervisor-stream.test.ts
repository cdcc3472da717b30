/**
 * Supervisors (live overview, read-only view, whisper that never reaches the
 * visitor, takeover, reassign) and the realtime stream: ids `epoch:offset`,
 * resume with lastEventId gets exactly the missed events, an id of another
 * epoch or from the future gets `resync` with a snapshot, and the SSE variant
 * carries the same events with the same ids.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentUser, BUTTON, OWNS_PROCESS, SseClient, USERS, onlineAgent, received, requestChat, until, useAgentServer, type StreamEvent,
} from './agent-fixtures.js';

const server = useAgentServer();

const offsetOf = (id: string | undefined): number => Number((id ?? '').split(':')[1]);

describe.skipIf(!OWNS_PROCESS)('agent API: supervisors and the stream', () => {
  it('shows the supervisor queues, agents and chats; whisper reaches only the agent; takeover and reassign', async () => {
    const alice = await onlineAgent(server, USERS.alice, { capacity: 1 });
    const bob = await onlineAgent(server, USERS.bob, { online: false });
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Vic' });
    const chatId = (await alice.nextOffer()).chatId!;
    await alice.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('ChatEstablished');
    const waiting = await requestChat(server, BUTTON.support, { visitorName: 'Wanda' });
    await waiting.waitFor('ChatRequestSuccess');

    const sam = await AgentUser.login(server, USERS.sam);
    await sam.connect();
    const overview = await sam.ok<{
      queues: { queue: string; waiting: { visitorName: string; waitingMs: number }[] }[];
      agents: { id: string; presence: string; load: number; capacity: number; connections: number }[];
      chats: { chatId: string; state: string; agentId: string | null }[];
    }>('GET', '/agent/v1/supervisor/overview');
    const q = overview.queues.find((x) => x.queue === BUTTON.support)!;
    expect(q.waiting.map((w) => w.visitorName)).toEqual(['Wanda']);
    expect(q.waiting[0]!.waitingMs).toBeGreaterThanOrEqual(0);
    expect(overview.agents.find((a) => a.id === USERS.alice.id)).toMatchObject({ presence: 'online', load: 1, capacity: 1, connections: 1 });
    expect(overview.agents.find((a) => a.id === USERS.bob.id)).toMatchObject({ presence: 'offline', load: 0 });
    expect(overview.chats.find((c) => c.chatId === chatId)).toMatchObject({ state: 'established', agentId: USERS.alice.id });
    expect(overview.chats.map((c) => c.chatId)).toHaveLength(2);
    // Supervisors see every chat of the org in their list; they read but do not write.
    expect((await sam.ok<{ chatId: string }[]>('GET', '/agent/v1/chats')).map((c) => c.chatId)).toContain(chatId);
    expect(await sam.ok('GET', `/agent/v1/chats/${chatId}`)).toMatchObject({ chat: { chatId } });
    expect((await sam.call('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'read-only' })).status).toBe(403);

    // Live monitoring: the visitor's message reaches the supervisor's stream too.
    await v.say('I want a refund');
    await sam.next((e) => e.type === 'monitor.event' && e.chatId === chatId && e.data['type'] === 'ChasitorChatMessage', 'the monitored message');

    // Whisper: on the agent's stream and in the transcript, never at the visitor.
    await sam.ok('POST', `/agent/v1/chats/${chatId}/whisper`, { text: 'offer 10% off' });
    const w = await alice.nextChatEvent(chatId, 'Whisper');
    expect(w.data['data']).toMatchObject({ from: USERS.sam.id, text: 'offer 10% off' });
    await alice.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'We can offer a discount.' });
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage'), 'the agent message');
    await v.expectNoMore();
    expect(JSON.stringify(v.received)).not.toContain('10% off');
    expect(v.received.map((m) => m.type)).not.toContain('Whisper');
    const emptyWhisper = await sam.call('POST', `/agent/v1/chats/${chatId}/whisper`, { text: '' });
    expect(emptyWhisper.status).toBe(400);
    expect(emptyWhisper.text).toMatch(/text/);

    // Takeover: the supervisor holds the chat; the visitor hears ChatTransferred; the agent loses it.
    await sam.ok('POST', `/agent/v1/chats/${chatId}/takeover`);
    const tr = await v.waitFor('ChatTransferred');
    expect(tr.message).toMatchObject({ name: 'Sam Supervisor', userId: USERS.sam.id });
    const gone = await alice.next((e) => e.type === 'offer.withdrawn' && e.chatId === chatId && e.data['reason'] !== 'accepted', 'the chat leaving Alice');
    expect(gone.data['reason']).toBe('reassigned');
    // Alice held it: 409, the chat is no longer hers; an agent of the org who never held it: 403.
    const notHers = await alice.call('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'mine?' });
    expect([notHers.status, notHers.text]).toEqual([409, 'Chat is no longer yours: another agent holds it now']);
    expect((await alice.call('POST', `/agent/v1/chats/${chatId}/end`)).status).toBe(409);
    expect((await bob.call('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'never mine' })).status).toBe(403);
    await sam.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Supervisor here.' });
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'Supervisor here.'), 'the supervisor message');
    // Alice has room again: the waiting chat must be offered to her (soft, so the rest still runs).
    const freed = await alice.next((e) => e.type === 'offer' && e.chatId !== chatId, 'the waiting chat', 0, 3_000).catch(() => undefined);
    expect.soft(freed, 'after a takeover frees the agent, the waiting chat is offered to her').toBeDefined();

    // Reassign to Bob; an unknown agent is 404.
    expect((await sam.call('POST', `/agent/v1/chats/${chatId}/reassign`, { agentId: '005nobody' })).status).toBe(404);
    await bob.presence('online');
    await sam.ok('POST', `/agent/v1/chats/${chatId}/reassign`, { agentId: USERS.bob.id });
    const tr2 = await v.waitFor('ChatTransferred', 'ChatTransferred to Bob', v.received.indexOf(tr) + 1);
    expect(tr2.message).toMatchObject({ name: 'Bob Agent', userId: USERS.bob.id });
    await bob.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Bob now.' });
    // The supervisor who took it over held it too: no longer theirs either.
    expect((await sam.call('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'still me?' })).status).toBe(409);

    const t = await sam.ok<{ events: { type: string; data: Record<string, unknown> }[] }>('GET', `/agent/v1/chats/${chatId}/transcript`);
    expect(t.events.find((e) => e.type === 'Whisper')?.data).toMatchObject({ text: 'offer 10% off' });
    expect(t.events.filter((e) => e.type === 'ChatReassigned').map((e) => e.data['to'])).toEqual([USERS.sam.id, USERS.bob.id]);
    // A takeover says so (the agent who lost the chat is told a supervisor took it); a reassign does not.
    expect(t.events.filter((e) => e.type === 'ChatReassigned').map((e) => e.data['takeover'])).toEqual([true, undefined]);
    expect(received(v, 'ChatEstablished')).toHaveLength(1);
  });

  it('resumes a stream with lastEventId: exactly the missed events, in order; SSE carries the same ids', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const sse = new SseClient(server, alice.accessToken);
    sse.open();
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Resa' });
    const offer = await alice.nextOffer();
    const chatId = offer.chatId!;
    await alice.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('ChatEstablished');
    await v.say('one');
    await alice.nextChatEvent(chatId, 'ChasitorChatMessage');

    const ids = alice.events.map((e) => e.id!);
    const epoch = ids[0]!.split(':')[0]!;
    expect(ids.every((id) => id.startsWith(`${epoch}:`))).toBe(true);
    expect(ids.map(offsetOf)).toEqual(ids.map((_, i) => offsetOf(ids[0]) + i)); // consecutive, no gaps
    const last = ids.at(-1)!;

    // Gone for a moment (the SSE connection keeps Alice alive); three events happen meanwhile.
    await alice.disconnect();
    const seen = alice.events.length;
    await v.say('two');
    await v.post('Chasitor/ChasitorTyping', {});
    await v.say('three');
    await until(() => sse.events.filter((e) => e.type === 'chat.event' && e.data['type'] === 'ChasitorChatMessage').length >= 3, 'the SSE events', 5_000, () => sse.events);

    await alice.connect(last);
    await until(() => alice.events.length >= seen + 3, 'the replay', 5_000, () => alice.events.slice(seen));
    const replay = alice.events.slice(seen);
    expect(replay.map((e) => offsetOf(e.id))).toEqual([1, 2, 3].map((i) => offsetOf(last) + i));
    expect(replay.map((e) => e.data['type'])).toEqual(['ChasitorChatMessage', 'ChasitorTyping', 'ChasitorChatMessage']);
    expect(replay.map((e) => (e.data['data'] as { text?: string }).text)).toEqual(['two', undefined, 'three']);
    // The SSE stream saw the same events under the same ids.
    const sseAfter = sse.events.filter((e) => offsetOf(e.id) > offsetOf(last));
    expect(sseAfter.map((e) => e.id)).toEqual(replay.map((e) => e.id));
    expect(sse.ids.slice(-3)).toEqual(replay.map((e) => e.id));

    // Live events follow the replay on the new connection, with no duplicate.
    await alice.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'ok' });
    await v.say('four');
    await alice.next((e) => e.type === 'chat.event' && (e.data['data'] as { text?: string }).text === 'four', 'the live event');
    const all = alice.events.map((e) => e.id);
    expect(new Set(all).size).toBe(all.length);

    // Resuming at the newest id replays nothing.
    await alice.disconnect();
    const newest = alice.events.at(-1)!.id!;
    const before = alice.events.length;
    await alice.connect(newest);
    await v.say('five');
    const five = await alice.next((e) => (e.data?.['data'] as { text?: string } | undefined)?.text === 'five', 'five', before);
    expect(alice.events.slice(before)).toEqual([five]);
    expect(offsetOf(five.id)).toBe(offsetOf(newest) + 1);

    // SSE resumes with the Last-Event-ID header.
    const sse2 = new SseClient(server, alice.accessToken);
    sse2.open(last);
    await until(() => sse2.events.length >= alice.events.length - seen, 'the SSE replay', 5_000, () => sse2.events);
    expect(sse2.events.slice(0, 3).map((e) => e.id)).toEqual(replay.map((e) => e.id));
    await sse2.close();
    await sse.close();
  });

  it('a supervisor whose only stream dropped resumes with the monitor.events it missed, in order, without a gap', async () => {
    const sam = await onlineAgent(server, USERS.sam, { online: false });
    const alice = await onlineAgent(server, USERS.alice);
    const v = await requestChat(server, BUTTON.sales, { visitorName: 'Watched' });
    const chatId = (await alice.nextOffer()).chatId!;
    await alice.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('ChatEstablished');
    await v.say('seen live');
    const textOf = (e: { data: Record<string, unknown> }) => (e.data['data'] as { text?: string } | undefined)?.text;
    await sam.next((e) => e.type === 'monitor.event' && e.chatId === chatId && textOf(e) === 'seen live', 'the live monitor.event');
    const last = sam.events.at(-1)!.id!;
    // Its only connection gone: what the visitor says meanwhile is kept for it.
    await sam.disconnect();
    const seen = sam.events.length;
    await v.say('while away 1');
    await v.say('while away 2');
    await alice.next((e) => e.type === 'chat.event' && e.chatId === chatId && textOf(e) === 'while away 2', 'the agent hears it');
    await sam.connect(last);
    await until(() => sam.events.slice(seen).filter((e) => e.type === 'monitor.event' && e.chatId === chatId && e.data['type'] === 'ChasitorChatMessage').length >= 2, 'the replayed monitor.events', 5_000, () => sam.events.slice(seen));
    const replay = sam.events.slice(seen);
    expect(replay.some((e) => e.type === 'resync'), 'replayed, not resynced').toBe(false);
    expect(replay.filter((e) => e.type === 'monitor.event' && e.data['type'] === 'ChasitorChatMessage').map(textOf)).toEqual(['while away 1', 'while away 2']);
    expect(replay.map((e) => offsetOf(e.id)), 'every id after the last seen, none skipped').toEqual(replay.map((_, i) => offsetOf(last) + 1 + i));
    await sam.leave();
    await alice.leave();
  });

  it('answers a lastEventId of another epoch, or from the future, with resync and a snapshot', async () => {
    const alice = await onlineAgent(server, USERS.alice, { capacity: 2 });
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Snap' });
    const chatId = (await alice.nextOffer()).chatId!;
    await alice.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('ChatEstablished');
    const epoch = alice.events[0]!.id!.split(':')[0]!;
    await alice.disconnect();

    const cases: [string, string][] = [
      [`${epoch === 'deadbeef' ? 'feedface' : 'deadbeef'}:3`, 'epoch changed'],
      [`${epoch}:999999`, 'event id from the future'],
      ['garbage', 'unreadable event id'],
    ];
    for (const [stale, reason] of cases) {
      const from = alice.events.length;
      await alice.connect(stale);
      const r: StreamEvent = await alice.next((e) => e.type === 'resync', `resync for ${stale}`, from);
      expect(r.reason).toBe(reason);
      expect(r.snapshot).toMatchObject({ presence: 'online', capacity: 2, load: 1 });
      expect((r.snapshot!['chats'] as { chatId: string; state: string }[]).find((c) => c.chatId === chatId)).toMatchObject({ state: 'established', agentId: USERS.alice.id });
      await alice.disconnect();
    }

    // The same over SSE.
    const sse = new SseClient(server, alice.accessToken);
    sse.open('deadbeef:1');
    await until(() => sse.events.length > 0, 'the SSE resync', 5_000);
    expect(sse.events[0]!.type).toBe('resync');
    expect(JSON.stringify(sse.events[0])).toContain(chatId);
    await sse.close();
  });

  it('SSE answers with its headers at once, before any event is pending', async () => {
    const bob = await AgentUser.login(server, USERS.bob);
    const sse = new SseClient(server, bob.accessToken);
    const started = Date.now();
    sse.open();
    const status = await Promise.race([sse.headers, new Promise<number>((r) => setTimeout(() => r(-1), 2_000))]);
    await sse.close();
    expect(status, `SSE response headers after ${Date.now() - started} ms (-1: none within 2 s)`).toBe(200);
  });
});
