/**
 * NUL in what an agent, a supervisor or an admin sends, on PostgreSQL (ADR 0035).
 * The store keeps JSON as text, so a `\u0000` escape in it was stored and read back
 * without complaint; but PostgreSQL refuses it in any JSON it processes (`::jsonb`,
 * `->>`), so the first migration backfilling a column from that JSON, or an
 * operator's query over it, failed on the row. Agent bodies have NUL replaced by
 * U+FFFD where they are parsed, as visitor bodies do (ADR 0033).
 */
import { describe, expect, it } from 'vitest';
import { request, usePostgresServer } from '../protocol/harness.js';
import { AgentUser, BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, requestChat, routingConfig, type WireEvent } from './agent-fixtures.js';

const { server, database } = usePostgresServer('sb_agent_nul', { pollHoldSeconds: 0.5 }, routingConfig);
const FFFD = '\uFFFD';

describe.skipIf(!OWNS_PROCESS)('agent API: NUL in what an agent sends, on PostgreSQL', () => {
  it('REST and stream sends with NUL are stored with U+FFFD: every stored JSON casts to jsonb, also after a restart', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const sam = await AgentUser.login(server, USERS.sam);
    const root = await AgentUser.login(server, USERS.root);

    const { v, chatId } = await acceptedChat(alice, BUTTON.toAlice, { visitorName: 'Nul', visitorId: 'visitor\u0000nul' });
    // An offer declined with a reason.
    const from = alice.events.length;
    await requestChat(server, BUTTON.toAlice, { visitorName: 'Declined' });
    const declined = (await alice.nextOffer(from)).chatId!;
    await alice.ok('POST', `/agent/v1/chats/${declined}/decline`, { reason: 'busy\u0000' });

    await alice.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'rest\u0000', clientMessageId: 'id\u0000' });
    expect((await alice.command('messages', chatId, { text: 'socket\u0000' })).ok).toBe(true);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/events`, { type: 'cart\u0000', data: 'item\u0000' });
    await sam.ok('POST', `/agent/v1/chats/${chatId}/whisper`, { text: 'psst\u0000' });
    await root.ok('POST', '/agent/v1/admin/users', { name: 'Nu\u0000l', role: 'agent', skills: ['s\u0000'] });
    await root.ok('POST', '/agent/v1/admin/api-keys', { userId: USERS.alice.id, name: 'key\u0000', role: 'agent' });
    await v.pollUntil((all) => all.filter((m) => m.type === 'ChatMessage').length >= 2, 'both messages');
    expect(v.texts()).toEqual([`rest${FFFD}`, `socket${FFFD}`]);
    expect((await request(server.baseUrl, 'GET', '/readyz')).status, 'the store takes writes').toBe(200);

    // What a migration's backfill or an operator's query does with the JSON columns: no row refuses it.
    const [events] = await database.query<{ n: number }>('select count(*)::int as n from events where data::jsonb is not null');
    expect(events!.n).toBeGreaterThan(8);
    await database.query("select record::jsonb ->> 'chatState', request::jsonb, progress::jsonb from sessions");
    const names = await database.query<{ name: string }>("select body::jsonb ->> 'name' as name from documents");
    expect(names.map((n) => n.name)).toEqual(expect.arrayContaining([`Nu${FFFD}l`, `key${FFFD}`]));
    const texts = await database.query<{ text: string }>("select data::jsonb ->> 'text' as text from events where type in ('ChatMessage', 'Whisper') order by \"offset\"");
    expect(texts.map((t) => t.text)).toEqual([`rest${FFFD}`, `socket${FFFD}`, `psst${FFFD}`]);

    // The transcript and the supervisor's search read the same rows, after a restart too.
    await server.restart();
    const again = await AgentUser.login(server, USERS.sam);
    const t = await again.ok<{ events: WireEvent[] }>('GET', `/agent/v1/chats/${chatId}/transcript`);
    expect(t.events.filter((e) => e.type === 'ChatMessage').map((e) => e.data['text'])).toEqual([`rest${FFFD}`, `socket${FFFD}`]);
    const found = await again.ok<{ chats: { chatId: string }[] }>('GET', '/agent/v1/supervisor/chats?limit=200');
    expect(found.chats.map((c) => c.chatId)).toEqual(expect.arrayContaining([chatId, declined]));
  });

  it('a NUL in a path or query parameter is U+FFFD, as in a body: found, or 404, never a 500 from the store', async () => {
    const sam = await AgentUser.login(server, USERS.sam);
    const root = await AgentUser.login(server, USERS.root);
    // The visitor id was stored with U+FFFD (ADR 0033): searching with the NUL finds it.
    const byVisitor = await sam.ok<{ chats: { chatId: string; visitorId: string }[] }>('GET', '/agent/v1/supervisor/chats?visitorId=visitor%00nul');
    expect(byVisitor.chats.map((c) => c.visitorId)).toEqual([`visitor${FFFD}nul`]);
    for (const filter of ['agentId', 'endReason', 'buttonId']) {
      const res = await sam.call('GET', `/agent/v1/supervisor/chats?${filter}=a%00b`);
      expect(res.status, `${filter}: ${res.text}`).toBe(200);
      expect((res.json as { chats: unknown[] }).chats).toEqual([]);
    }
    for (const path of ['/agent/v1/chats/a%00b', '/agent/v1/chats/a%00b/transcript']) {
      const res = await sam.call('GET', path);
      expect(res.status, `${path}: ${res.text}`).toBe(404);
    }
    expect(await root.ok('DELETE', '/agent/v1/admin/visitors/nobody%00here')).toMatchObject({ deletedChats: 0 });
  });
});
