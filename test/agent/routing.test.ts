/**
 * Routing end to end, with real visitors over the visitor API and real agents
 * over the agent API and its WebSocket stream: presence drives Availability;
 * offers, accept (ChatEstablished fields), decline and offer-timeout reroutes
 * that skip the agents who passed; capacity, queue positions and QueueUpdate;
 * Least Active selection and the recorded routing decision; ToAgent buttons
 * and ChatRequestFail.
 */
import { describe, expect, it } from 'vitest';
import { API_VERSION } from '../protocol/visitor.js';
import {
  AgentUser, BUTTON, DEPLOYMENT, ORG, OWNS_PROCESS, USERS, onlineAgent, pause, received, requestChat, until, useAgentServer,
} from './agent-fixtures.js';

const server = useAgentServer();

async function availability(ids: string[]): Promise<Record<string, boolean>> {
  const res = await server.req('GET', 'Visitor/Availability', {
    headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION },
    query: `org_id=${ORG}&deployment_id=${DEPLOYMENT}&Availability.ids=${ids.join(',')}`,
  });
  expect(res.status, res.text).toBe(200);
  const results = (res.json as { messages: { message: { results: Record<string, unknown>[] } }[] }).messages[0]?.message.results ?? [];
  return Object.fromEntries(ids.map((id) => [id, results.find((r) => r['id'] === id)?.['isAvailable'] === true]));
}

describe.skipIf(!OWNS_PROCESS)('agent API: routing', () => {
  it('presence online makes the button available; away and offline do not', async () => {
    expect(await availability([BUTTON.support, BUTTON.sales])).toEqual({ [BUTTON.support]: false, [BUTTON.sales]: false });
    const bob = await onlineAgent(server, USERS.bob, { online: false });
    expect(await bob.presence('online')).toEqual({ status: 'online', capacity: 2, load: 0 });
    expect(await availability([BUTTON.support, BUTTON.sales])).toEqual({ [BUTTON.support]: true, [BUTTON.sales]: false });
    expect((await bob.presence('away')).status).toBe('away');
    expect((await availability([BUTTON.support]))[BUTTON.support]).toBe(false);
    expect((await bob.presence('online')).status).toBe('online');
    expect((await availability([BUTTON.support]))[BUTTON.support]).toBe(true);
    await bob.leave();
    expect((await availability([BUTTON.support]))[BUTTON.support]).toBe(false);

    // Nobody online: ChatRequestFail Unavailable.
    const v = await requestChat(server, BUTTON.support);
    expect((await v.waitFor('ChatRequestFail')).message['reason']).toBe('Unavailable');
  });

  it('a new stream connection (a console on a second device) starts with the presence in force', async () => {
    const bob = await onlineAgent(server, USERS.bob, { capacity: 1 });
    const second = await AgentUser.login(server, USERS.bob);
    await second.connect();
    const presence = await second.next((e) => e.type === 'presence', 'presence on connect');
    expect(presence.data).toMatchObject({ status: 'online', capacity: 1 });
    await second.disconnect();
    await bob.leave();
  });

  it('offers on the stream; accept gives the visitor ChatEstablished with name, userId, sneakPeekEnabled, chasitorIdleTimeout', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Olga', prechatDetails: [{ label: 'Order', value: 'A-17', transcriptFields: [], displayToAgent: true }] });
    const success = await v.waitFor('ChatRequestSuccess');
    expect(success.message['queuePosition']).toBe(1);

    const offer = await alice.nextOffer();
    expect(offer.id).toMatch(/^[0-9a-f]+:\d+$/);
    expect(offer.data).toMatchObject({ chatId: offer.chatId, buttonId: BUTTON.support, visitorName: 'Olga', transfer: false, queueName: BUTTON.support });
    expect(offer.data['prechatDetails']).toEqual([expect.objectContaining({ label: 'Order', value: 'A-17' })]);
    expect(offer.data['expiresAt']).toEqual(expect.any(Number));
    await alice.ok('POST', `/agent/v1/chats/${offer.chatId!}/accept`);
    // A second accept is a conflict, not a second ChatEstablished.
    expect((await alice.call('POST', `/agent/v1/chats/${offer.chatId!}/accept`)).status).toBe(409);

    const est = await v.waitFor('ChatEstablished');
    expect(est.message).toMatchObject({ name: 'Alice Agent', userId: USERS.alice.id, sneakPeekEnabled: true });
    expect(est.message['chasitorIdleTimeout']).toMatchObject({ isEnabled: false });
    expect(received(v, 'ChatEstablished')).toHaveLength(1);
    const chats = await alice.ok<{ chatId: string; state: string }[]>('GET', '/agent/v1/chats');
    expect(chats).toEqual([expect.objectContaining({ chatId: offer.chatId, state: 'established', agentId: USERS.alice.id })]);

    await alice.ok('POST', `/agent/v1/chats/${offer.chatId!}/end`);
    await v.waitFor('ChatEnded');
    await alice.leave();
  });

  it('decline: the next agent gets the offer, no one who declined is offered it again, and once everyone passed the request fails', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const bob = await onlineAgent(server, USERS.bob);
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Dana' });
    const agents = [alice, bob];
    await Promise.race(agents.map((a) => a.nextOffer()));
    const first = agents.find((a) => a.offers().length > 0)!;
    const second = agents.find((a) => a !== first)!;
    const chatId = first.offers()[0]!.chatId!;
    expect(second.offers()).toHaveLength(0); // never offered to two agents at once

    await first.ok('POST', `/agent/v1/chats/${chatId}/decline`, { reason: 'on a call' });
    await first.next((e) => e.type === 'offer.withdrawn' && e.chatId === chatId, 'the withdrawn offer');
    await second.nextOffer(0, chatId);
    // Declining again from the first agent is a conflict: the offer is no longer theirs.
    expect((await first.call('POST', `/agent/v1/chats/${chatId}/decline`, {})).status).toBe(409);

    const before = first.offers().length;
    await second.ok('POST', `/agent/v1/chats/${chatId}/decline`, {});
    // Both declined, and nobody else who serves the button is online: the visitor is told, as in
    // Live Agent (ADR 0071); it is not offered back to either (offers last 1 s, wait 1.5 s).
    expect((await v.waitFor('ChatRequestFail')).message).toMatchObject({ reason: 'Unavailable' });
    await pause(1_500);
    expect(first.offers().length).toBe(before);
    expect(second.offers().length).toBe(1);
    const sam = await AgentUser.login(server, USERS.sam);
    const transcript = await sam.ok<{ events: { type: string; data: Record<string, unknown> }[] }>('GET', `/agent/v1/chats/${chatId}/transcript`);
    const declines = transcript.events.filter((e) => e.type === 'OfferDeclined');
    expect(declines.map((e) => e.data['agentId'])).toEqual([first.id, second.id]);
    expect(declines[0]!.data['reason']).toBe('on a call');
    const offered = transcript.events.filter((e) => e.type === 'ChatOffered');
    expect(offered).toHaveLength(2);
    // Explainable: the rule and the candidates with their loads.
    expect(offered[0]!.data).toMatchObject({ agentId: first.id, rule: 'MostAvailable' });
    expect(offered[0]!.data['candidates']).toEqual(expect.arrayContaining([expect.objectContaining({ agentId: first.id, active: 0, capacity: 2, load: 0 })]));
    expect(offered[1]!.data['candidates']).toEqual([expect.objectContaining({ agentId: second.id })]);
    expect(transcript.events.at(-1)).toMatchObject({ type: 'ChatRequestFail', data: { reason: 'Unavailable' } });

    await alice.leave();
    await bob.leave();
  });

  it('offer timeout: the offer is withdrawn and rerouted to the next agent', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const bob = await onlineAgent(server, USERS.bob);
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Tim' });
    await Promise.race([alice.nextOffer(), bob.nextOffer()]);
    const silent = alice.offers().length > 0 ? alice : bob;
    const other = silent === alice ? bob : alice;
    const chatId = silent.offers()[0]!.chatId!;
    const offeredAt = Date.now();
    const withdrawn = await silent.next((e) => e.type === 'offer.withdrawn' && e.chatId === chatId, 'the timed-out offer', 0, 5_000);
    expect(withdrawn.data['reason']).toBe('OfferTimedOut');
    expect(Date.now() - offeredAt).toBeGreaterThanOrEqual(800);
    await other.nextOffer(0, chatId);
    // Accepting the withdrawn offer is refused.
    expect((await silent.call('POST', `/agent/v1/chats/${chatId}/accept`)).status).toBe(409);
    await other.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    expect((await v.waitFor('ChatEstablished')).message['userId']).toBe(other.id);
    await other.ok('POST', `/agent/v1/chats/${chatId}/end`);
    await alice.leave();
    await bob.leave();
  });

  it('the visitor leaving while the chat is offered withdraws the offer at once (reason ChatEnded)', async () => {
    const dave = await onlineAgent(server, USERS.dave);
    const v = await requestChat(server, BUTTON.solo, { visitorName: 'Gone Early' });
    const chatId = (await dave.nextOffer()).chatId!;
    const endedAt = Date.now();
    expect((await v.end()).status).toBe(200);
    // The solo button's offers last 5 s: the card must drop now, not at the expiry.
    const withdrawn = await dave.next((e) => e.type === 'offer.withdrawn' && e.chatId === chatId, 'the withdrawn offer', 0, 2_000);
    expect(withdrawn.data['reason']).toBe('ChatEnded');
    expect(Date.now() - endedAt).toBeLessThan(2_000);
    expect((await dave.call('POST', `/agent/v1/chats/${chatId}/accept`)).status).toBeGreaterThanOrEqual(400);
    await dave.leave();
  });

  it('an agent who steps away while offered a chat has not passed: back online, it is offered again', async () => {
    const dave = await onlineAgent(server, USERS.dave);
    const v = await requestChat(server, BUTTON.solo, { visitorName: 'Patient' });
    const chatId = (await dave.nextOffer()).chatId!;
    const from = dave.events.length;
    await dave.presence('away');
    expect((await dave.next((e) => e.type === 'offer.withdrawn' && e.chatId === chatId, 'the withdrawn offer', from)).data['reason']).toBe('OfferTimedOut');
    await dave.presence('online');
    await dave.nextOffer(from, chatId);
    await dave.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    expect((await v.waitFor('ChatEstablished')).message['userId']).toBe(USERS.dave.id);
    await dave.ok('POST', `/agent/v1/chats/${chatId}/end`);
    await dave.leave();
  });

  it('an agent whose chat went back to the queue when it went offline has not passed it: back online, it is offered that chat again', async () => {
    const dave = await onlineAgent(server, USERS.dave);
    const v = await requestChat(server, BUTTON.solo, { visitorName: 'Dropped' });
    const chatId = (await dave.nextOffer()).chatId!;
    await dave.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('ChatEstablished');
    // Its browser crashed, say: offline, and the visitor waits in line for the button's one agent.
    await dave.presence('offline');
    await v.waitFor('AgentDisconnect');
    const from = dave.events.length;
    await dave.presence('online');
    await dave.nextOffer(from, chatId);
    await dave.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    // The visitor already had an agent: the guide's ChatTransferred says who it has now.
    expect((await v.waitFor('ChatTransferred')).message['userId']).toBe(USERS.dave.id);
    await dave.ok('POST', `/agent/v1/chats/${chatId}/end`);
    await dave.leave();
  });

  it('logging out takes the agent offline: a new chat is not offered to nobody, and the agent gets chats again after logging in', async () => {
    const dave = await onlineAgent(server, USERS.dave);
    await dave.ok('POST', '/agent/v1/auth/logout');
    expect(await availability([BUTTON.solo])).toEqual({ [BUTTON.solo]: false });
    const v = await requestChat(server, BUTTON.solo, { visitorName: 'After Logout' });
    const first = await v.waitFor('ChatRequestFail');
    expect(first.message['reason']).toBe('Unavailable');

    const again = await onlineAgent(server, USERS.dave);
    const w = await requestChat(server, BUTTON.solo, { visitorName: 'After Login' });
    const chatId = (await again.nextOffer()).chatId!;
    await again.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await w.waitFor('ChatEstablished');
    await again.ok('POST', `/agent/v1/chats/${chatId}/end`);
    await again.leave();
  });

  it('REST bodies: an empty decline is {} (as on the socket); a refused body reads like the socket\'s', async () => {
    const dave = await onlineAgent(server, USERS.dave);
    await requestChat(server, BUTTON.solo, { visitorName: 'Empty Decline' });
    const chatId = (await dave.nextOffer()).chatId!;
    const declined = await dave.call('POST', `/agent/v1/chats/${chatId}/decline`);
    expect(declined.status, declined.text).toBe(200);
    const bad = await dave.call('PUT', '/agent/v1/presence', { status: 'sleeping' });
    expect(bad.status).toBe(400);
    expect(bad.text).toMatch(/^Invalid request body: body\/status /);
    await dave.leave();
  });

  it('a chat offered at once and then declined hears its new place in the queue', async () => {
    const alice = await onlineAgent(server, USERS.alice, { capacity: 1 });
    const carol = await onlineAgent(server, USERS.carol); // capacity 1
    await requestChat(server, BUTTON.sales, { visitorName: 'Sales One', receiveQueueUpdates: true });
    const v2 = await requestChat(server, BUTTON.sales, { visitorName: 'Sales Two', receiveQueueUpdates: true });
    expect((await v2.waitFor('ChatRequestSuccess')).message['queuePosition']).toBe(2);
    await until(() => alice.offers().length + carol.offers().length === 2, 'both offers');
    const byName = (name: string) => [...alice.offers().map((o) => [alice, o] as const), ...carol.offers().map((o) => [carol, o] as const)].find(([, o]) => o.data['visitorName'] === name)!;
    const [first, o1] = byName('Sales One');
    const [second, o2] = byName('Sales Two');
    await first.ok('POST', `/agent/v1/chats/${o1.chatId!}/accept`);
    await second.ok('POST', `/agent/v1/chats/${o2.chatId!}/decline`, { reason: 'busy' });
    // Nobody else has room: Sales Two waits, first in line, and is told so.
    const upd = await v2.waitFor('QueueUpdate');
    expect(upd.message['position']).toBe(1);
    await alice.presence('offline', 2); // the configured capacity again, for the tests after this one
  });

  it('never exceeds capacity: a second chat waits with its queue position and QueueUpdate', async () => {
    const dave = await onlineAgent(server, USERS.dave); // capacity 1
    const v1 = await requestChat(server, BUTTON.solo, { visitorName: 'First' });
    const o1 = await dave.nextOffer();
    await dave.ok('POST', `/agent/v1/chats/${o1.chatId!}/accept`);
    await v1.waitFor('ChatEstablished');

    const v2 = await requestChat(server, BUTTON.solo, { visitorName: 'Second', receiveQueueUpdates: true });
    const v3 = await requestChat(server, BUTTON.solo, { visitorName: 'Third', receiveQueueUpdates: true });
    const v4 = await requestChat(server, BUTTON.solo, { visitorName: 'Fourth', receiveQueueUpdates: false });
    expect((await v2.waitFor('ChatRequestSuccess')).message['queuePosition']).toBe(1);
    const s3 = await v3.waitFor('ChatRequestSuccess');
    expect(s3.message['queuePosition']).toBe(2);
    expect(s3.message['estimatedWaitTime']).toEqual(expect.any(Number));
    expect((await v4.waitFor('ChatRequestSuccess')).message['queuePosition']).toBe(3);
    await pause(500);
    expect(dave.offers()).toHaveLength(1);
    // The offer names its queue as a person reads it: the button's label, trimmed.
    expect(dave.offers()[0]!.data).toMatchObject({ queue: BUTTON.solo, queueName: 'Solo line' });
    expect((await dave.presence('online')).load).toBe(1);

    const sam = await AgentUser.login(server, USERS.sam);
    const overview = await sam.ok<{ queues: { queue: string; name: string; waiting: { visitorName: string; waitingMs: number }[] }[]; agents: { id: string; load: number; capacity: number }[] }>('GET', '/agent/v1/supervisor/overview');
    expect(overview.queues.find((q) => q.queue === BUTTON.solo)?.waiting.map((w) => w.visitorName)).toEqual(['Second', 'Third', 'Fourth']);
    // A supervisor reads the button's label, not its id.
    expect(overview.queues.find((q) => q.queue === BUTTON.solo)?.name).toBe('Solo line');
    expect(overview.agents.find((a) => a.id === USERS.dave.id)).toMatchObject({ load: 1, capacity: 1 });

    // The first chat ends: the second is offered, the third moves up and hears of it.
    const mark = dave.events.length;
    await dave.ok('POST', `/agent/v1/chats/${o1.chatId!}/end`);
    const o2 = await dave.nextOffer(mark);
    expect(o2.data['visitorName']).toBe('Second');
    // An offered chat keeps its place until accepted; then the others move up and hear of it.
    await dave.ok('POST', `/agent/v1/chats/${o2.chatId!}/accept`);
    await v2.waitFor('ChatEstablished');
    const upd = await v3.waitFor('QueueUpdate');
    expect(upd.message['position']).toBe(1);
    expect(upd.message['estimatedWaitTime']).toEqual(expect.any(Number));
    await v4.expectNoMore(); // no receiveQueueUpdates, no QueueUpdate
    expect(received(v4, 'QueueUpdate')).toEqual([]);
    expect(dave.offers()).toHaveLength(2);
    expect((await dave.presence('online')).load).toBe(1);

    await dave.leave();
  });

  it('Least Active picks the agent with the fewest chats even at a higher load ratio', async () => {
    const alice = await onlineAgent(server, USERS.alice); // capacity 2, skills support+sales
    // Alice takes one chat from her ToAgent button: 1 active, load 0.5.
    const va = await requestChat(server, BUTTON.toAlice, { visitorName: 'Direct' });
    const oa = await alice.nextOffer();
    const direct = (await alice.ok<{ events: { type: string; data: Record<string, unknown> }[] }>('GET', `/agent/v1/chats/${oa.chatId!}/transcript`)).events;
    // A ToAgent button has exactly one candidate: its agent.
    expect(direct.find((e) => e.type === 'ChatOffered')?.data['candidates']).toEqual([expect.objectContaining({ agentId: USERS.alice.id })]);
    await alice.ok('POST', `/agent/v1/chats/${oa.chatId!}/accept`);
    await va.waitFor('ChatEstablished');

    // Carol, capacity 10, takes two sales chats (she is the least active each time): 2 active, load 0.2.
    const carol = await onlineAgent(server, USERS.carol, { capacity: 10 });
    const held: string[] = [];
    for (const name of ['S1', 'S2']) {
      const mark = carol.events.length;
      await requestChat(server, BUTTON.sales, { visitorName: name });
      const o = await carol.nextOffer(mark);
      await carol.ok('POST', `/agent/v1/chats/${o.chatId!}/accept`);
      held.push(o.chatId!);
    }
    expect(alice.offers()).toHaveLength(1);

    // Least Active: Alice (1 chat) over Carol (2 chats), though Carol's load ratio is lower.
    const mark = alice.events.length;
    await requestChat(server, BUTTON.sales, { visitorName: 'S3' });
    const o3 = await alice.nextOffer(mark);
    const t = await alice.ok<{ events: { type: string; data: Record<string, unknown> }[] }>('GET', `/agent/v1/chats/${o3.chatId!}/transcript`);
    const decision = t.events.filter((e) => e.type === 'ChatOffered').at(-1)!.data;
    expect(decision).toMatchObject({ agentId: USERS.alice.id, rule: 'LeastActive' });
    expect(decision['candidates']).toEqual(expect.arrayContaining([
      expect.objectContaining({ agentId: USERS.alice.id, active: 1, capacity: 2, load: 0.5 }),
      expect.objectContaining({ agentId: USERS.carol.id, active: 2, capacity: 10, load: 0.2 }),
    ]));
    // Alice is now full (2/2): a fourth sales chat goes to Carol.
    const cm = carol.events.length;
    await requestChat(server, BUTTON.sales, { visitorName: 'S4' });
    await carol.nextOffer(cm);
    await alice.leave();
    await carol.leave();
  });

  it('ChasitorInit agentId without doFallback fails Unavailable when that agent is offline; with doFallback it routes by button', async () => {
    const bob = await onlineAgent(server, USERS.bob);
    const strict = await requestChat(server, BUTTON.support, { agentId: USERS.alice.id, doFallback: false });
    expect((await strict.waitFor('ChatRequestFail')).message['reason']).toBe('Unavailable');
    await requestChat(server, BUTTON.support, { agentId: USERS.alice.id, doFallback: true, visitorName: 'Fallback' });
    const o = await bob.nextOffer();
    expect(o.data['visitorName']).toBe('Fallback');
    await bob.leave();
  });

  it('ChasitorInit agentId in its 18-character form (even lower-cased) finds the configured 15-character agent', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    await requestChat(server, BUTTON.support, { agentId: `${USERS.alice.id.toLowerCase()}aai`, doFallback: false, visitorName: 'Long Id' });
    const offer = await alice.nextOffer();
    expect(offer.data['visitorName']).toBe('Long Id');
    await alice.leave();
  });

  it("Availability and Settings answer for the asking org's buttons and agents only", async () => {
    const eve = await onlineAgent(server, USERS.eve);
    const alice = await onlineAgent(server, USERS.alice);
    // Asked as the main org: the other org's online button and agent are not its to see.
    expect(await availability([BUTTON.other, USERS.eve.id, BUTTON.support, USERS.alice.id])).toEqual({
      [BUTTON.other]: false, [USERS.eve.id]: false, [BUTTON.support]: true, [USERS.alice.id]: true,
    });
    // A made-up org sees nothing, and an unknown deployment lists no buttons.
    const made = await server.req('GET', 'Visitor/Availability', {
      headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION }, query: `org_id=00DXXXXXXXXXXXX&deployment_id=bogus&Availability.ids=${BUTTON.support},${USERS.alice.id}`,
    });
    expect(JSON.stringify(made.json)).not.toContain('isAvailable');
    const settings = await server.req('GET', 'Visitor/Settings', {
      headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION }, query: `org_id=00DXXXXXXXXXXXX&deployment_id=bogus&Settings.buttonIds=${BUTTON.support}`,
    });
    expect((settings.json as { messages: { message: { buttons: unknown[] } }[] }).messages[0]!.message.buttons).toEqual([]);
    await eve.leave();
    await alice.leave();
  });

  it('agents of another org never get a chat, even with the same skill; transfers cannot cross orgs', async () => {
    // Eve (the other org) has skill `support`, like the main org's support button.
    const eve = await onlineAgent(server, USERS.eve);
    expect((await availability([BUTTON.support]))[BUTTON.support]).toBe(false);
    const lonely = await requestChat(server, BUTTON.support, { visitorName: 'Not for Eve' });
    expect((await lonely.waitFor('ChatRequestFail')).message['reason']).toBe('Unavailable');

    // A chat of the main org, held by Alice: no transfer reaches the other org.
    const alice = await onlineAgent(server, USERS.alice);
    await requestChat(server, BUTTON.support, { visitorName: 'Stays home' });
    const offer = await alice.nextOffer();
    await alice.ok('POST', `/agent/v1/chats/${offer.chatId!}/accept`);
    const toSkill = await alice.call('POST', `/agent/v1/chats/${offer.chatId!}/transfer`, { skill: 'support' });
    expect(toSkill.status, toSkill.text).toBe(409);
    const toButton = await alice.call('POST', `/agent/v1/chats/${offer.chatId!}/transfer`, { buttonId: BUTTON.other });
    expect(toButton.status, toButton.text).toBe(404);
    const toAgent = await alice.call('POST', `/agent/v1/chats/${offer.chatId!}/transfer`, { agentId: USERS.eve.id });
    expect(toAgent.status, toAgent.text).toBe(409);

    // And the other org's own button still reaches Eve.
    await requestChat(server, BUTTON.other, { visitorName: 'For Eve' }, 'other');
    const eveOffer = await eve.nextOffer();
    expect(eveOffer.data['visitorName']).toBe('For Eve');
    expect(eve.offers().map((o) => o.data['visitorName'])).toEqual(['For Eve']);
    await alice.leave();
    await eve.leave();
  });

  it('ChasitorInit skips unknown and other orgs\' button overrides and treats another org\'s agent as offline', async () => {
    const eve = await onlineAgent(server, USERS.eve);
    // The other org's button is skipped, as an unknown id is: nobody of this org is online.
    const overridden = await requestChat(server, BUTTON.support, { buttonOverrides: [BUTTON.other, '5730000000000ZZ'] });
    expect((await overridden.waitFor('ChatRequestFail')).message['reason']).toBe('Unavailable');
    // Eve is online but not of this org: like an agent who is not online.
    const strict = await requestChat(server, BUTTON.support, { agentId: USERS.eve.id, doFallback: false });
    expect((await strict.waitFor('ChatRequestFail')).message['reason']).toBe('Unavailable');

    const bob = await onlineAgent(server, USERS.bob);
    await requestChat(server, BUTTON.support, { buttonOverrides: ['5730000000000ZZ', BUTTON.other], visitorName: 'Routed home' });
    expect((await bob.nextOffer()).data['visitorName']).toBe('Routed home');
    await pause(300);
    expect(eve.offers()).toEqual([]);
    await bob.leave();
    await eve.leave();
  });
});
