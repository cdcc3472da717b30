/**
 * NUL in what an agent, a supervisor or an admin sends (ADR 0035): as in a
 * visitor's text (ADR 0033), every NUL of a body arrives as U+FFFD, over REST
 * and over the stream socket alike, so none reaches the event log's JSON. An
 * escaped backslash followed by `u0000` is text, not a NUL, and is kept as sent.
 */
import { describe, expect, it } from 'vitest';
import { request } from '../protocol/harness.js';
import {
  AgentUser, BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, received, requestChat, useAgentServer, type WireEvent,
} from './agent-fixtures.js';

const server = useAgentServer();
const FFFD = '\uFFFD';

/** The chat's whole transcript (it is short). */
async function transcript(a: AgentUser, chatId: string): Promise<WireEvent[]> {
  return (await a.ok<{ events: WireEvent[] }>('GET', `/agent/v1/chats/${chatId}/transcript`)).events;
}

const texts = (events: WireEvent[], type: string) => events.filter((e) => e.type === type).map((e) => e.data['text']);

describe.skipIf(!OWNS_PROCESS)('agent API: NUL in what an agent sends', () => {
  it('REST: message, custom event and whisper arrive with U+FFFD for the visitor, on the stream and in the transcript', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const sam = await AgentUser.login(server, USERS.sam);
    const { v, chatId } = await acceptedChat(alice, BUTTON.toAlice, { visitorName: 'Nul' });

    const sent = await alice.ok<{ offset: number }>('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'a\u0000b\u0000', clientMessageId: 'id\u0000' });
    // The id is the same after the replacement: a retry of the same send applies once.
    expect((await alice.ok<{ offset: number }>('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'a\u0000b\u0000', clientMessageId: 'id\u0000' })).offset).toBe(sent.offset);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/events`, { type: 'cart\u0000', data: 'item\u0000' });
    await sam.ok('POST', `/agent/v1/chats/${chatId}/whisper`, { text: 'psst\u0000' });
    // Written as it comes on the wire from a client that escapes it itself.
    const raw = await request(server.baseUrl, 'POST', `/agent/v1/chats/${chatId}/messages`, {
      headers: { Authorization: `Bearer ${alice.accessToken}`, 'Content-Type': 'application/json' }, body: '{"text":"raw\\u0000escape"}',
    });
    expect(raw.status, raw.text).toBe(200);

    await v.pollUntil((all) => all.filter((m) => m.type === 'ChatMessage').length >= 2 && all.some((m) => m.type === 'CustomEvent'), 'the messages and the custom event');
    expect(v.texts()).toEqual([`a${FFFD}b${FFFD}`, `raw${FFFD}escape`]);
    expect(received(v, 'CustomEvent')[0]!.message).toMatchObject({ type: `cart${FFFD}`, data: `item${FFFD}` });
    expect((await alice.nextChatEvent(chatId, 'Whisper')).data['data']).toMatchObject({ text: `psst${FFFD}` });

    const events = await transcript(alice, chatId);
    expect(texts(events, 'ChatMessage')).toEqual([`a${FFFD}b${FFFD}`, `raw${FFFD}escape`]);
    expect(events.find((e) => e.type === 'ChatMessage')?.clientMessageId).toBe(`id${FFFD}`);
    expect(events.find((e) => e.type === 'CustomEvent')?.data).toEqual({ type: `cart${FFFD}`, data: `item${FFFD}` });
    expect(texts(events, 'Whisper')).toEqual([`psst${FFFD}`]);
    expect(JSON.stringify(events)).not.toContain('\\u0000');
  });

  it('stream socket: a message command with NUL arrives with U+FFFD; its ref comes back as sent', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.toAlice, { visitorName: 'Sock Nul' });

    alice.ws!.send(JSON.stringify({ ref: 'r\u0000', action: 'messages', chatId, body: { text: 'over\u0000the socket' } }));
    const reply = await alice.next((e) => e.type === 'reply' && (e as unknown as { ref: string }).ref === 'r\u0000', 'the reply, with the ref as sent');
    expect(reply).toMatchObject({ ok: true });
    expect((await alice.command('messages', chatId, { text: 'typed\u0000', clientMessageId: 'c\u0000' })).ok).toBe(true);

    await v.pollUntil((all) => all.filter((m) => m.type === 'ChatMessage').length >= 2, 'both messages');
    expect(v.texts()).toEqual([`over${FFFD}the socket`, `typed${FFFD}`]);
    const events = await transcript(alice, chatId);
    expect(texts(events, 'ChatMessage')).toEqual([`over${FFFD}the socket`, `typed${FFFD}`]);
    expect(events.filter((e) => e.type === 'ChatMessage').map((e) => e.clientMessageId)).toEqual([undefined, `c${FFFD}`]);
  });

  it('an escaped backslash before u0000 is text, not a NUL: kept as sent, over REST and the socket', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.toAlice, { visitorName: 'Backslash' });
    const path = 'C:\\u0000\\dir';
    await alice.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: path });
    expect((await alice.command('messages', chatId, { text: `${path}\u0000` })).ok).toBe(true);
    await v.pollUntil((all) => all.filter((m) => m.type === 'ChatMessage').length >= 2, 'both messages');
    expect(v.texts()).toEqual([path, `${path}${FFFD}`]);
    expect(texts(await transcript(alice, chatId), 'ChatMessage')).toEqual([path, `${path}${FFFD}`]);
  });

  it('a decline reason with NUL is logged with U+FFFD', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const sam = await AgentUser.login(server, USERS.sam);
    await requestChat(server, BUTTON.toAlice, { visitorName: 'Declined' });
    const chatId = (await alice.nextOffer()).chatId!;
    await alice.ok('POST', `/agent/v1/chats/${chatId}/decline`, { reason: 'busy\u0000' });
    const events = await transcript(sam, chatId);
    expect(events.find((e) => e.type === 'OfferDeclined')?.data).toMatchObject({ reason: `busy${FFFD}` });
  });

  it('admin: a user created with NUL in its name and skills is stored with U+FFFD', async () => {
    const root = await AgentUser.login(server, USERS.root);
    const created = await root.ok<{ id: string; name: string; skills: string[] }>('POST', '/agent/v1/admin/users', { name: 'Nu\u0000l', role: 'agent', skills: ['s\u0000'] });
    expect(created).toMatchObject({ name: `Nu${FFFD}l`, skills: [`s${FFFD}`] });
    const listed = await root.ok<{ id: string; name: string }[]>('GET', '/agent/v1/admin/users');
    expect(listed.find((u) => u.id === created.id)?.name).toBe(`Nu${FFFD}l`);
  });
});
