/**
 * A chat whose button was removed from the config between two starts: its queue's
 * routing settings come from the config schema's button defaults, never from a button
 * of another org, whose agents must not be offered the chat; one an agent held at the
 * restart still changes hands (a reassign, a transfer to an agent) with those defaults,
 * where accepting it used to throw halfway through. Whole server (inject),
 * fake clock, the memory store kept across the restart.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { validateConfig } from '../../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../../main.js';
import { newVisitor, post } from '../inject-harness.test-support.js';

const OTHER_ORG = '00D0000000000R1';
const ORG = '00D0000000000R2';
const OTHER_BUTTON = '5730000000000R1';
const REMOVED = '5730000000000R2';
const KEPT = '5730000000000R3';
const EVE = '0050000000000R1'; // the other org's agent, skill support
const ALICE = '0050000000000R2'; // this org's agent, skill support
const BOB = '0050000000000R3'; // this org's agent, skill support

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
        agents: [{ id: ALICE, name: 'Alice', skills: ['support'], capacity: 2 }, { id: BOB, name: 'Bob', skills: ['support'], capacity: 2 }],
      },
    ],
  }, 'removed button test');
}

let running: Switchboard | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

async function boot(buttons: string[], store: MemoryChatStore): Promise<Switchboard> {
  running = await createSwitchboard(config(buttons), { clock: new FakeClock(), store, logger: pino({ level: 'silent' }) });
  return running;
}

describe('a chat whose button was removed from the config', () => {
  it('is never offered to an agent of another org after the restart', async () => {
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
    const r = sb.engine.sessions.get(v.id)!.record;
    expect({ state: r.chatState, agentId: r.agentId }).toEqual({ state: 'waiting', agentId: null });
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
    sb.engine.agentActions.setPresence(ALICE, 'online');
    sb.engine.agentActions.setPresence(BOB, 'online');
    expect(sb.engine.sessions.get(v.id)?.record).toMatchObject({ chatState: 'established', agentId: ALICE });
    handOn(sb, v.id);
    expect(sb.engine.sessions.get(v.id)?.record).toMatchObject({ chatState: 'established', agentId: BOB });
    await sb.engine.queue.commit();
    const transferred = (await store.readEvents(v.id, 0, 100)).filter((e) => e.type === 'ChatTransferred');
    expect(transferred.map((e) => e.data['userId'])).toEqual([BOB]);
  });
});
