/**
 * A new request that every online agent who serves its queue passed on (declined, or let the
 * offer time out) fails with ChatRequestFail `Unavailable`, endReason `EveryAgentPassed`, as in
 * Live Agent, instead of waiting for an agent who may never come; with the button's
 * `rerouteDeclinedRequests`, they are all offered it again for `reroutingAttempts` rounds in all
 * first (ADR 0071). An agent at capacity who has not passed keeps it waiting, one who goes
 * offline or away does not, and a restart's grace lets the agents come back before anything
 * fails. Whole server (inject), fake clock, the memory store kept across the restart.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { validateConfig } from '../../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../../main.js';
import { newVisitor, post, take, type Visitor } from '../inject-harness.test-support.js';

const ORG = '00D0000000000P1';
const DEPLOYMENT = '5720000000000P1';
const PLAIN = '5730000000000P1';
const REROUTE = '5730000000000P2';
const ALICE = '0050000000000P1';
const BOB = '0050000000000P2';
const CAROL = '0050000000000P3';
const OFFER_SECONDS = 5;
const GRACE_SECONDS = 30;

function config() {
  return validateConfig({
    storage: { kind: 'memory' },
    settings: { agentGraceSeconds: GRACE_SECONDS },
    orgs: [{
      id: ORG,
      deployments: [{
        id: DEPLOYMENT,
        buttons: [
          { id: PLAIN, skills: ['support'], offerTimeoutSeconds: OFFER_SECONDS, postChatUrl: 'https://example.test/after' },
          { id: REROUTE, skills: ['support'], offerTimeoutSeconds: OFFER_SECONDS, rerouteDeclinedRequests: true, reroutingAttempts: 2 },
        ],
      }],
      agents: [
        { id: ALICE, name: 'Alice', skills: ['support'], capacity: 1 },
        { id: BOB, name: 'Bob', skills: ['support'], capacity: 1 },
        { id: CAROL, name: 'Carol', skills: ['support'], capacity: 1 },
      ],
    }],
  }, 'every agent passed test');
}

let running: Switchboard | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

async function boot(store = new MemoryChatStore(), clock = new FakeClock()): Promise<{ sb: Switchboard; clock: FakeClock }> {
  running = await createSwitchboard(config(), { clock, store, logger: pino({ level: 'silent' }) });
  return { sb: running, clock };
}

async function request(sb: Switchboard, buttonId: string, visitorName: string): Promise<Visitor> {
  const v = await newVisitor(sb);
  const res = await post(sb, v, 'Chasitor/ChasitorInit', { organizationId: ORG, deploymentId: DEPLOYMENT, buttonId, sessionId: v.id, visitorName }, 1);
  expect(res.statusCode, res.body).toBe(200);
  return v;
}

function record(sb: Switchboard, v: Visitor) {
  return sb.engine.sessions.get(v.id)!.record;
}

/** Whom the chat is offered to now (and that it is offered). */
function offeredTo(sb: Switchboard, v: Visitor): string {
  const r = record(sb, v);
  expect(r.chatState).toBe('offered');
  return r.agentId!;
}

/** Every visitor-visible message type of the chat, in order (the visitor's polls answer at once). */
async function visitorTypes(sb: Switchboard, v: Visitor): Promise<{ types: string[]; fail?: Record<string, unknown> }> {
  const types: string[] = [];
  let fail: Record<string, unknown> | undefined;
  for (let i = 0; i < 10 && !types.includes('ChatRequestFail'); i++) {
    for (const m of (await take(sb, v)).messages as unknown as { type: string; message: Record<string, unknown> }[]) {
      types.push(m.type);
      if (m.type === 'ChatRequestFail') fail = m.message;
    }
  }
  return { types, ...(fail ? { fail } : {}) };
}

async function logTypes(sb: Switchboard, store: MemoryChatStore, v: Visitor) {
  await sb.engine.queue.commit();
  return store.readEvents(v.id, 0, 100);
}

describe('a new request every agent passed on (ADR 0071)', () => {
  it('fails Unavailable once the last online agent who could take it declines, with its button\'s post-chat URL', async () => {
    const store = new MemoryChatStore();
    const { sb } = await boot(store);
    sb.engine.agentActions.setPresence(ALICE, 'online');
    sb.engine.agentActions.setPresence(BOB, 'online');
    sb.engine.agentActions.setPresence(CAROL, 'away'); // not online: not someone it waits for
    const v = await request(sb, PLAIN, 'Ada');
    const first = offeredTo(sb, v);
    sb.engine.agentActions.decline(first, v.id, 'on a call');
    const second = offeredTo(sb, v);
    expect(second).not.toBe(first);
    sb.engine.agentActions.decline(second, v.id, 'busy');

    expect(record(sb, v)).toMatchObject({ chatState: 'ended', endReason: 'EveryAgentPassed', agentId: null });
    const seen = await visitorTypes(sb, v);
    expect(seen.types).toEqual(['ChatRequestSuccess', 'ChatRequestFail']);
    expect(seen.fail).toEqual({ reason: 'Unavailable', postChatUrl: 'https://example.test/after' });
    // Nobody's capacity still counts it; the queue no longer has it.
    expect([ALICE, BOB].map((id) => sb.engine.directory.get(id)!.chats.size)).toEqual([0, 0]);
    const log = await logTypes(sb, store, v);
    expect(log.filter((e) => e.type === 'OfferDeclined').map((e) => e.data['agentId'])).toEqual([first, second]);
    expect(log.at(-1)).toMatchObject({ type: 'ChatRequestFail', data: { reason: 'Unavailable', $meta: { detail: 'EveryAgentPassed' } } });
  });

  it('an offer let time out counts as passing: the one online agent does not answer, and the visitor hears it after the offer timeout', async () => {
    const { sb, clock } = await boot();
    sb.engine.agentActions.setPresence(ALICE, 'online');
    const v = await request(sb, PLAIN, 'Ada');
    expect(offeredTo(sb, v)).toBe(ALICE);
    clock.advance(OFFER_SECONDS * 1000 - 1);
    expect(record(sb, v).chatState).toBe('offered');
    clock.advance(1);
    expect(record(sb, v)).toMatchObject({ chatState: 'ended', endReason: 'EveryAgentPassed' });
    expect((await visitorTypes(sb, v)).types).toEqual(['ChatRequestSuccess', 'ChatRequestFail']);
  });

  it('an agent at capacity who has not passed keeps it waiting; once that agent goes offline, nobody is left and it fails', async () => {
    const { sb } = await boot();
    sb.engine.agentActions.setPresence(ALICE, 'online');
    const held = await request(sb, PLAIN, 'Held');
    sb.engine.agentActions.accept(ALICE, held.id); // Alice is full (capacity 1)
    sb.engine.agentActions.setPresence(BOB, 'online');
    const v = await request(sb, PLAIN, 'Ada');
    expect(offeredTo(sb, v)).toBe(BOB);
    sb.engine.agentActions.decline(BOB, v.id, 'busy');
    expect(record(sb, v)).toMatchObject({ chatState: 'waiting', declinedBy: [BOB], endReason: null });

    sb.engine.agentActions.setPresence(ALICE, 'offline');
    expect(record(sb, v)).toMatchObject({ chatState: 'ended', endReason: 'EveryAgentPassed' });
    // Alice's own chat is not a new request: it is hers through the agents' grace, as before.
    expect(record(sb, held)).toMatchObject({ chatState: 'established', agentId: ALICE });
  });

  it('rerouting: every agent is offered it again, reroutingAttempts rounds in all, then it fails', async () => {
    const store = new MemoryChatStore();
    const { sb } = await boot(store);
    sb.engine.agentActions.setPresence(ALICE, 'online');
    sb.engine.agentActions.setPresence(BOB, 'online');
    const v = await request(sb, REROUTE, 'Ada');
    const round1 = [offeredTo(sb, v)];
    sb.engine.agentActions.decline(round1[0]!, v.id, 'no');
    round1.push(offeredTo(sb, v));
    sb.engine.agentActions.decline(round1[1]!, v.id, 'no');
    // Round 2: both are candidates again.
    expect(record(sb, v)).toMatchObject({ routingRound: 2, declinedBy: [] });
    const round2 = [offeredTo(sb, v)];
    sb.engine.agentActions.decline(round2[0]!, v.id, 'still no');
    round2.push(offeredTo(sb, v));
    expect(new Set(round2)).toEqual(new Set([ALICE, BOB]));
    sb.engine.agentActions.decline(round2[1]!, v.id, 'still no');
    expect(record(sb, v)).toMatchObject({ chatState: 'ended', endReason: 'EveryAgentPassed' });

    const log = await logTypes(sb, store, v);
    expect(log.filter((e) => e.type === 'ChatOffered')).toHaveLength(4);
    const rounds = log.filter((e) => e.type === 'RerouteRound');
    expect(rounds.map((e) => e.data)).toEqual([{ round: 2, rounds: 2, passedBy: round1 }]);
    expect(rounds[0]!.vseq, 'agent side only').toBeNull();
    expect((await visitorTypes(sb, v)).types).toEqual(['ChatRequestSuccess', 'ChatRequestFail']);
  });

  it('rerouting after the last agent who had not passed went offline; with nobody online at all it fails rather than wait', async () => {
    const { sb } = await boot();
    sb.engine.agentActions.setPresence(ALICE, 'online');
    sb.engine.agentActions.setPresence(BOB, 'online');
    const v = await request(sb, REROUTE, 'Ada');
    const first = offeredTo(sb, v);
    const other = first === ALICE ? BOB : ALICE;
    sb.engine.agentActions.decline(first, v.id, 'no');
    expect(offeredTo(sb, v)).toBe(other);
    // Going offline is not passing, but it leaves only the agent who passed: round 2, to that agent.
    sb.engine.agentActions.setPresence(other, 'offline');
    expect(record(sb, v)).toMatchObject({ routingRound: 2 });
    expect(offeredTo(sb, v)).toBe(first);
    // That agent goes too: nobody online serves the button, so no round can help.
    sb.engine.agentActions.setPresence(first, 'offline');
    expect(record(sb, v)).toMatchObject({ chatState: 'ended', endReason: 'EveryAgentPassed' });
  });

  it.each([
    ['the agent who had not passed comes back within the grace: it is offered to that agent', true],
    ['only the agent who passed is back when the grace ends: it fails', false],
  ])('after a restart, a request passed on before it waits out the agents\' grace; %s', async (_name, otherComesBack) => {
    const store = new MemoryChatStore();
    let { sb, clock } = await boot(store);
    sb.engine.agentActions.setPresence(ALICE, 'online');
    sb.engine.agentActions.setPresence(BOB, 'online');
    const v = await request(sb, PLAIN, 'Ada');
    const passed = offeredTo(sb, v);
    const other = passed === ALICE ? BOB : ALICE;
    sb.engine.agentActions.decline(passed, v.id, 'no');
    expect(offeredTo(sb, v)).toBe(other);
    await sb.engine.queue.commit();
    await sb.stop();

    ({ sb, clock } = await boot(store, clock));
    // Back, but it passed: without the grace, nobody else online would fail the request here.
    sb.engine.agentActions.setPresence(passed, 'online');
    expect(record(sb, v)).toMatchObject({ chatState: 'waiting', declinedBy: [passed] });
    clock.advance(GRACE_SECONDS * 1000 - 1);
    expect(record(sb, v).chatState).toBe('waiting');
    if (otherComesBack) {
      sb.engine.agentActions.setPresence(other, 'online');
      expect(offeredTo(sb, v)).toBe(other);
      clock.advance(1);
      expect(offeredTo(sb, v)).toBe(other);
    } else {
      clock.advance(1);
      expect(record(sb, v)).toMatchObject({ chatState: 'ended', endReason: 'EveryAgentPassed' });
      expect((await visitorTypes(sb, v)).types).toEqual(['ChatRequestSuccess', 'ChatRequestFail']);
    }
  });
});
