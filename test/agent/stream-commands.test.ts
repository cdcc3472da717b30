/**
 * Chat actions as command frames on the agent's WebSocket: the same actions,
 * checks and durability as the REST routes, answered with a reply frame that
 * carries the command's ref. Bad commands get an error reply and leave the
 * socket and the chat as they were.
 */
import { describe, expect, it } from 'vitest';
import { request } from '../protocol/harness.js';
import {
  AgentUser, BUTTON, OWNS_PROCESS, USERS, onlineAgent, received, requestChat, until, useAgentServer,
} from './agent-fixtures.js';

const server = useAgentServer();

describe.skipIf(!OWNS_PROCESS)('agent API: commands on the stream socket', () => {
  it('accepts, sends (idempotently), types and ends a chat over the socket', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Sock' });
    const chatId = (await alice.nextOffer()).chatId!;

    expect(await alice.command('accept', chatId)).toMatchObject({ ok: true, result: { ok: true } });
    await v.waitFor('ChatEstablished');

    expect((await alice.command('typing', chatId, { typing: true })).ok).toBe(true);
    const sent = await alice.command('messages', chatId, { text: 'Over the socket', clientMessageId: 'sock-1' });
    expect(sent.ok).toBe(true);
    expect(sent.result!['offset']).toEqual(expect.any(Number));
    // A retried command with the same clientMessageId is applied once.
    const retried = await alice.command('messages', chatId, { text: 'Over the socket', clientMessageId: 'sock-1' });
    expect(retried.result!['offset']).toBe(sent.result!['offset']);
    const second = await alice.command('messages', chatId, { text: 'And again' });
    expect(second.result!['offset']).toBeGreaterThan(sent.result!['offset'] as number);

    await v.pollUntil((all) => all.filter((m) => m.type === 'ChatMessage').length >= 2, 'both messages');
    expect(v.texts()).toEqual(['Over the socket', 'And again']);
    expect(received(v, 'AgentTyping')).toHaveLength(1);

    // The same chat is reachable over REST: the two paths are one set of actions.
    await alice.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Over REST' });
    await v.pollUntil((all) => all.filter((m) => m.type === 'ChatMessage').length >= 3, 'the REST message');
    expect(v.texts()).toEqual(['Over the socket', 'And again', 'Over REST']);

    expect((await alice.command('end', chatId)).ok).toBe(true);
    await v.waitFor('ChatEnded');
    await alice.leave();
  });

  it('answers bad commands with an error reply and keeps the socket open', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const bob = await onlineAgent(server, USERS.bob, { online: false });
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Bad' });
    const chatId = (await alice.nextOffer()).chatId!;
    await alice.command('accept', chatId);
    await v.waitFor('ChatEstablished');

    expect(await alice.command('launch-rockets', chatId)).toMatchObject({ ok: false, status: 404 });
    // An action that is not a string (not even one whose toString throws) is a 404 too, not a 500.
    alice.ws!.send(JSON.stringify({ ref: 'odd-action', action: { toString: 1 }, chatId }));
    expect(await alice.next((e) => e.type === 'reply' && (e as unknown as { ref: string }).ref === 'odd-action', 'the reply to an object action')).toMatchObject({ ok: false, status: 404 });
    expect(await alice.command('messages', undefined, { text: 'x' })).toMatchObject({ ok: false, status: 400 });
    const empty = await alice.command('messages', chatId, { text: '' });
    expect(empty).toMatchObject({ ok: false, status: 400 });
    expect(empty.error).toContain('body/text');
    expect(await alice.command('messages', chatId, { words: 'no text' })).toMatchObject({ ok: false, status: 400 });
    // Someone else's chat, an unknown chat, and a supervisor-only action.
    expect(await bob.command('messages', chatId, { text: 'not mine' })).toMatchObject({ ok: false, status: 403 });
    expect(await alice.command('messages', '570nosuchchat', { text: 'x' })).toMatchObject({ ok: false, status: 404 });
    expect(await alice.command('whisper', chatId, { text: 'psst' })).toMatchObject({ ok: false, status: 403 });
    // Frames that are not commands are keep-alives: ignored, the socket stays.
    alice.ws!.send('ping');
    alice.ws!.send('{not json');
    alice.ws!.send(JSON.stringify({ type: 'ping' }));

    expect((await alice.command('messages', chatId, { text: 'still here' })).ok).toBe(true);
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage'), 'the good message');
    expect(v.texts()).toEqual(['still here']);
    expect(alice.closeCode).toBeUndefined();
    await alice.leave();
    await bob.leave();
  });

  it('a chat transferred away answers the agent who held it 409 "no longer yours", over the socket as over REST', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const bob = await onlineAgent(server, USERS.bob);
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Moved' });
    const chatId = (await alice.nextOffer()).chatId!;
    await alice.command('accept', chatId);
    await v.waitFor('ChatEstablished');
    expect((await alice.command('transfer', chatId, { agentId: USERS.bob.id })).ok).toBe(true);
    await bob.nextOffer(0, chatId);
    await bob.command('accept', chatId);
    await v.waitFor('ChatTransferred');
    expect(await alice.command('messages', chatId, { text: 'mine?' })).toEqual(expect.objectContaining({ ok: false, status: 409, error: 'Chat is no longer yours: another agent holds it now' }));
    expect(await alice.command('end', chatId)).toMatchObject({ ok: false, status: 409 });
    // Once the new holder ended it, the one before hears what everyone who held it hears.
    await bob.command('end', chatId);
    expect(await alice.command('messages', chatId, { text: 'and now?' })).toMatchObject({ ok: false, status: 409, error: 'Conflict: chat has ended' });
    // And so does the agent who ended it, acting again while the visitor's session is still open (docs/errors.md).
    for (const [command, body] of [['end', {}], ['messages', { text: 'one more' }], ['typing', { typing: true }]] as const) {
      expect(await bob.command(command, chatId, body), command).toMatchObject({ ok: false, status: 409, error: 'Conflict: chat has ended' });
    }
    expect((await bob.call('POST', `/agent/v1/chats/${chatId}/end`)).text).toBe('Conflict: chat has ended');
    await alice.leave();
    await bob.leave();
  });

  it('validates command bodies as the REST route does: same coercion, same status, same text', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Same' });
    const chatId = (await alice.nextOffer()).chatId!;
    await alice.command('accept', chatId);
    await v.waitFor('ChatEstablished');

    // Each body goes both ways; those fastify's Ajv accepts (coercing) act twice, harmlessly.
    const cases: [action: string, body: unknown][] = [
      ['typing', { typing: 'true' }],
      ['messages', { text: 5 }],
      ['messages', { text: '' }],
      ['messages', { words: 'no text' }],
      ['messages', undefined],
      ['messages', { text: 'x', clientMessageId: '' }],
      ['typing', { typing: 'maybe' }],
      ['events', { type: 'x' }],
      ['decline', { reason: 'r'.repeat(300) }],
      ['transfer', { skill: '' }],
    ];
    for (const [action, body] of cases) {
      const rest = await alice.call('POST', `/agent/v1/chats/${chatId}/${action}`, body);
      const socket = await alice.command(action, chatId, body);
      const what = `${action} ${JSON.stringify(body)}`;
      expect({ status: socket.ok ? 200 : socket.status, text: socket.ok ? undefined : socket.error }, what)
        .toEqual({ status: rest.status, text: rest.status === 200 ? undefined : rest.text });
    }
    // The coerced number arrived as text, twice (REST and socket).
    await v.pollUntil((all) => all.filter((m) => m.type === 'ChatMessage').length >= 2, 'the coerced messages');
    expect(v.texts()).toEqual(['5', '5']);
    await alice.leave();
  });

  it('replies in the order the commands arrived, refusals included', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Ordered' });
    const chatId = (await alice.nextOffer()).chatId!;
    await alice.command('accept', chatId);
    await v.waitFor('ChatEstablished');
    // One burst: a send, a refused send, an unknown action, the end, and a send the end refuses.
    const frames = [
      { ref: 'a', action: 'messages', chatId, body: { text: 'one' } },
      { ref: 'b', action: 'messages', chatId, body: { text: '' } },
      { ref: 'c', action: 'nope', chatId },
      { ref: 'd', action: 'end', chatId },
      { ref: 'e', action: 'messages', chatId, body: { text: 'after end' } },
    ];
    const from = alice.events.length;
    for (const f of frames) alice.ws!.send(JSON.stringify(f));
    await until(() => alice.events.slice(from).filter((e) => e.type === 'reply').length === frames.length, 'every reply');
    const replies = alice.events.slice(from).filter((e) => e.type === 'reply') as unknown as { ref: string; ok: boolean; status?: number }[];
    expect(replies.map((r) => r.ref)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(replies.map((r) => r.ok)).toEqual([true, false, false, true, false]);
    expect(replies[4]!.status).toBe(409);
    await alice.leave();
  });

  it('checks the token on every command; an auth frame renews it for the same user only', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Tok' });
    const chatId = (await alice.nextOffer()).chatId!;
    await alice.command('accept', chatId);
    await v.waitFor('ChatEstablished');

    // Logging out revokes every token: the open socket is closed (4401), so nothing more is pushed to it
    // and no command runs on it.
    await alice.ok('POST', '/agent/v1/auth/logout');
    await until(() => alice.closeCode !== undefined, 'the socket to close');
    expect(alice.closeCode).toBe(4401);

    // A new login, a new socket (within the grace period: the chat stays Alice's).
    const fresh = await AgentUser.login(server, USERS.alice);
    await fresh.connect();
    const carol = await AgentUser.login(server, USERS.carol);
    expect(await fresh.command('auth', undefined, { token: 'garbage' })).toMatchObject({ ok: false, status: 401 });
    expect(await fresh.command('auth', undefined, { token: carol.accessToken })).toMatchObject({ ok: false, status: 403 });
    // An auth frame replaces the socket's credential (the way a client renews before expiry).
    const renewal = await AgentUser.login(server, USERS.alice);
    expect((await fresh.command('auth', undefined, { token: renewal.accessToken })).ok).toBe(true);
    expect((await fresh.command('messages', chatId, { text: 'renewed' })).ok).toBe(true);
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage'), 'the message after renewal');
    expect(v.texts()).toEqual(['renewed']);

    const res = await request(server.baseUrl, 'POST', `/agent/v1/chats/${chatId}/end`, { headers: { Authorization: `Bearer ${renewal.accessToken}` } });
    expect(res.status).toBe(200);
    await fresh.leave();
  });
});
