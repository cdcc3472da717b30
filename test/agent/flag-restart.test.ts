/**
 * A raised flag across kill -9 on the same SQLite file (docs/adr/0056): it is part of the chat's
 * record, so after the restart the chat's summary and the supervisor's overview still show it,
 * with its message and when it was raised, and it can be lowered then; the visitor, polling on,
 * never got a flag event.
 */
import { describe, expect, it } from 'vitest';
import { AgentUser, BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, useAgentServer } from './agent-fixtures.js';

const server = useAgentServer({ agentGraceSeconds: 30 });

interface Flag { raisedBy: string; message: string; raisedAt: number }

describe.skipIf(!OWNS_PROCESS)('a raised flag across kill -9 (SQLite)', () => {
  it('is still raised after the restart, and goes down then', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Flag Visitor' });
    const { flag } = await alice.ok<{ flag: Flag }>('POST', `/agent/v1/chats/${chatId}/flag`, { message: 'Before the crash' });

    await server.kill9();
    await server.start();

    const sam = await AgentUser.login(server, USERS.sam);
    const overview = await sam.ok<{ chats: { chatId: string; agentId: string; flag: Flag | null }[] }>('GET', '/agent/v1/supervisor/overview');
    expect(overview.chats.find((c) => c.chatId === chatId)).toMatchObject({ agentId: USERS.alice.id, flag });
    const alice2 = await onlineAgent(server, USERS.alice);
    expect((await alice2.ok<{ chatId: string; flag: Flag | null }[]>('GET', '/agent/v1/chats')).find((c) => c.chatId === chatId)?.flag).toEqual(flag);

    expect(await sam.ok('DELETE', `/agent/v1/chats/${chatId}/flag`)).toEqual({ flag: null });
    expect((await alice2.ok<{ chatId: string; flag: Flag | null }[]>('GET', '/agent/v1/chats')).find((c) => c.chatId === chatId)?.flag).toBeNull();
    const events = (await alice2.ok<{ events: { type: string; data: Record<string, unknown> }[] }>('GET', `/agent/v1/chats/${chatId}/transcript`)).events;
    expect(events.filter((e) => e.type.startsWith('Flag')).map((e) => e.type)).toEqual(['FlagRaised', 'FlagLowered']);

    await alice2.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'After the restart.' });
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage'), 'the message after the restart');
    expect(v.received.map((m) => m.type).filter((t) => t.startsWith('Flag'))).toEqual([]);
    expect(JSON.stringify(v.received)).not.toContain('Before the crash');
  });
});
