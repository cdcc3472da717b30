/**
 * Sensitive data rules (ADR 0052) over a real server on SQLite: a card number a visitor
 * types, in a message, a sneak peek or a pre-chat field, reaches the agent's offer and
 * stream, the chat's details and transcript, the JSON Lines export, a resync's
 * ChasitorSessionData and the stored rows only masked; a rule for agents masks what
 * the agent sends before the visitor gets it. A ChatMessage retried with its sequence is
 * still applied once, and the visitor API answers as without rules.
 */
import Sqlite from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer, request } from '../protocol/harness.js';
import { expectOk } from '../protocol/visitor.js';
import { AgentUser, BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, received, routingConfig, type WireEvent } from './agent-fixtures.js';

const CARD = '4111 1111 1111 1111';
const MASKED_CARD = '*'.repeat(CARD.length);
/** What no stored row, stream event or transcript may hold: the card's digits, with or without its spaces. */
const RAW = [CARD, CARD.replaceAll(' ', '')];

const RULES = [
  // docs/configuration.md's card number rule, as written there.
  { name: 'card-number', pattern: '\\b(?:\\d[ -]?){12,18}\\d\\b' },
  { name: 'pin', pattern: '\\bPIN:? ?\\d{4}\\b', flags: 'i', replacement: 'PIN [removed]', appliesTo: 'visitor' },
  { name: 'voucher', pattern: 'VOUCHER-[A-Z0-9]{6}', mask: '#', appliesTo: 'agent' },
];

const server = new TestServer({ pollHoldSeconds: 0.5 }, {
  config: (settings) => {
    const config = routingConfig(settings) as { orgs: Record<string, unknown>[] };
    config.orgs[0]!['sensitiveDataRules'] = RULES;
    return config;
  },
});
beforeAll(() => server.start());
afterAll(() => server.dispose());

const holdsRaw = (text: string) => RAW.some((raw) => text.includes(raw));

async function transcript(a: AgentUser, chatId: string): Promise<WireEvent[]> {
  return (await a.ok<{ events: WireEvent[] }>('GET', `/agent/v1/chats/${chatId}/transcript`)).events;
}

/** Every stored text of the chat: its session row and its events, from the server's own SQLite file. */
function storedRows(chatId: string): string {
  const db = new Sqlite(join(server.dataDir, 'switchboard.sqlite'), { readonly: true });
  try {
    db.pragma('busy_timeout = 5000');
    const session = db.prepare('select * from sessions where id = ?').all(chatId);
    const events = db.prepare('select * from events where session_id = ? order by "offset"').all(chatId);
    expect(events.length, 'the chat\'s events are stored').toBeGreaterThan(3);
    return JSON.stringify({ session, events });
  } finally {
    db.close();
  }
}

describe.skipIf(!OWNS_PROCESS)('sensitive data rules', () => {
  it('a visitor\'s card number reaches the agent, the transcript, the export, a resync and the store masked; a retry applies once', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const prechatDetails = [{ label: 'Card', value: CARD, transcriptFields: ['Card__c'], displayToAgent: true }];
    const { v, chatId } = await acceptedChat(alice, BUTTON.toAlice, { visitorName: 'Pat', prechatDetails });
    // The offer and the ChatRequestSuccess echo hold the masked pre-chat value.
    expect(alice.offers().at(-1)!.data['prechatDetails']).toEqual([expect.objectContaining({ label: 'Card', value: MASKED_CARD })]);
    expect(received(v, 'ChatRequestSuccess')[0]!.message['customDetails']).toEqual([expect.objectContaining({ value: MASKED_CARD })]);
    expect(received(v, 'ChatRequestSuccess')[0]!.message['sensitiveDataRules'], 'the wire is unchanged').toEqual([]);

    expectOk(await v.post('Chasitor/ChasitorSneakPeek', { position: 12, text: `my card ${CARD.slice(0, 14)}` }), 'sneak peek, part of a card');
    expectOk(await v.post('Chasitor/ChasitorSneakPeek', { position: 30, text: `my card ${CARD}` }), 'sneak peek');
    await alice.nextChatEvent(chatId, 'ChasitorSneakPeek');
    await alice.next((e) => e.chatId === chatId && e.data['type'] === 'ChasitorSneakPeek' && (e.data['data'] as { position: number }).position === 30, 'the second sneak peek');
    const message = `my card ${CARD}, pin 1234, VOUCHER-AB12CD`;
    const sent = await v.post('Chasitor/ChatMessage', { text: message });
    expect([sent.status, sent.text]).toEqual([200, 'OK']);
    // A retry: the same sequence, the same text. Matched by its number and noun (ADR 0050), as without rules.
    const retry = await v.post('Chasitor/ChatMessage', { text: message }, { sequence: v.sentSequence });
    expect([retry.status, retry.text]).toEqual([200, 'OK']);
    await v.say('thanks');

    const expected = `my card ${MASKED_CARD}, PIN [removed], VOUCHER-AB12CD`;
    expect((await alice.nextChatEvent(chatId, 'ChasitorChatMessage')).data['data']).toMatchObject({ text: expected });
    await alice.next((e) => e.chatId === chatId && (e.data['data'] as { text?: string } | undefined)?.text === 'thanks', 'the second message');
    const peeks = alice.chatEvents(chatId, 'ChasitorSneakPeek').map((e) => (e.data['data'] as { text: string }).text);
    expect(peeks).toEqual(['my card 4111 1111 1111', `my card ${MASKED_CARD}`]);
    const details = await alice.ok<{ sneakPeek: { text: string }; prechatDetails: { value: string }[] }>('GET', `/agent/v1/chats/${chatId}`);
    expect(details.sneakPeek.text).toBe(`my card ${MASKED_CARD}`);
    expect(details.prechatDetails[0]!.value).toBe(MASKED_CARD);

    const events = await transcript(alice, chatId);
    expect(events.filter((e) => e.type === 'ChasitorChatMessage').map((e) => e.data['text']), 'the retry was applied once').toEqual([expected, 'thanks']);
    const exported = await request(server.baseUrl, 'GET', `/agent/v1/chats/${chatId}/transcript`, { headers: { Authorization: `Bearer ${alice.accessToken}` }, query: { format: 'jsonl' } });
    expect(exported.status).toBe(200);
    expect(exported.text).toContain(MASKED_CARD);
    for (const text of [JSON.stringify(alice.chatEvents(chatId)), JSON.stringify(alice.offers()), JSON.stringify(events), exported.text]) expect(holdsRaw(text)).toBe(false);

    // A resync's snapshot is read from the log: the visitor's own message comes back masked.
    await v.resyncAfter503();
    const snapshot = received(v, 'ChasitorSessionData').at(-1)!.message as { chatMessages: { content: string }[] };
    expect(JSON.stringify(snapshot)).toContain(MASKED_CARD);
    expect(holdsRaw(JSON.stringify(snapshot))).toBe(false);

    const rows = storedRows(chatId);
    expect(rows).toContain(MASKED_CARD);
    expect(holdsRaw(rows)).toBe(false);
    expect(rows).not.toContain('pin 1234');
  });

  it('masks what an agent sends with the rules for agents, before the visitor and the transcript get it', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const sam = await AgentUser.login(server, USERS.sam);
    const { v, chatId } = await acceptedChat(alice, BUTTON.toAlice, { visitorName: 'Kim' });
    const sent = await alice.ok<{ offset: number; text: string }>('POST', `/agent/v1/chats/${chatId}/messages`, { text: `Your voucher is VOUCHER-AB12CD, card ${CARD}, pin 1234`, clientMessageId: 'v-1' });
    const expected = `Your voucher is ##############, card ${MASKED_CARD}, pin 1234`;
    // The answer gives the text as stored, so the sender's console shows what everyone else sees.
    expect(sent.text).toBe(expected);
    // A retried send with its clientMessageId is still the same message, its answer the same.
    expect(await alice.ok<{ offset: number; text: string }>('POST', `/agent/v1/chats/${chatId}/messages`, { text: `Your voucher is VOUCHER-AB12CD, card ${CARD}, pin 1234`, clientMessageId: 'v-1' })).toEqual(sent);
    await sam.ok('POST', `/agent/v1/chats/${chatId}/whisper`, { text: `ask for ${CARD}` });
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage'), 'the agent\'s message');
    expect(v.texts()).toEqual([expected]);
    expect((await alice.nextChatEvent(chatId, 'Whisper')).data['data']).toMatchObject({ text: `ask for ${MASKED_CARD}` });
    const events = await transcript(alice, chatId);
    expect(events.filter((e) => e.type === 'ChatMessage').map((e) => e.data['text'])).toEqual([expected]);
    expect(holdsRaw(JSON.stringify(events))).toBe(false);
    expect(holdsRaw(storedRows(chatId))).toBe(false);
  });

  it('admins read the org\'s rules as the file sets them; supervisors and agents may not', async () => {
    const root = await AgentUser.login(server, USERS.root);
    expect(await root.ok('GET', '/agent/v1/admin/sensitive-data-rules')).toEqual([
      { name: 'card-number', pattern: '\\b(?:\\d[ -]?){12,18}\\d\\b', flags: '', appliesTo: 'both' },
      { name: 'pin', pattern: '\\bPIN:? ?\\d{4}\\b', flags: 'i', appliesTo: 'visitor' },
      { name: 'voucher', pattern: 'VOUCHER-[A-Z0-9]{6}', flags: '', appliesTo: 'agent' },
    ]);
    const sam = await AgentUser.login(server, USERS.sam);
    expect((await sam.call('GET', '/agent/v1/admin/sensitive-data-rules')).status).toBe(403);
    const alice = await AgentUser.login(server, USERS.alice);
    expect((await alice.call('GET', '/agent/v1/admin/sensitive-data-rules')).status).toBe(403);
  });

  it('counts masked matches by rule name in /metrics, with no text in the labels', async () => {
    const metrics = await request(server.baseUrl, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    const lines = metrics.text.split('\n').filter((l) => l.startsWith('switchboard_sensitive_data_masked_total{'));
    const count = (rule: string) => Number(lines.find((l) => l.startsWith(`switchboard_sensitive_data_masked_total{rule="${rule}"}`))?.split(' ')[1] ?? 0);
    expect(count('card-number')).toBeGreaterThanOrEqual(5);
    expect(count('pin')).toBeGreaterThanOrEqual(1);
    expect(count('voucher')).toBeGreaterThanOrEqual(1);
    expect(lines.every((l) => /^switchboard_sensitive_data_masked_total\{rule="[a-z-]+"\} \d+$/.test(l)), lines.join('\n')).toBe(true);
  });
});
