/**
 * A chat whose button was removed from the config between two starts: one still
 * waiting for that button's agents ends at once, in words the visitor's client knows
 * (ChatRequestFail `Unavailable` for a request nobody took yet, ChatEnded for a chat
 * whose agent left), `endReason` ButtonRemoved, instead of waiting until the visitor
 * gives up (ADR 0008, later note); it is never offered to anyone. A transfer pending
 * there fails back, and a named-agent request waits for its agent, as before; with
 * fallback to the removed button it ends once that agent will not take it. Its queue's
 * routing settings come from the config schema's button defaults, never from a button
 * of another org, whose agents must not be offered the chat; one an agent held at the
 * restart still changes hands (a reassign, a transfer to an agent or to a skill, which
 * needs nothing of the button and goes to an agent of the chat's org) with those
 * defaults, where accepting it used to throw halfway through, and a transfer to a skill
 * used to be refused as if nobody were online. Whole server (inject),
 * fake clock, the memory store kept across the restart.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { validateConfig } from '../../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../../main.js';
import { newVisitor, post, take, type Visitor } from '../inject-harness.test-support.js';

const OTHER_ORG = '00D0000000000R1';
const ORG = '00D0000000000R2';
const OTHER_BUTTON = '5730000000000R1';
const REMOVED = '5730000000000R2';
const KEPT = '5730000000000R3';
const EVE = '0050000000000R1'; // the other org's agent, skill support
const ALICE = '0050000000000R2'; // this org's agent, skill support
const BOB = '0050000000000R3'; // this org's agent, skill support
const CAROL = '0050000000000R4'; // this org's agent, skill support

/** The other org comes first, so its button is the first of every button. */
function config(buttons: string[]) {
  return validateConfig({
    storage: { kind: 'memory' },
    orgs: [
      {
        id: OTHER_ORG,
        deployments: [{ id: '5720000000000R1', buttons: [{ id: OTHER_BUTTON, skills: ['support'], offerTimeoutSeconds: 5 }] }],
        agents: [{ id: EVE, name: 'Eve', skills: ['support'], capacity: 2 }],
      },
      {
        id: ORG,
        deployments: [{ id: '5720000000000R2', buttons: buttons.map((id) => ({ id, skills: ['support'] })) }],
        agents: [{ id: ALICE, name: 'Alice', skills: ['support'], capacity: 2 }, { id: BOB, name: 'Bob', skills: ['support'], capacity: 2 }, { id: CAROL, name: 'Carol', skills: ['support'], capacity: 2 }],
      },
    ],
  }, 'removed button test');
}

let running: Switchboard | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

/** The visitor's messages, polled until one of type `last` (at most 10 polls). */
async function visitorReadsUntil(sb: Switchboard, v: Visitor, last: string): Promise<{ type: string; message: Record<string, unknown> }[]> {
  const seen: { type: string; message: Record<string, unknown> }[] = [];
  for (let i = 0; i < 10 && !seen.some((m) => m.type === last); i++) {
    const payload = await take(sb, v);
    seen.push(...(payload.messages as unknown as { type: string; message: Record<string, unknown> }[]));
  }
  return seen;
}

async function boot(buttons: string[], store: MemoryChatStore): Promise<Switchboard> {
  running = await createSwitchboard(config(buttons), { clock: new FakeClock(), store, logger: pino({ level: 'silent' }) });
  return running;
}

describe('a chat whose button was removed from the config', () => {
  it('waiting for an agent at the restart, it ends with ChatRequestFail Unavailable, never offered to an agent of another org', async () => {
    const store = new MemoryChatStore();
    let sb = await boot([REMOVED, KEPT], store);
    sb.engine.agentActions.setPresence(ALICE, 'online');
    const v = await newVisitor(sb);
    const res = await post(sb, v, 'Chasitor/ChasitorInit', { organizationId: ORG, deploymentId: '5720000000000R2', buttonId: REMOVED, sessionId: v.id, visitorName: 'Ada' }, 1);
    expect(res.statusCode, res.body).toBe(200);
    expect(sb.engine.sessions.get(v.id)?.record).toMatchObject({ chatState: 'offered', agentId: ALICE });
    await sb.stop();

    sb = await boot([KEPT], store);
    sb.engine.agentActions.setPresence(EVE, 'online');
    sb.engine.agentActions.setPresence(BOB, 'online');
    const r = sb.engine.sessions.get(v.id)!.record;
    expect({ state: r.chatState, agentId: r.agentId, endReason: r.endReason }).toEqual({ state: 'ended', agentId: null, endReason: 'ButtonRemoved' });
    const seen = await visitorReadsUntil(sb, v, 'ChatRequestFail');
    expect(seen.map((m) => m.type)).toEqual(['ChatRequestSuccess', 'ChatRequestFail']);
    expect(seen[1]!.message).toEqual({ reason: 'Unavailable', postChatUrl: '' });
    await sb.engine.queue.commit();
    expect((await store.readEvents(v.id, 0, 100)).filter((e) => e.type === 'ChatOffered').map((e) => e.data['agentId']), 'offered to Alice before the restart only').toEqual([ALICE]);
    // The schema's defaults, whatever the other org's button says.
    expect(sb.engine.queueConfig(REMOVED, REMOVED)).toMatchObject({ id: REMOVED, offerTimeoutSeconds: 30, queueSizeLimit: 100, routing: 'MostAvailable' });
  });

  it.each([
    ['a supervisor reassigns it', (sb: Switchboard, chatId: string) => sb.engine.agentActions.reassign(chatId, BOB)],
    ['its agent transfers it to another agent, who accepts', (sb: Switchboard, chatId: string) => {
      sb.engine.agentActions.transfer(ALICE, chatId, { agentId: BOB });
      expect(sb.engine.sessions.get(chatId)?.record).toMatchObject({ chatState: 'offered', agentId: BOB });
      sb.engine.agentActions.accept(BOB, chatId);
    }],
    ['its agent transfers it to a skill; an agent of its org (not the other org\'s, who has the skill too) accepts', (sb: Switchboard, chatId: string) => {
      sb.engine.agentActions.transfer(ALICE, chatId, { skill: 'support' });
      expect(sb.engine.sessions.get(chatId)?.record).toMatchObject({ chatState: 'offered', agentId: BOB });
      sb.engine.agentActions.accept(BOB, chatId);
    }],
  ])('established before the restart, it can still change hands: %s (the removed button\'s defaults, no crash)', async (_name, handOn) => {
    const store = new MemoryChatStore();
    let sb = await boot([REMOVED, KEPT], store);
    sb.engine.agentActions.setPresence(ALICE, 'online');
    const v = await newVisitor(sb);
    const res = await post(sb, v, 'Chasitor/ChasitorInit', { organizationId: ORG, deploymentId: '5720000000000R2', buttonId: REMOVED, sessionId: v.id, visitorName: 'Ada' }, 1);
    expect(res.statusCode, res.body).toBe(200);
    sb.engine.agentActions.accept(ALICE, v.id);
    await sb.engine.queue.commit();
    await sb.stop();

    sb = await boot([KEPT], store);
    sb.engine.agentActions.setPresence(EVE, 'online');
    sb.engine.agentActions.setPresence(ALICE, 'online');
    sb.engine.agentActions.setPresence(BOB, 'online');
    expect(sb.engine.sessions.get(v.id)?.record).toMatchObject({ chatState: 'established', agentId: ALICE });
    handOn(sb, v.id);
    expect(sb.engine.sessions.get(v.id)?.record).toMatchObject({ chatState: 'established', agentId: BOB });
    await sb.engine.queue.commit();
    const transferred = (await store.readEvents(v.id, 0, 100)).filter((e) => e.type === 'ChatTransferred');
    expect(transferred.map((e) => e.data['userId'])).toEqual([BOB]);
  });

  it('established before the restart, a transfer nobody can take says exactly why; the chat stays with its agent', async () => {
    const store = new MemoryChatStore();
    let sb = await boot([REMOVED, KEPT], store);
    sb.engine.agentActions.setPresence(ALICE, 'online');
    const v = await newVisitor(sb);
    await post(sb, v, 'Chasitor/ChasitorInit', { organizationId: ORG, deploymentId: '5720000000000R2', buttonId: REMOVED, sessionId: v.id, visitorName: 'Ada' }, 1);
    sb.engine.agentActions.accept(ALICE, v.id);
    await sb.engine.queue.commit();
    await sb.stop();

    sb = await boot([KEPT], store);
    sb.engine.agentActions.setPresence(EVE, 'online');
    sb.engine.agentActions.setPresence(ALICE, 'online');
    const transfer = (target: { skill?: string; buttonId?: string }) => {
      try {
        sb.engine.agentActions.transfer(ALICE, v.id, target);
        return null;
      } catch (e) {
        return { code: (e as { code?: string }).code, detail: (e as { detail?: string }).detail };
      }
    };
    // Bob is offline; Eve, of the other org, has the skill but is not this chat's org's.
    expect(transfer({ skill: 'support' })).toEqual({ code: 'CONFLICT', detail: 'no other agent with skill support is online' });
    expect(transfer({ buttonId: REMOVED })).toEqual({ code: 'NOT_FOUND', detail: `button ${REMOVED}` });
    expect(transfer({ buttonId: KEPT })).toEqual({ code: 'CONFLICT', detail: `no other agent who serves button ${KEPT} is online` });
    expect(sb.engine.sessions.get(v.id)?.record).toMatchObject({ chatState: 'established', agentId: ALICE, transferFrom: null });
  });

  it('established before the restart, it ends with ChatEnded once its agent leaves, and is offered to nobody else', async () => {
    const store = new MemoryChatStore();
    let sb = await boot([REMOVED, KEPT], store);
    sb.engine.agentActions.setPresence(ALICE, 'online');
    const v = await newVisitor(sb);
    await post(sb, v, 'Chasitor/ChasitorInit', { organizationId: ORG, deploymentId: '5720000000000R2', buttonId: REMOVED, sessionId: v.id, visitorName: 'Ada' }, 1);
    sb.engine.agentActions.accept(ALICE, v.id);
    await sb.engine.queue.commit();
    await visitorReadsUntil(sb, v, 'ChatEstablished');
    await sb.stop();

    sb = await boot([KEPT], store);
    sb.engine.agentActions.setPresence(ALICE, 'online');
    sb.engine.agentActions.setPresence(BOB, 'online');
    expect(sb.engine.sessions.get(v.id)?.record, 'its agent still has it').toMatchObject({ chatState: 'established', agentId: ALICE });
    sb.engine.agentActions.agentDisconnected(ALICE);
    expect(sb.engine.sessions.get(v.id)?.record).toMatchObject({ chatState: 'ended', agentId: null, endReason: 'ButtonRemoved' });
    const seen = await visitorReadsUntil(sb, v, 'ChatEnded');
    expect(seen.map((m) => m.type)).toEqual(['AgentDisconnect', 'ChatEnded']);
    expect(seen[1]!.message).toEqual({ reason: 'agent', attachedRecords: [] });
    await sb.engine.queue.commit();
    expect((await store.readEvents(v.id, 0, 100)).filter((e) => e.type === 'ChatOffered').length, 'offered to Alice before the restart only').toBe(1);
  });

  it('what does not wait for the removed button\'s agents is not ended: a transfer pending at the restart fails back, a named-agent request waits for its agent', async () => {
    const store = new MemoryChatStore();
    let sb = await boot([REMOVED, KEPT], store);
    sb.engine.agentActions.setPresence(ALICE, 'online');
    // Carol holds a chat on the kept button and transfers it to the button that will be removed.
    sb.engine.agentActions.setPresence(CAROL, 'online');
    const transferred = await newVisitor(sb);
    await post(sb, transferred, 'Chasitor/ChasitorInit', { organizationId: ORG, deploymentId: '5720000000000R2', buttonId: KEPT, sessionId: transferred.id, visitorName: 'Tess' }, 1);
    const holder = sb.engine.sessions.get(transferred.id)!.record.agentId!;
    sb.engine.agentActions.accept(holder, transferred.id);
    sb.engine.agentActions.transfer(holder, transferred.id, { buttonId: REMOVED });
    // Nell asks for Bob by name, without fallback; Bob is offered it and the server stops.
    sb.engine.agentActions.setPresence(BOB, 'online');
    const named = await newVisitor(sb);
    await post(sb, named, 'Chasitor/ChasitorInit', { organizationId: ORG, deploymentId: '5720000000000R2', buttonId: REMOVED, sessionId: named.id, visitorName: 'Nell', agentId: BOB }, 1);
    expect(sb.engine.sessions.get(named.id)?.record).toMatchObject({ chatState: 'offered', agentId: BOB });
    await sb.engine.queue.commit();
    await sb.stop();

    sb = await boot([KEPT], store);
    expect(sb.engine.sessions.get(transferred.id)?.record, 'the transfer waits out the grace').toMatchObject({ chatState: 'waiting', transferFrom: holder });
    expect(sb.engine.sessions.get(named.id)?.record, 'the named request waits for Bob').toMatchObject({ chatState: 'waiting', endReason: null });
    sb.engine.agentActions.setPresence(BOB, 'online');
    expect(sb.engine.sessions.get(named.id)?.record).toMatchObject({ chatState: 'offered', agentId: BOB });
    sb.engine.agentActions.setPresence(holder, 'online');
    (sb.engine.clock as FakeClock).advance(60_000);
    expect(sb.engine.sessions.get(transferred.id)?.record, 'the transfer failed back to its sender').toMatchObject({ chatState: 'established', agentId: holder, transferFrom: null });
    await sb.engine.queue.commit();
    expect((await store.readEvents(transferred.id, 0, 100)).filter((e) => e.type === 'TransferFailed').map((e) => e.data['reason'])).toEqual(['NoAgentLeft']);
  });

  it('a named-agent request with fallback to the removed button ends (ChatRequestFail Unavailable, ButtonRemoved) once its agent will not take it, where it used to wait for that agent for ever', async () => {
    const store = new MemoryChatStore();
    let sb = await boot([REMOVED, KEPT], store);
    sb.engine.agentActions.setPresence(BOB, 'online');
    sb.engine.agentActions.setPresence(CAROL, 'online');
    // Nell asks for Bob, Otto for Carol, both with fallback to the button that will be removed.
    const nell = await newVisitor(sb);
    const otto = await newVisitor(sb);
    for (const [v, name, agentId] of [[nell, 'Nell', BOB], [otto, 'Otto', CAROL]] as const) {
      const res = await post(sb, v, 'Chasitor/ChasitorInit', { organizationId: ORG, deploymentId: '5720000000000R2', buttonId: REMOVED, sessionId: v.id, visitorName: name, agentId, doFallback: true }, 1);
      expect(res.statusCode, res.body).toBe(200);
      expect(sb.engine.sessions.get(v.id)?.record).toMatchObject({ chatState: 'offered', agentId });
    }
    await sb.engine.queue.commit();
    await sb.stop();

    sb = await boot([KEPT], store);
    sb.engine.agentActions.setPresence(ALICE, 'online');
    sb.engine.agentActions.setPresence(BOB, 'online');
    expect(sb.engine.sessions.get(nell.id)?.record, 'Bob may still take it').toMatchObject({ chatState: 'offered', agentId: BOB });
    expect(sb.engine.sessions.get(otto.id)?.record, 'Carol may come back within the grace').toMatchObject({ chatState: 'waiting', endReason: null });
    // Bob declines: there is no queue left to fall back to (Alice, online with room, is not offered it).
    sb.engine.agentActions.decline(BOB, nell.id, 'busy');
    expect(sb.engine.sessions.get(nell.id)?.record).toMatchObject({ chatState: 'ended', agentId: null, endReason: 'ButtonRemoved' });
    // Carol does not come back: the request ends with the grace.
    (sb.engine.clock as FakeClock).advance(60_000);
    expect(sb.engine.sessions.get(otto.id)?.record).toMatchObject({ chatState: 'ended', agentId: null, endReason: 'ButtonRemoved' });
    for (const v of [nell, otto]) {
      const seen = await visitorReadsUntil(sb, v, 'ChatRequestFail');
      expect(seen.map((m) => m.type)).toEqual(['ChatRequestSuccess', 'ChatRequestFail']);
      expect(seen[1]!.message).toEqual({ reason: 'Unavailable', postChatUrl: '' });
    }
    await sb.engine.queue.commit();
    expect((await store.readEvents(nell.id, 0, 100)).filter((e) => e.type === 'ChatOffered').map((e) => e.data['agentId']), 'offered to Bob only').toEqual([BOB, BOB]);
  });

  it('established before the restart and transferred to a skill, it goes to the next agent of its org when one declines', async () => {
    const store = new MemoryChatStore();
    let sb = await boot([REMOVED, KEPT], store);
    sb.engine.agentActions.setPresence(ALICE, 'online');
    const v = await newVisitor(sb);
    await post(sb, v, 'Chasitor/ChasitorInit', { organizationId: ORG, deploymentId: '5720000000000R2', buttonId: REMOVED, sessionId: v.id, visitorName: 'Ada' }, 1);
    sb.engine.agentActions.accept(ALICE, v.id);
    await sb.engine.queue.commit();
    await sb.stop();

    sb = await boot([KEPT], store);
    for (const id of [EVE, ALICE, BOB]) sb.engine.agentActions.setPresence(id, 'online');
    sb.engine.agentActions.transfer(ALICE, v.id, { skill: 'support' });
    expect(sb.engine.sessions.get(v.id)?.record).toMatchObject({ chatState: 'offered', agentId: BOB });
    // Carol comes online while Bob rings; Bob declines: Carol is still a candidate, the transfer goes on.
    sb.engine.agentActions.setPresence(CAROL, 'online');
    sb.engine.agentActions.decline(BOB, v.id, 'busy');
    expect(sb.engine.sessions.get(v.id)?.record).toMatchObject({ chatState: 'offered', agentId: CAROL, transferFrom: ALICE });
  });
});
