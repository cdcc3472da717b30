/**
 * In a chat, end to end: messages both ways, typing, custom events both ways,
 * sneak peek, idempotent sends (clientMessageId), chat details, the transcript
 * (JSON and JSON Lines) and the agent ending the chat; transfers to an agent,
 * a skill and a button with nothing the visitor sends during them lost.
 */
import { describe, expect, it } from 'vitest';
import {
  AgentUser, BUTTON, DEPLOYMENT, ORG, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, pause, received, requestChat, useAgentServer, type WireEvent,
} from './agent-fixtures.js';
import { Visitor } from '../protocol/visitor.js';

const server = useAgentServer();

const PRECHAT = [{ label: 'Email', value: 'pat@example.com', transcriptFields: [], displayToAgent: true }];

describe.skipIf(!OWNS_PROCESS)('agent API: in a chat', () => {
  it('carries messages, typing, custom events and sneak peek both ways; retried sends apply once; agent ends', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Pat', prechatDetails: PRECHAT, visitorId: 'visitor-pat-1' });
    const offer = await alice.nextOffer();
    const chatId = offer.chatId!;
    await alice.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('ChatEstablished');

    // Visitor → agent.
    await v.post('Chasitor/ChasitorTyping', {});
    await v.post('Chasitor/ChasitorSneakPeek', { position: 9, text: 'Where is ' });
    await alice.nextChatEvent(chatId, 'ChasitorSneakPeek');
    const details = await alice.ok<{ sneakPeekEnabled: boolean; sneakPeek: { text: string } | null; prechatDetails: unknown[]; visitor: Record<string, unknown>; chat: Record<string, unknown> }>('GET', `/agent/v1/chats/${chatId}`);
    expect(details.sneakPeekEnabled).toBe(true);
    expect(details.sneakPeek).toMatchObject({ position: 9, text: 'Where is ' });
    expect(details.prechatDetails).toEqual([expect.objectContaining({ label: 'Email', value: 'pat@example.com' })]);
    expect(details.visitor).toMatchObject({ id: 'visitor-pat-1', name: 'Pat', language: 'en-US' });
    expect(details.chat).toMatchObject({ chatId, state: 'established', agentId: USERS.alice.id, buttonId: BUTTON.support });
    await v.say('Where is my order?');
    await v.post('Chasitor/ChasitorNotTyping', {});
    await v.post('Chasitor/CustomEvent', { type: 'page', data: '/orders/17' });
    const msg = await alice.nextChatEvent(chatId, 'ChasitorChatMessage');
    expect(msg.data).toMatchObject({ type: 'ChasitorChatMessage', actor: 'visitor', data: { text: 'Where is my order?', name: 'Pat' } });
    expect((await alice.nextChatEvent(chatId, 'ChasitorCustomEvent')).data['data']).toEqual({ type: 'page', data: '/orders/17' });
    const types = alice.chatEvents(chatId).map((e) => e.data['type']);
    expect(types).toEqual(expect.arrayContaining(['ChasitorTyping', 'ChasitorSneakPeek', 'ChasitorChatMessage', 'ChasitorNotTyping', 'ChasitorCustomEvent']));
    expect(types.indexOf('ChasitorTyping')).toBeLessThan(types.indexOf('ChasitorChatMessage'));

    // Agent → visitor, with a retried send that must apply once.
    await alice.ok('POST', `/agent/v1/chats/${chatId}/typing`, { typing: true });
    const first = await alice.ok<{ offset: number }>('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'It ships today.', clientMessageId: 'm-1' });
    const retry = await alice.ok<{ offset: number }>('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'It ships today.', clientMessageId: 'm-1' });
    expect(retry.offset).toBe(first.offset);
    // The same id with other words is no retry: refused, and not answered as if it had been stored.
    const other = await alice.call('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'It ships tomorrow.', clientMessageId: 'm-1' });
    expect([other.status, other.text]).toEqual([409, `Conflict: clientMessageId m-1 was sent with other text (offset ${first.offset}); a retry repeats its text, a new message needs a new id`]);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/typing`, { typing: false });
    await alice.ok('POST', `/agent/v1/chats/${chatId}/events`, { type: 'cobrowse', data: '{"url":"/track"}' });
    await alice.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Anything else?' });
    await v.pollUntil((all) => all.filter((m) => m.type === 'ChatMessage').length >= 2 && all.some((m) => m.type === 'CustomEvent'), 'agent messages and custom event');
    expect(v.texts()).toEqual(['It ships today.', 'Anything else?']);
    expect(received(v, 'ChatMessage')[0]!.message).toMatchObject({ name: 'Alice Agent', agentId: USERS.alice.id });
    expect(received(v, 'AgentTyping')).toHaveLength(1);
    expect(received(v, 'AgentNotTyping')).toHaveLength(1);
    expect(received(v, 'CustomEvent')[0]!.message).toMatchObject({ type: 'cobrowse', data: '{"url":"/track"}' });
    // The agent does not get its own sends echoed on its stream.
    expect(alice.chatEvents(chatId, 'ChatMessage')).toEqual([]);

    // End: the visitor hears ChatEnded, reason agent; the chat leaves the agent's list.
    await alice.ok('POST', `/agent/v1/chats/${chatId}/end`);
    expect((await v.waitFor('ChatEnded')).message['reason']).toBe('agent');
    expect((await alice.call('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'late' })).status).toBeGreaterThanOrEqual(400);
    expect((await alice.presence('online')).load).toBe(0);

    // Transcript: both sides, system events, timestamps, prechat data, in order.
    const t = await alice.ok<{ chat: Record<string, unknown>; prechatDetails: unknown[]; events: WireEvent[] }>('GET', `/agent/v1/chats/${chatId}/transcript`);
    expect(t.chat).toMatchObject({ chatId, state: 'ended', endReason: 'agent', visitorName: 'Pat' });
    expect(t.prechatDetails).toEqual([expect.objectContaining({ label: 'Email', value: 'pat@example.com' })]);
    const ev = t.events;
    expect(ev.map((e) => e.offset)).toEqual([...ev.map((e) => e.offset)].sort((a, b) => a - b));
    for (let i = 1; i < ev.length; i++) expect(ev[i]!.at).toBeGreaterThanOrEqual(ev[i - 1]!.at);
    const seq = ev.map((e) => e.type);
    for (const type of ['ChatRequested', 'ChatRequestSuccess', 'ChatOffered', 'ChatEstablished', 'ChasitorChatMessage', 'ChatMessage', 'CustomEvent', 'ChasitorCustomEvent', 'ChatEnded']) expect(seq, type).toContain(type);
    expect(seq.indexOf('ChatOffered')).toBeLessThan(seq.indexOf('ChatEstablished'));
    expect(ev.find((e) => e.type === 'ChatRequested')?.data['prechatDetails']).toEqual(t.prechatDetails);
    const sent = ev.filter((e) => e.type === 'ChatMessage');
    expect(sent.map((e) => e.data['text'])).toEqual(['It ships today.', 'Anything else?']);
    expect(sent[0]!.clientMessageId).toBe('m-1');
    expect(JSON.stringify(ev)).not.toContain('$meta');

    const jsonl = await alice.call('GET', `/agent/v1/chats/${chatId}/transcript?format=jsonl`);
    expect(jsonl.status).toBe(200);
    expect(jsonl.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const lines = jsonl.text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ kind: 'chat', chatId, prechatDetails: t.prechatDetails });
    expect(lines.slice(1).map((l) => l['type'])).toEqual(seq);
    expect(lines.slice(1).every((l) => l['kind'] === 'event')).toBe(true);

    // The same visitor comes back: the agent sees the earlier chat.
    const mark = alice.events.length;
    const again = await requestChat(server, BUTTON.support, { visitorName: 'Pat', visitorId: 'visitor-pat-1' });
    const second = (await alice.nextOffer(mark)).chatId!;
    await alice.ok('POST', `/agent/v1/chats/${second}/accept`);
    await again.waitFor('ChatEstablished');
    const d2 = await alice.ok<{ earlierChats: { chatId: string }[] }>('GET', `/agent/v1/chats/${second}`);
    expect(d2.earlierChats.map((c) => c.chatId)).toContain(chatId);
  });

  it("a visitor id two orgs share: each org's agent sees only that org's earlier chats and breadcrumbs", async () => {
    type Details = { earlierChats: { chatId: string }[]; breadcrumbs: { location: string }[] };
    const visitorId = 'visitor-two-orgs-1';
    // First a chat in the other org, with a breadcrumb of that org's site.
    const eve = await onlineAgent(server, USERS.eve);
    const theirs = await requestChat(server, BUTTON.other, { visitorName: 'Shared', visitorId }, 'other');
    const theirChat = (await eve.nextOffer()).chatId!;
    await eve.ok('POST', `/agent/v1/chats/${theirChat}/accept`);
    await theirs.waitFor('ChatEstablished');
    expect((await theirs.post('Visitor/Breadcrumb', { location: 'https://b.example/private-order' })).status).toBe(200);
    await eve.ok('POST', `/agent/v1/chats/${theirChat}/end`);
    await theirs.waitFor('ChatEnded');
    // Then the same visitor id in this org.
    const alice = await onlineAgent(server, USERS.alice);
    const ours = await requestChat(server, BUTTON.toAlice, { visitorName: 'Shared', visitorId });
    const ourChat = (await alice.nextOffer()).chatId!;
    await alice.ok('POST', `/agent/v1/chats/${ourChat}/accept`);
    await ours.waitFor('ChatEstablished');
    expect((await ours.post('Visitor/Breadcrumb', { location: 'https://a.example/cart' })).status).toBe(200);
    let mine: Details | undefined;
    for (let i = 0; i < 50 && !mine?.breadcrumbs.length; i++) {
      if (i) await pause(50);
      mine = await alice.ok<Details>('GET', `/agent/v1/chats/${ourChat}`);
    }
    expect(mine!.breadcrumbs.map((b) => b.location)).toEqual(['https://a.example/cart']);
    expect(mine!.earlierChats).toEqual([]);
    // And the other way round: the other org's supervisor sees its own chat's history only.
    const sue = await AgentUser.login(server, USERS.sue);
    const theirView = await sue.ok<Details>('GET', `/agent/v1/chats/${theirChat}`);
    expect(theirView.breadcrumbs.map((b) => b.location)).toEqual(['https://b.example/private-order']);
    expect(theirView.earlierChats).toEqual([]);
    await alice.ok('POST', `/agent/v1/chats/${ourChat}/end`);
    await alice.leave();
    await eve.leave();
  });

  it('a page a visitor with no cookie saw before asking for the chat is among the chat\'s breadcrumbs', async () => {
    type Details = { breadcrumbs: { location: string }[] };
    const alice = await onlineAgent(server, USERS.alice);
    const v = new Visitor(server);
    await v.createSession();
    expect((await v.post('Visitor/Breadcrumb', { location: 'https://a.example/pricing' }, { sequence: null })).status).toBe(200);
    expect((await v.init(v.initBody(BUTTON.toAlice, { organizationId: ORG, deploymentId: DEPLOYMENT }))).status).toBe(200);
    const chatId = (await alice.nextOffer()).chatId!;
    // Offered: the agent deciding whether to take it sees where the visitor came from.
    expect((await alice.ok<Details>('GET', `/agent/v1/chats/${chatId}`)).breadcrumbs.map((b) => b.location)).toEqual(['https://a.example/pricing']);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('ChatEstablished');
    expect((await v.post('Visitor/Breadcrumb', { location: 'https://a.example/checkout' })).status).toBe(200);
    let details: Details | undefined;
    for (let i = 0; i < 50 && details?.breadcrumbs.length !== 2; i++) {
      if (i) await pause(50);
      details = await alice.ok<Details>('GET', `/agent/v1/chats/${chatId}`);
    }
    expect(details!.breadcrumbs.map((b) => b.location).sort()).toEqual(['https://a.example/checkout', 'https://a.example/pricing']);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/end`);
    await alice.leave();
  });

  it("erasure: an admin deletes a visitor's ended chats and transcripts; running chats and agents cannot", async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const root = await AgentUser.login(server, USERS.root);
    const v = await requestChat(server, BUTTON.toAlice, { visitorName: 'Forget Me', visitorId: 'visitor-erase-1' });
    const chatId = (await alice.nextOffer()).chatId!;
    await alice.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('ChatEstablished');
    // Still running: nothing is deleted, the chat is counted.
    expect(await root.ok('DELETE', '/agent/v1/admin/visitors/visitor-erase-1')).toEqual({ deletedChats: 0, activeChats: 1, deletedBreadcrumbs: 0, breadcrumbsKept: false, deletedOfflineMessages: 0 });
    expect((await alice.call('GET', `/agent/v1/chats/${chatId}/transcript`)).status).toBe(200);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/end`);
    await v.waitFor('ChatEnded');
    // The session closes when the visitor's next poll finds everything delivered (403 from then on).
    expect((await v.poll()).status).toBe(403);
    // An agent may not erase; an admin may, now that the chat is over.
    expect((await alice.call('DELETE', '/agent/v1/admin/visitors/visitor-erase-1')).status).toBe(403);
    let erased = 0;
    for (let i = 0; i < 50 && erased === 0; i++) {
      erased = (await root.ok<{ deletedChats: number }>('DELETE', '/agent/v1/admin/visitors/visitor-erase-1')).deletedChats;
      if (!erased) await pause(100);
    }
    expect(erased).toBe(1);
    expect((await root.call('GET', `/agent/v1/chats/${chatId}/transcript`)).status).toBe(404);
    expect(await root.ok('DELETE', '/agent/v1/admin/visitors/visitor-erase-1')).toMatchObject({ deletedChats: 0, activeChats: 0 });
    // Nor does the stream replay it: a resume from before the chat gets a resync, not its events.
    const offer = alice.events.find((e) => e.type === 'offer' && e.chatId === chatId)!;
    const [epoch, offset] = String(offer.id).split(':');
    await alice.disconnect();
    const from = alice.events.length;
    await alice.connect(`${epoch}:${Number(offset) - 1}`);
    await alice.next((e) => e.type === 'resync', 'resync after the erasure', from);
    expect(alice.events.slice(from).filter((e) => e.chatId === chatId), 'events of the erased chat replayed').toEqual([]);
    await alice.leave();
  });

  it('transfer targets: the other agents of my org with presence and room, skills and buttons with who could take a chat', async () => {
    type Targets = {
      agents: { id: string; name: string; presence: string; load: number; capacity: number; available: boolean }[];
      skills: { skill: string; availableAgents: number; onlineAgents: number }[];
      buttons: { id: string; label: string; availableAgents: number; onlineAgents: number }[];
    };
    // Carol (sales, capacity 1) takes a chat before the others come online: online but full.
    const carol = await onlineAgent(server, USERS.carol);
    await requestChat(server, BUTTON.sales, { visitorName: 'Fills Carol' });
    const offer = await carol.nextOffer();
    await carol.ok('POST', `/agent/v1/chats/${offer.chatId!}/accept`);
    const alice = await onlineAgent(server, USERS.alice);
    const bob = await onlineAgent(server, USERS.bob);

    const t = await alice.ok<Targets>('GET', '/agent/v1/transfer-targets');
    const ids = t.agents.map((a) => a.id);
    expect(ids).not.toContain(USERS.alice.id); // not the caller
    expect(ids).not.toContain(USERS.eve.id); // not another org
    expect(ids).toEqual(expect.arrayContaining([USERS.bob.id, USERS.carol.id, USERS.dave.id, USERS.sam.id]));
    expect(t.agents.find((a) => a.id === USERS.bob.id)).toMatchObject({ name: 'Bob Agent', presence: 'online', load: 0, capacity: 2, available: true });
    expect(t.agents.find((a) => a.id === USERS.carol.id)).toMatchObject({ presence: 'online', load: 1, capacity: 1, available: false });
    expect(t.agents.find((a) => a.id === USERS.dave.id)).toMatchObject({ presence: 'offline', available: false });
    expect(t.agents[0]!.available).toBe(true); // available agents first
    // Skills: support has Bob (Alice is the caller, Sam is offline); sales has Carol, online but full.
    expect(t.skills.find((s) => s.skill === 'support')).toEqual({ skill: 'support', availableAgents: 1, onlineAgents: 1 });
    expect(t.skills.find((s) => s.skill === 'sales')).toEqual({ skill: 'sales', availableAgents: 0, onlineAgents: 1 });
    expect(t.skills.find((s) => s.skill === 'billing')).toEqual({ skill: 'billing', availableAgents: 0, onlineAgents: 0 });
    expect(t.buttons.map((b) => b.id)).toEqual(expect.arrayContaining([BUTTON.support, BUTTON.billing, BUTTON.toAlice]));
    expect(t.buttons.map((b) => b.id)).not.toContain(BUTTON.other);
    expect(t.buttons.find((b) => b.id === BUTTON.toAlice)).toMatchObject({ availableAgents: 0, onlineAgents: 0 }); // only Alice serves it
    expect(t.buttons.find((b) => b.id === BUTTON.support)).toMatchObject({ availableAgents: 1, onlineAgents: 1 });

    // What it calls available, a transfer takes; what it calls full, a transfer to that agent refuses.
    await requestChat(server, BUTTON.toAlice, { visitorName: 'Moves' });
    const mine = await alice.nextOffer();
    await alice.ok('POST', `/agent/v1/chats/${mine.chatId!}/accept`);
    expect((await alice.call('POST', `/agent/v1/chats/${mine.chatId!}/transfer`, { agentId: USERS.carol.id })).status).toBe(409);
    await alice.ok('POST', `/agent/v1/chats/${mine.chatId!}/transfer`, { agentId: USERS.bob.id });
    expect((await bob.nextOffer(0, mine.chatId)).data['transfer']).toBe(true);

    // Without a token: 401.
    expect((await alice.call('GET', '/agent/v1/transfer-targets', undefined, '')).status).toBe(401);
    await alice.leave();
    await bob.leave();
    await carol.leave();
  });

  it('a MultiNoun may carry a Visitor/Breadcrumb with the chat nouns: both are applied', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Crumbs' });
    const res = await v.post('System/MultiNoun', {
      nouns: [
        { prefix: 'Chasitor', noun: 'ChatMessage', object: { text: 'with crumb' } },
        { prefix: 'Visitor', noun: 'Breadcrumb', object: { location: 'https://shop.example.com/cart' } },
      ],
    });
    expect(res.status, res.text).toBe(200);
    await alice.nextChatEvent(chatId, 'ChasitorChatMessage');
    const details = await alice.ok<{ breadcrumbs: { location: string }[] }>('GET', `/agent/v1/chats/${chatId}`);
    expect(details.breadcrumbs.map((b) => b.location)).toContain('https://shop.example.com/cart');
    await alice.leave();
  });

  it("the guide's MultiNoun [ChatMessage, ChatEnd]: the agent gets the last message, then the end, each once", async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorName: 'Leaving' });
    const res = await v.post('System/MultiNoun', {
      nouns: [
        { prefix: 'Chasitor', noun: 'ChatMessage', object: { text: 'Goodbye' } },
        { prefix: 'Chasitor', noun: 'ChatEnd', object: {} },
      ],
    });
    expect(res.status, res.text).toBe(200);
    await alice.nextChatEvent(chatId, 'ChasitorChatEnded');
    const types = alice.chatEvents(chatId).map((e) => `${String(e.data['type'])}${e.data['type'] === 'ChasitorChatMessage' ? `:${String((e.data['data'] as Record<string, unknown>)['text'])}` : ''}`);
    const goodbye = types.indexOf('ChasitorChatMessage:Goodbye');
    expect(goodbye, types.join(', ')).toBeGreaterThanOrEqual(0);
    expect(types.filter((t) => t === 'ChasitorChatMessage:Goodbye'), types.join(', ')).toHaveLength(1);
    expect(types.filter((t) => t === 'ChasitorChatEnded'), types.join(', ')).toHaveLength(1);
    expect(goodbye, types.join(', ')).toBeLessThan(types.indexOf('ChasitorChatEnded'));
    // And the stored transcript says the same.
    const transcript = await alice.ok<{ events: WireEvent[] }>('GET', `/agent/v1/chats/${chatId}/transcript`);
    const stored = transcript.events.map((e) => e.type);
    expect(stored.indexOf('ChasitorChatMessage'), stored.join(', ')).toBeLessThan(stored.indexOf('ChasitorChatEnded'));
    expect(transcript.events.find((e) => e.type === 'ChasitorChatMessage')?.data['text']).toBe('Goodbye');
    await alice.leave();
  });

  it('clientMessageId belongs to its sender: after a transfer the next agent\'s message with the same id is sent, a retry of its own is not', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const bob = await onlineAgent(server, USERS.bob);
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Greeted Twice' });
    const [first] = await Promise.race([alice.nextOffer().then((o) => [alice, o] as const), bob.nextOffer().then((o) => [bob, o] as const)]);
    const other = first === alice ? bob : alice;
    const chatId = first.offers()[0]!.chatId!;
    await first.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('ChatEstablished');
    const greeting = { clientMessageId: `hello-${chatId}` };
    const a = await first.ok<{ offset: number }>('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Hi from the first agent', ...greeting });
    await first.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { agentId: other.id });
    await other.nextOffer(0, chatId);
    await other.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('ChatTransferred');
    const b = await other.ok<{ offset: number }>('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Hi from the second agent', ...greeting });
    expect(b.offset).toBeGreaterThan(a.offset);
    // Its own retry is still answered with the first offset, not applied again.
    expect(await other.ok<{ offset: number }>('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Hi from the second agent', ...greeting })).toEqual(b);
    const texts = (await other.ok<{ events: WireEvent[] }>('GET', `/agent/v1/chats/${chatId}/transcript`)).events.filter((e) => e.type === 'ChatMessage').map((e) => e.data['text']);
    expect(texts).toEqual(['Hi from the first agent', 'Hi from the second agent']);
    await other.ok('POST', `/agent/v1/chats/${chatId}/end`);
    await alice.leave();
    await bob.leave();
  });

  it('a transfer to a skill whose only candidate declines comes back to the caller, who can write again', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Rita' });
    const chatId = (await alice.nextOffer()).chatId!;
    await alice.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('ChatEstablished');
    const carol = await onlineAgent(server, USERS.carol);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { skill: 'sales' });
    await carol.nextOffer(0, chatId);
    await carol.ok('POST', `/agent/v1/chats/${chatId}/decline`);
    const failed = await alice.nextChatEvent(chatId, 'TransferFailed');
    expect(failed.data['data']).toMatchObject({ to: 'skill:sales' });
    await alice.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Still with you.' });
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'Still with you.'), "the caller's message");
    expect(received(v, 'ChatTransferred')).toHaveLength(0);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/end`);
    await carol.leave();
    await alice.leave();
  });

  it('transfers to an agent, a skill and a button; the visitor hears ChatTransferred and nothing sent meanwhile is lost', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const v = await requestChat(server, BUTTON.support, { visitorName: 'Quinn' });
    const chatId = (await alice.nextOffer()).chatId!;
    await alice.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    await v.waitFor('ChatEstablished');

    // No one else serves billing yet: the transfer is refused and nothing changes.
    const refused = await alice.call('POST', `/agent/v1/chats/${chatId}/transfer`, { buttonId: BUTTON.billing });
    expect(refused.status, refused.text).toBe(409);
    const empty = await alice.call('POST', `/agent/v1/chats/${chatId}/transfer`, {});
    expect(empty.status, empty.text).toBe(400);
    // Two targets: which one was meant? Refused, not one of them picked silently.
    const two = await alice.call('POST', `/agent/v1/chats/${chatId}/transfer`, { skill: 'sales', buttonId: BUTTON.billing });
    expect(two.status, two.text).toBe(400);
    expect(two.text).toMatch(/exactly one/);

    // 1. To an agent.
    const bob = await onlineAgent(server, USERS.bob);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { agentId: USERS.bob.id });
    const ob = await bob.nextOffer(0, chatId);
    expect(ob.data['transfer']).toBe(true);
    await v.say('said during transfer 1');
    // Alice held it: 409 that says the chat is no longer hers (a client can act on that), not 403.
    const notHers = await alice.call('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'still mine?' });
    expect([notHers.status, notHers.text]).toEqual([409, 'Chat is no longer yours: it is offered to another agent']);
    expect((await alice.call('POST', `/agent/v1/chats/${chatId}/end`)).status).toBe(409);
    await bob.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    const tr1 = await v.waitFor('ChatTransferred');
    expect(tr1.message).toMatchObject({ name: 'Bob Agent', userId: USERS.bob.id, sneakPeekEnabled: true });
    expect(await transcriptTexts(bob, chatId)).toContain('said during transfer 1');
    await alice.leave();

    // 2. To a skill (sales: Carol).
    const carol = await onlineAgent(server, USERS.carol);
    // A skill name longer than any is refused; other properties of the body are not kept.
    expect((await bob.call('POST', `/agent/v1/chats/${chatId}/transfer`, { skill: 's'.repeat(129) })).status).toBe(400);
    await bob.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { skill: 'sales', note: 'x'.repeat(5000) });
    await carol.nextOffer(0, chatId);
    await v.say('said during transfer 2');
    await carol.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    const from = v.received.indexOf(tr1) + 1;
    const tr2 = await v.waitFor('ChatTransferred', 'second ChatTransferred', from);
    expect(tr2.message).toMatchObject({ name: 'Carol Agent', userId: USERS.carol.id });
    expect(await transcriptTexts(carol, chatId)).toEqual(['said during transfer 1', 'said during transfer 2']);
    await bob.leave();

    // 3. To a button (billing: Bill).
    const bill = await onlineAgent(server, USERS.bill);
    await carol.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { buttonId: BUTTON.billing });
    await bill.nextOffer(0, chatId);
    await v.say('said during transfer 3');
    await bill.ok('POST', `/agent/v1/chats/${chatId}/accept`);
    const tr3 = await v.waitFor('ChatTransferred', 'third ChatTransferred', v.received.indexOf(tr2) + 1);
    expect(tr3.message).toMatchObject({ name: 'Bill Billing', userId: USERS.bill.id });
    const billView = await bill.ok<{ chat: { buttonId: string } }>('GET', `/agent/v1/chats/${chatId}`);
    expect(billView.chat.buttonId).toBe(BUTTON.billing);
    expect(await transcriptTexts(bill, chatId)).toEqual(['said during transfer 1', 'said during transfer 2', 'said during transfer 3']);

    // The new agent talks to the visitor; the visitor's later messages reach only the new agent.
    await bill.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Billing here.' });
    await v.say('thanks');
    await bill.nextChatEvent(chatId, 'ChasitorChatMessage');
    expect(carol.chatEvents(chatId, 'ChasitorChatMessage').map((e) => (e.data['data'] as { text: string }).text)).not.toContain('thanks');
    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'Billing here.'), 'the new agent message');
    expect(received(v, 'ChatEstablished')).toHaveLength(1);
    expect(received(v, 'ChatTransferred')).toHaveLength(3);

    const t = await bill.ok<{ events: WireEvent[] }>('GET', `/agent/v1/chats/${chatId}/transcript`);
    expect(t.events.filter((e) => e.type === 'TransferRequested').map((e) => e.data)).toEqual([
      expect.objectContaining({ from: USERS.alice.id, agentId: USERS.bob.id }),
      { from: USERS.bob.id, skill: 'sales' },
      expect.objectContaining({ from: USERS.carol.id, buttonId: BUTTON.billing }),
    ]);
    await bill.ok('POST', `/agent/v1/chats/${chatId}/end`);
    expect((await v.waitFor('ChatEnded')).message['reason']).toBe('agent');
  });
});

async function transcriptTexts(a: AgentUser, chatId: string): Promise<string[]> {
  const t = await a.ok<{ events: WireEvent[] }>('GET', `/agent/v1/chats/${chatId}/transcript`);
  return t.events.filter((e) => e.type === 'ChasitorChatMessage').map((e) => String(e.data['text']));
}
