/**
 * Visitor blocks end to end through inject() (ADR 0055): an agent blocks the visitor of
 * its chat, admins list, add and remove blocks, and a blocked address is refused a chat
 * and sees the org's buttons offline while every other address is served as before.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { DEMO_IDS, demoOrg } from '../../config/demo-deployment.js';
import { validateConfig } from '../../config/load-config.js';
import { HOLD_SECONDS, VERSION, until } from '../../core/inject-harness.test-support.js';
import { createSwitchboard, type Switchboard } from '../../main.js';
import type { VisitorBlock } from '../../protocol/agent-api-types.js';

const HUMAN = DEMO_IDS.humanButtonId;
const BLOCKED_IP = '203.0.113.7';
const OTHER_IP = '198.51.100.20';

let running: Switchboard[] = [];
let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

async function boot(org: Record<string, unknown> = {}, storage: Record<string, unknown> = { kind: 'memory' }, dataDir?: string, clock = new FakeClock()) {
  const config = validateConfig({ storage, ...(dataDir ? { server: { dataDir } } : {}), settings: { pollHoldSeconds: HOLD_SECONDS }, orgs: [{ ...structuredClone(demoOrg), ...org }] }, 'test');
  const sb = await createSwitchboard(config, { clock, ...(storage.kind === 'memory' ? { store: new MemoryChatStore() } : {}), logger: pino({ level: 'silent' }) });
  running.push(sb);
  return { sb, clock };
}

async function login(sb: Switchboard, username: string) {
  const res = await sb.app.inject({ method: 'POST', url: '/agent/v1/auth/login', payload: { username, password: `${username}-demo` } });
  const token = res.json<{ accessToken: string }>().accessToken;
  return (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    sb.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
}

/** A visitor calling from `ip`. */
async function visitor(sb: Switchboard, ip: string) {
  const res = await sb.app.inject({ method: 'GET', url: '/chat/rest/System/SessionId', remoteAddress: ip, headers: { ...VERSION, 'x-liveagent-affinity': 'null' } });
  const b = res.json<{ key: string; id: string; affinityToken: string }>();
  const headers = { ...VERSION, 'x-liveagent-session-key': b.key, 'x-liveagent-affinity': b.affinityToken };
  return {
    id: b.id,
    async init(buttonId: string = HUMAN) {
      const r = await sb.app.inject({ method: 'POST', url: '/chat/rest/Chasitor/ChasitorInit', remoteAddress: ip, headers: { ...headers, 'content-type': 'application/json', 'x-liveagent-sequence': '1' },
        payload: JSON.stringify({ organizationId: DEMO_IDS.organizationId, deploymentId: DEMO_IDS.deploymentId, buttonId, sessionId: b.id, visitorName: 'Eve' }) });
      expect(r.statusCode).toBe(200);
    },
    /** The visitor's messages, polled (acknowledging each answer) until one of type `last` arrives. */
    async messagesUntil(last: string): Promise<{ type: string; message: Record<string, unknown> }[]> {
      const out: { type: string; message: Record<string, unknown> }[] = [];
      let ack = -1;
      while (!out.some((m) => m.type === last)) {
        await sb.engine.queue.commit();
        const r = await sb.app.inject({ method: 'GET', url: `/chat/rest/System/Messages?ack=${ack}`, remoteAddress: ip, headers });
        expect(r.statusCode, r.body).toBe(200);
        const body = r.json<{ messages: { type: string; message: Record<string, unknown> }[]; sequence: number }>();
        out.push(...body.messages);
        ack = body.sequence;
      }
      return out;
    },
  };
}

/** Whether the demo's human button (and agent) look available to `ip`. */
async function available(sb: Switchboard, ip: string): Promise<{ button: boolean; agent: boolean; settings: boolean }> {
  const q = `org_id=${DEMO_IDS.organizationId}&deployment_id=${DEMO_IDS.deploymentId}`;
  const a = await sb.app.inject({ method: 'GET', url: `/chat/rest/Visitor/Availability?${q}&Availability.ids=${HUMAN},${DEMO_IDS.humanAgentId}`, remoteAddress: ip, headers: VERSION });
  const results = a.json<{ messages: { message: { results: { id: string; isAvailable?: boolean }[] } }[] }>().messages[0]!.message.results;
  const s = await sb.app.inject({ method: 'GET', url: `/chat/rest/Visitor/Settings?${q}&Settings.buttonIds=${HUMAN}`, remoteAddress: ip, headers: VERSION });
  const buttons = s.json<{ messages: { message: { buttons: { isAvailable: boolean }[] } }[] }>().messages[0]!.message.buttons;
  return { button: results[0]!.isAvailable === true, agent: results[1]!.isAvailable === true, settings: buttons[0]!.isAvailable };
}

describe('blocking visitors', () => {
  it('an agent blocks the visitor of its chat: the chat ends, that address is refused and sees the org offline, others are served', async () => {
    const { sb } = await boot();
    const agent = await login(sb, 'agent');
    await agent('PUT', '/agent/v1/presence', { status: 'online' });
    const eve = await visitor(sb, BLOCKED_IP);
    await eve.init();
    await until('the offer', () => sb.engine.sessions.get(eve.id)?.record.chatState === 'offered');
    expect((await agent('POST', `/agent/v1/chats/${eve.id}/accept`)).statusCode).toBe(200);
    expect(await available(sb, BLOCKED_IP)).toEqual({ button: true, agent: true, settings: true });

    const res = await agent('POST', `/agent/v1/chats/${eve.id}/block`, { reason: 'abusive' });
    expect(res.statusCode, res.body).toBe(200);
    const block = res.json<VisitorBlock>();
    expect(block).toMatchObject({ ipRange: BLOCKED_IP, reason: 'abusive', createdBy: DEMO_IDS.humanAgentId, chatId: eve.id, expiresAt: null, source: 'stored' });
    // The visitor hears an agent's end, nothing of a block.
    const ended = (await eve.messagesUntil('ChatEnded')).find((m) => m.type === 'ChatEnded');
    expect(ended?.message).toEqual({ reason: 'agent', attachedRecords: [] });
    expect(sb.engine.sessions.get(eve.id)?.record.endReason).toBe('Blocked');
    // Agents read why and by whom on the event itself (agent-side fields), so a console can say "you blocked".
    const transcript = (await agent('GET', `/agent/v1/chats/${eve.id}/transcript`)).json<{ events: { type: string; data: Record<string, unknown> }[] }>();
    expect(transcript.events.find((e) => e.type === 'ChatEnded')?.data).toEqual({ reason: 'agent', attachedRecords: [], endReason: 'Blocked', blockedBy: DEMO_IDS.humanAgentId });

    expect(await available(sb, BLOCKED_IP)).toEqual({ button: false, agent: false, settings: false });
    expect(await available(sb, `::ffff:${BLOCKED_IP}`)).toEqual({ button: false, agent: false, settings: false });
    expect(await available(sb, OTHER_IP)).toEqual({ button: true, agent: true, settings: true });

    // Again from the blocked address: ChatRequestFail Unavailable, and no agent is offered it.
    const again = await visitor(sb, BLOCKED_IP);
    await again.init();
    const msgs = await again.messagesUntil('ChatRequestFail');
    expect(msgs.map((m) => m.type)).toEqual(['ChatRequestFail']);
    expect(msgs[0]!.message).toEqual({ reason: 'Unavailable', postChatUrl: '' });
    const r = sb.engine.sessions.get(again.id)!.record;
    expect([r.agentId, r.chatState, r.endReason]).toEqual([null, 'ended', 'Blocked']);
    // And from anywhere else the chat is offered.
    const fine = await visitor(sb, OTHER_IP);
    await fine.init();
    expect((await fine.messagesUntil('ChatRequestSuccess')).map((m) => m.type)).toContain('ChatRequestSuccess');
    await until('the other offer', () => sb.engine.sessions.get(fine.id)?.record.agentId === DEMO_IDS.humanAgentId);

    const metrics = await sb.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('switchboard_chat_requests_blocked_total{source="stored"} 1');
  });

  it('only the holder or a supervisor blocks; a loopback visitor is not blocked from a chat', async () => {
    const { sb } = await boot();
    const agent = await login(sb, 'agent');
    const supervisor = await login(sb, 'supervisor');
    const waiting = await visitor(sb, BLOCKED_IP);
    await waiting.init(DEMO_IDS.emptyButtonId);
    await sb.engine.queue.commit();
    // Not the agent's chat: it was never routed to it.
    expect((await agent('POST', `/agent/v1/chats/${waiting.id}/block`, {})).statusCode).toBe(403);
    const local = await visitor(sb, '127.0.0.1');
    await local.init(DEMO_IDS.emptyButtonId);
    await sb.engine.queue.commit();
    const refused = await supervisor('POST', `/agent/v1/chats/${local.id}/block`, {});
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toContain('loopback');
    // A supervisor blocks a chat nobody took yet: the visitor hears nobody is available.
    const res = await supervisor('POST', `/agent/v1/chats/${waiting.id}/block`);
    expect(res.statusCode, res.body).toBe(200);
    expect((await waiting.messagesUntil('ChatRequestFail')).map((m) => [m.type, m.message.reason])).toContainEqual(['ChatRequestFail', 'Unavailable']);
  });

  it('admins list, add (strictly checked, with an expiry) and remove blocks; config blocks are listed and kept', async () => {
    const { sb, clock } = await boot({ blockedAddresses: [{ ipRange: '192.0.2.0/24', reason: 'from the file' }] });
    const admin = await login(sb, 'admin');
    const agent = await login(sb, 'agent');
    await agent('PUT', '/agent/v1/presence', { status: 'online' });
    expect((await admin('GET', '/agent/v1/admin/blocks')).json()).toEqual([
      { id: 'config-1', ipRange: '192.0.2.0/24', reason: 'from the file', createdBy: 'config', createdAt: null, expiresAt: null, chatId: null, source: 'config' },
    ]);
    expect(await available(sb, '192.0.2.9')).toMatchObject({ button: false });
    expect((await agent('GET', '/agent/v1/admin/blocks')).statusCode).toBe(403);

    const bad = await admin('POST', '/agent/v1/admin/blocks', { ipRange: '10.0.0.1/8' });
    expect([bad.statusCode, bad.body]).toEqual([400, 'Invalid IP range: 10.0.0.1/8 has bits set past its prefix (the network is 10.0.0.0/8)']);
    expect((await admin('POST', '/agent/v1/admin/blocks', { ipRange: '10.0.0.0/8', expiresAt: clock.now() })).statusCode).toBe(400);

    const made = await admin('POST', '/agent/v1/admin/blocks', { ipRange: '::FFFF:10.0.0.0/104', reason: 'botnet', expiresAt: clock.now() + 60_000 });
    expect(made.statusCode, made.body).toBe(200);
    const block = made.json<VisitorBlock>();
    expect(block).toMatchObject({ ipRange: '10.0.0.0/8', reason: 'botnet', createdBy: DEMO_IDS.adminId, createdAt: clock.now(), chatId: null, source: 'stored' });
    expect((await admin('GET', '/agent/v1/admin/blocks')).json<VisitorBlock[]>().map((b) => b.id)).toEqual(['config-1', block.id]);
    expect(await available(sb, '10.1.2.3')).toMatchObject({ button: false });

    // Expired: it no longer applies, nor is it listed.
    clock.advance(60_000);
    expect(await available(sb, '10.1.2.3')).toMatchObject({ button: true });
    expect((await admin('GET', '/agent/v1/admin/blocks')).json<VisitorBlock[]>().map((b) => b.id)).toEqual(['config-1']);

    const v6 = (await admin('POST', '/agent/v1/admin/blocks', { ipRange: '2001:db8::/32' })).json<VisitorBlock>();
    expect(await available(sb, '2001:db8:1::5')).toMatchObject({ button: false });
    expect((await admin('DELETE', `/agent/v1/admin/blocks/${v6.id}`)).statusCode).toBe(200);
    expect(await available(sb, '2001:db8:1::5')).toMatchObject({ button: true });
    expect((await admin('DELETE', `/agent/v1/admin/blocks/${v6.id}`)).statusCode).toBe(404);
    const kept = await admin('DELETE', '/agent/v1/admin/blocks/config-1');
    expect(kept.statusCode).toBe(409);
    expect(kept.body).toContain('Block is set in the config file');
  });

  it('a wide range never takes loopback clients; a loopback block made on purpose does', async () => {
    const { sb } = await boot();
    const admin = await login(sb, 'admin');
    await (await login(sb, 'agent'))('PUT', '/agent/v1/presence', { status: 'online' });
    await admin('POST', '/agent/v1/admin/blocks', { ipRange: '0.0.0.0/0' });
    await admin('POST', '/agent/v1/admin/blocks', { ipRange: '::/0' });
    expect(await available(sb, '8.8.8.8')).toMatchObject({ button: false });
    expect(await available(sb, '2001:db8::1')).toMatchObject({ button: false });
    expect(await available(sb, '127.0.0.1')).toMatchObject({ button: true });
    expect(await available(sb, '::1')).toMatchObject({ button: true });
    await admin('POST', '/agent/v1/admin/blocks', { ipRange: '127.0.0.1' });
    expect(await available(sb, '127.0.0.1')).toMatchObject({ button: false });
    expect(await available(sb, '::ffff:127.0.0.1')).toMatchObject({ button: false });
    expect(await available(sb, '::1')).toMatchObject({ button: true });
  });

  it('keeps stored blocks across a restart on SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-blocks-'));
    dirs.push(dir);
    const storage = { kind: 'sqlite' };
    const first = await boot({}, storage, dir);
    const made = await (await login(first.sb, 'admin'))('POST', '/agent/v1/admin/blocks', { ipRange: BLOCKED_IP, reason: 'kept' });
    expect(made.statusCode, made.body).toBe(200);
    await first.sb.stop();
    running = running.filter((s) => s !== first.sb);
    const second = await boot({}, storage, dir);
    await (await login(second.sb, 'agent'))('PUT', '/agent/v1/presence', { status: 'online' });
    expect((await (await login(second.sb, 'admin'))('GET', '/agent/v1/admin/blocks')).json()).toEqual([made.json()]);
    expect(await available(second.sb, BLOCKED_IP)).toMatchObject({ button: false });
    expect(await available(second.sb, OTHER_IP)).toMatchObject({ button: true });
  });
});
