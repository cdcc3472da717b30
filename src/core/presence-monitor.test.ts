/**
 * The presence monitor drops an agent with no stream and no heartbeat at the moment its grace
 * runs out, not up to a quarter of the grace later (the periodic sweep's spacing): an emulator
 * advance of just over `agentGraceSeconds` leaves it offline when the advance answers
 * (docs/emulator.md). Whole server (inject), fake clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_IDS } from '../config/demo-deployment.js';
import { boot, stopAll } from './inject-harness.test-support.js';

afterEach(stopAll);

const GRACE_MS = 5_000;

describe('the presence monitor', () => {
  it.each([0, 300, 700, 1_100])('drops a silent agent 1 ms after its grace, whatever the periodic sweep\'s phase (online %d ms after the start)', async (phase) => {
    const { sb, clock } = await boot({ agentGraceSeconds: GRACE_MS / 1000 });
    clock.advance(phase);
    sb.engine.agentActions.setPresence(DEMO_IDS.humanAgentId, 'online');
    const agent = sb.engine.directory.get(DEMO_IDS.humanAgentId)!;
    clock.advance(GRACE_MS);
    expect(agent.presence, 'still within the grace').toBe('online');
    clock.advance(1);
    expect(agent.presence).toBe('offline');
  });

  it('a heartbeat moves the moment on: the agent is dropped a grace after the last one', async () => {
    const { sb, clock } = await boot({ agentGraceSeconds: GRACE_MS / 1000 });
    sb.engine.agentActions.setPresence(DEMO_IDS.humanAgentId, 'online');
    const agent = sb.engine.directory.get(DEMO_IDS.humanAgentId)!;
    clock.advance(4_000);
    sb.hub.heartbeat(DEMO_IDS.humanAgentId); // what POST /agent/v1/heartbeat does
    clock.advance(GRACE_MS);
    expect(agent.presence).toBe('online');
    clock.advance(1);
    expect(agent.presence).toBe('offline');
  });
});
