/**
 * What chats came to, in /metrics (a support team's dashboard): requests queued and refused by
 * outcome, how long visitors waited for an agent, how chats ended (answered or not, and why),
 * how long answered chats lasted, and the length of each button's line now. Against the real
 * server, with a real agent (Dave, the `solo` button's one agent, capacity 1) and visitors.
 */
import { describe, expect, it } from 'vitest';
import { request } from '../protocol/harness.js';
import { BUTTON, ORG, OWNS_PROCESS, USERS, onlineAgent, pause, requestChat, useAgentServer } from './agent-fixtures.js';

const server = useAgentServer();

/** The sample `<name>{<labels>} <value>` of /metrics whose labels include every one given (0 when absent). */
async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const text = (await request(server.baseUrl, 'GET', '/metrics')).text;
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.slice(0, l.indexOf('}')).split(',').some((p) => p.endsWith(w))));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const solo = { org: ORG, button: BUTTON.solo };

describe.skipIf(!OWNS_PROCESS)('chat outcomes in /metrics', () => {
  it('counts requests by outcome, times the wait and the chat, counts ends by reason and answered, and shows the line', async () => {
    const dave = await onlineAgent(server, USERS.dave);
    // Answered after a wait of at least 300 ms.
    const first = await requestChat(server, BUTTON.solo, { visitorName: 'First' });
    const offer = await dave.nextOffer();
    await pause(300);
    await dave.ok('POST', `/agent/v1/chats/${offer.chatId}/accept`);
    await first.waitFor('ChatEstablished');
    expect(await metric('switchboard_chat_wait_seconds_count', solo)).toBe(1);
    expect(await metric('switchboard_chat_wait_seconds_sum', solo)).toBeGreaterThanOrEqual(0.3);
    expect(await metric('switchboard_chat_wait_seconds_bucket', { ...solo, le: '5' })).toBe(1);

    // Dave is full: the next visitor waits in line, then gives up.
    const second = await requestChat(server, BUTTON.solo, { visitorName: 'Second' });
    await second.waitFor('ChatRequestSuccess');
    expect(await metric('switchboard_queue_length', solo)).toBe(1);
    expect(await metric('switchboard_chat_requests_total', { ...solo, outcome: 'queued' })).toBe(2);
    expect((await second.end()).status).toBe(200);
    expect(await metric('switchboard_queue_length', solo)).toBe(0);
    expect(await metric('switchboard_chats_ended_total', { ...solo, reason: 'client', answered: 'false' })).toBe(1);

    // The answered chat ends after at least 200 ms with Dave.
    await dave.ok('POST', `/agent/v1/chats/${offer.chatId}/messages`, { text: 'Hello' });
    await pause(200);
    expect((await first.end()).status).toBe(200);
    expect(await metric('switchboard_chats_ended_total', { ...solo, reason: 'client', answered: 'true' })).toBe(1);
    expect(await metric('switchboard_chat_duration_seconds_count', solo)).toBe(1);
    expect(await metric('switchboard_chat_duration_seconds_sum', solo)).toBeGreaterThanOrEqual(0.2);

    // Nobody to take it: refused, and ended unanswered as Unavailable.
    await dave.leave();
    const third = await requestChat(server, BUTTON.solo, { visitorName: 'Third' });
    expect((await third.waitFor('ChatRequestFail')).message['reason']).toBe('Unavailable');
    expect(await metric('switchboard_chat_requests_total', { ...solo, outcome: 'unavailable' })).toBe(1);
    expect(await metric('switchboard_chats_ended_total', { ...solo, reason: 'Unavailable', answered: 'false' })).toBe(1);
    // Only what happened is counted: nothing was refused for a full line.
    expect(await metric('switchboard_chat_requests_total', { ...solo, outcome: 'queue_full' })).toBe(0);
    expect(await metric('switchboard_chat_wait_seconds_count', solo)).toBe(1);
  });
});
