/**
 * Sensitive data rules (ADR 0052) on PostgreSQL: what a visitor and an agent type is
 * masked before it is appended, so no stored row holds the card number (the session's
 * record, request and progress, every event), and a restart reads the masked text back.
 */
import { describe, expect, it } from 'vitest';
import { usePostgresServer } from '../protocol/harness.js';
import { AgentUser, BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, routingConfig, type WireEvent } from './agent-fixtures.js';

const CARD = '5500-0000-0000-0004';
const MASKED_CARD = '*'.repeat(CARD.length);
const RAW = [CARD, CARD.replaceAll('-', '')];

const { server, database } = usePostgresServer('sb_sensitive_data', { pollHoldSeconds: 0.5 }, (settings) => {
  const config = routingConfig(settings) as { orgs: Record<string, unknown>[] };
  config.orgs[0]!['sensitiveDataRules'] = [{ name: 'card-number', pattern: '\\b(?:\\d[ -]?){12,18}\\d\\b' }];
  return config;
});

async function storedRows(chatId: string): Promise<string> {
  const sessions = await database.query('select * from sessions where id = $1', [chatId]);
  const events = await database.query('select * from events where session_id = $1 order by "offset"', [chatId]);
  expect(events.length).toBeGreaterThan(3);
  return JSON.stringify({ sessions, events });
}

describe.skipIf(!OWNS_PROCESS)('sensitive data rules on PostgreSQL', () => {
  it('stores only masked text, from the visitor, the pre-chat form and the agent, and reads it back after a restart', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.toAlice, { visitorName: 'Pg', prechatDetails: [{ label: 'Card', value: CARD, transcriptFields: [], displayToAgent: true }] });
    await v.say(`card ${CARD}`);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: `you wrote ${CARD}?` });
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage'), 'the agent\'s message');
    expect(v.texts()).toEqual([`you wrote ${MASKED_CARD}?`]);

    const rows = await storedRows(chatId);
    expect(rows).toContain(`card ${MASKED_CARD}`);
    expect(RAW.some((raw) => rows.includes(raw)), 'a stored row holds the card number').toBe(false);

    await server.restart();
    const sam = await AgentUser.login(server, USERS.sam);
    const t = await sam.ok<{ events: WireEvent[]; prechatDetails: { value: string }[] }>('GET', `/agent/v1/chats/${chatId}/transcript`);
    expect(t.events.filter((e) => e.type === 'ChasitorChatMessage' || e.type === 'ChatMessage').map((e) => e.data['text'])).toEqual([`card ${MASKED_CARD}`, `you wrote ${MASKED_CARD}?`]);
    expect(t.prechatDetails.map((d) => d.value)).toEqual([MASKED_CARD]);
  });
});
