/**
 * Routing state that must stay within one org and one moment: skill queues
 * (a transfer to a skill) are per org, so one tenant's waiting chats never
 * count in another's queue positions — also for chats queued by an older
 * version under the shared key — and an offer withdrawn before its commit
 * finished is never announced to the agent. Whole engine, memory store, fake clock.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { validateConfig } from '../../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../../main.js';
import type { SessionRecord } from '../../ports/records.js';
import { parseChasitorInit } from '../../protocol/visitor-requests.js';
import type { AgentNotification } from '../agent-directory.js';
import type { ChatSession } from '../chat-session.js';

const ORG_A = '00D0000000000QA';
const ORG_B = '00D0000000000QB';

function org(id: string, suffix: string) {
  return {
    id,
    deployments: [{ id: `57200000000${suffix}`, buttons: [{ id: `57300000000${suffix}`, type: 'Standard', skills: ['support'] }] }],
    agents: [1, 2].map((n) => ({ id: `005000000000${suffix.slice(2)}${n}`, name: `Agent ${suffix}${n}`, skills: ['support'], capacity: 1 })),
  };
}

const ORGS = [org(ORG_A, '00QA'), org(ORG_B, '00QB')];

let running: Switchboard[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
});

async function boot(store = new MemoryChatStore()): Promise<Switchboard> {
  const config = validateConfig({ storage: { kind: 'memory' }, orgs: structuredClone(ORGS) }, 'test');
  const sb = await createSwitchboard(config, { clock: new FakeClock(), store, logger: pino({ level: 'silent' }) });
  running.push(sb);
  return sb;
}

function ask(sb: Switchboard, orgIndex: 0 | 1): ChatSession {
  const o = ORGS[orgIndex]!;
  const s = sb.engine.createSession();
  sb.engine.requestChat(s, parseChasitorInit({ organizationId: o.id, deploymentId: o.deployments[0]!.id, buttonId: o.deployments[0]!.buttons[0]!.id, visitorName: 'V' }), '127.0.0.1');
  return s;
}

/** Both agents of the org online, each holding one chat; the first one's chat is transferred to skill `support`. */
async function chatWaitingForSkill(sb: Switchboard, orgIndex: 0 | 1): Promise<ChatSession> {
  const agents = ORGS[orgIndex]!.agents.map((a) => a.id);
  for (const a of agents) sb.engine.agentActions.setPresence(a, 'online');
  const chats = [ask(sb, orgIndex), ask(sb, orgIndex)];
  for (const s of chats) sb.engine.agentActions.accept(s.record.agentId!, s.id);
  const first = chats[0]!;
  // Both agents are full: the chat waits in the skill queue (its sender is skipped).
  sb.engine.agentActions.transfer(first.record.agentId!, first.id, { skill: 'support' });
  await sb.engine.queue.commit();
  expect(first.record.chatState).toBe('waiting');
  return first;
}

describe('skill queues are per org', () => {
  it("a chat waiting for a skill is first in its org's queue whatever another org has waiting", async () => {
    const sb = await boot();
    const a = await chatWaitingForSkill(sb, 0);
    const b = await chatWaitingForSkill(sb, 1);
    // Each is alone in its queue (a chat under transfer holds no place in line: position 0).
    expect(sb.engine.router.queued(sb.engine.router.queueOf(a.id)!)).toEqual([a.id]);
    expect(sb.engine.router.queued(sb.engine.router.queueOf(b.id)!)).toEqual([b.id]);
    expect(sb.engine.router.queueOf(a.id)).not.toBe(sb.engine.router.queueOf(b.id));
  });

  it('a chat queued under the old shared key (`skill:<name>`) joins its org\'s queue after a restart', async () => {
    // The store hands back records as a version before per-org skill queues wrote them.
    class OldKeys extends MemoryChatStore {
      override async loadOpenSessions(): Promise<SessionRecord[]> {
        const records = await super.loadOpenSessions();
        for (const r of records) if (r.queueKey?.startsWith('skill:')) r.queueKey = 'skill:support';
        return records;
      }
    }
    const store = new OldKeys();
    const first = await boot(store);
    const a = await chatWaitingForSkill(first, 0);
    const b = await chatWaitingForSkill(first, 1);
    await first.stop();
    running = running.filter((s) => s !== first);

    const again = await boot(store);
    const ra = again.engine.sessions.get(a.id)!.record;
    const rb = again.engine.sessions.get(b.id)!.record;
    expect(ra.queueKey).toBe(`skill:${ORG_A}:support`);
    expect(rb.queueKey).toBe(`skill:${ORG_B}:support`);
    expect(again.engine.router.queued(ra.queueKey!)).toEqual([a.id]);
    expect(again.engine.router.queued(rb.queueKey!)).toEqual([b.id]);
  });
});

describe('offers', () => {
  it('an offer withdrawn before its commit finished is never announced', async () => {
    const sb = await boot();
    const agent = ORGS[0]!.agents[0]!.id;
    const heard: AgentNotification['kind'][] = [];
    sb.engine.directory.subscribe(agent, (n) => heard.push(n.kind));
    sb.engine.agentActions.setPresence(agent, 'online');
    const s = ask(sb, 0);
    expect(s.record.agentId).toBe(agent);
    // The agent steps away in the same turn: the offer is withdrawn before anything is durable.
    sb.engine.agentActions.setPresence(agent, 'away');
    await sb.engine.queue.commit();
    expect(heard.filter((k) => k === 'offer' || k === 'offer-withdrawn')).toEqual(['offer-withdrawn']);
  });
});
