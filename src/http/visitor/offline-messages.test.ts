/**
 * Offline messages end to end through inject() (ADR 0063): the widget's config and POST
 * on /widget/v1, the agent API's list, mark and delete for the org's supervisors and
 * admins, the supervisors' stream event, masking, blocks, the rate limit and the metric.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { DEMO_IDS, demoOrg } from '../../config/demo-deployment.js';
import { validateConfig } from '../../config/load-config.js';
import { CARD_RULE } from '../../core/sensitive-data-rules.test-support.js';
import { createSwitchboard, type Switchboard } from '../../main.js';
import type { OfflineMessage, OfflineMessagePage } from '../../protocol/agent-api-types.js';

const IDS = { orgId: DEMO_IDS.organizationId, deploymentId: DEMO_IDS.deploymentId };
/** The demo's button with nobody behind it, made to take offline messages. */
const TAKES = DEMO_IDS.emptyButtonId;
const VISITOR_IP = '198.51.100.40';

let running: Switchboard[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
});

async function boot(settings: Record<string, unknown> = {}) {
  const org = structuredClone(demoOrg) as unknown as { deployments: { buttons: { id: string; offlineMessages: boolean }[] }[] } & Record<string, unknown>;
  for (const b of org.deployments[0]!.buttons) b.offlineMessages = b.id === TAKES;
  const config = validateConfig({ storage: { kind: 'memory' }, server: { metrics: true }, settings, orgs: [{ ...org, sensitiveDataRules: [CARD_RULE] }] }, 'test');
  const clock = new FakeClock();
  const sb = await createSwitchboard(config, { clock, store: new MemoryChatStore(), logger: pino({ level: 'silent' }) });
  running.push(sb);
  return { sb, clock };
}

const message = (patch: Record<string, unknown> = {}) => ({ ...IDS, buttonId: TAKES, name: 'Zoë', email: 'zoe@example.com', subject: 'Order 42', message: 'Please call me back', language: 'de', ...patch });
const leave = (sb: Switchboard, payload: unknown, remoteAddress = VISITOR_IP) =>
  sb.app.inject({ method: 'POST', url: '/widget/v1/offline-messages', remoteAddress, ...(typeof payload === 'string' ? { payload, headers: { 'content-type': 'text/plain' } } : { payload: payload as object }) });
const widgetConfig = (sb: Switchboard, buttonId: string, remoteAddress = VISITOR_IP) =>
  sb.app.inject({ method: 'GET', url: `/widget/v1/config?orgId=${IDS.orgId}&deploymentId=${IDS.deploymentId}&buttonId=${buttonId}`, remoteAddress });

async function as(sb: Switchboard, username: string) {
  const res = await sb.app.inject({ method: 'POST', url: '/agent/v1/auth/login', payload: { username, password: `${username}-demo` } });
  const token = res.json<{ accessToken: string }>().accessToken;
  return (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    sb.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
}

describe('the widget side: /widget/v1', () => {
  it('tells the widget which button takes offline messages, and stores one with 201 {id}', async () => {
    const { sb, clock } = await boot();
    expect((await widgetConfig(sb, TAKES)).json()).toEqual({ offlineMessages: true, maxMessageLength: 4000 });
    expect((await widgetConfig(sb, DEMO_IDS.humanButtonId)).json()).toEqual({ offlineMessages: false, maxMessageLength: 4000 });
    expect((await widgetConfig(sb, '573000000000099')).statusCode).toBe(404);
    const res = await leave(sb, message());
    expect(res.statusCode).toBe(201);
    const { id } = res.json<{ id: string }>();
    const [stored] = await sb.store.listOfflineMessages({ orgId: IDS.orgId, limit: 5 });
    expect(stored).toEqual({
      id, orgId: IDS.orgId, deploymentId: IDS.deploymentId, buttonId: TAKES, name: 'Zoë', email: 'zoe@example.com', subject: 'Order 42', message: 'Please call me back',
      language: 'de', createdAt: clock.now(), status: 'new', handledBy: null, handledAt: null,
    });
  });

  it('masks the org\'s sensitive data before the text is stored; reads raw control characters as the visitor wire does', async () => {
    const { sb } = await boot();
    const raw = `{"orgId":"${IDS.orgId}","deploymentId":"${IDS.deploymentId}","buttonId":"${TAKES}","name":"Al\u0000","email":"al@example.com","subject":"card 4111 1111 1111 1111","message":"line one\nline two, card 4111111111111111"}`;
    expect((await leave(sb, raw)).statusCode).toBe(201);
    const [stored] = await sb.store.listOfflineMessages({ orgId: IDS.orgId, limit: 5 });
    expect(stored!.name).toBe('Al\uFFFD');
    expect(stored!.subject).not.toContain('4111');
    expect(stored!.message).toMatch(/^line one\nline two, card \*+$/);
  });

  it('answers 400 for a bad body, 404 for an unknown button, 409 where no messages are taken', async () => {
    const { sb } = await boot();
    for (const bad of [message({ email: 'not-an-address' }), message({ message: 'x'.repeat(4001) }), message({ name: '   ' }), message({ message: undefined }), message({ subject: 's'.repeat(201) })]) {
      const res = await leave(sb, bad);
      expect([res.statusCode, res.body.split(':')[0]]).toEqual([400, 'Invalid request body']);
    }
    expect((await leave(sb, '{"name": ')).statusCode).toBe(400);
    // A field this server does not know (a newer widget's) is dropped, not refused.
    expect((await leave(sb, message({ phone: '555-0100' }))).statusCode).toBe(201);
    expect((await leave(sb, message({ message: 'x'.repeat(4000) }))).statusCode).toBe(201);
    const unknown = await leave(sb, message({ buttonId: '573000000000099' }));
    expect(unknown.statusCode).toBe(404);
    expect((await leave(sb, message({ deploymentId: '572000000000099' }))).statusCode).toBe(404);
    const notTaken = await leave(sb, message({ buttonId: DEMO_IDS.humanButtonId }));
    expect([notTaken.statusCode, notTaken.body]).toEqual([409, 'This button takes no offline messages']);
    expect(await sb.store.listOfflineMessages({ orgId: IDS.orgId, limit: 5 })).toHaveLength(2);
  });

  it('takes the addresses people write and refuses what a reply link would read as more than an address', async () => {
    const { sb } = await boot({ offlineMessagesPerMinutePerAddress: 0 });
    // A query after the domain (a hidden Cc and a prefilled body in a mailto: reply), markup, a script URL, quotes, two @.
    for (const email of ['fay@example.com?cc=boss%40evil.example&body=Approved', '<b>x</b>@example.com', 'javascript:alert(1)//@x.com', '"a b"@example.com', 'a@b@example.com', 'zoe@example', 'zoe@exa mple.com', 'zoe@example.com/']) {
      const res = await leave(sb, message({ email }));
      expect([res.statusCode, res.body.split(':')[0]], email).toEqual([400, 'Invalid request body']);
    }
    // Tags, apostrophes, subdomains, other scripts (internationalised addresses).
    for (const email of ["o'brien+orders@mail.example.co.uk", 'zoë.müller@exämple.de', 'имя@пример.рф', 'a.b-c_d@x-y.io']) expect((await leave(sb, message({ email }))).statusCode, email).toBe(201);
    // Spaces around it (a paste) are taken and trimmed; inside it they were refused above.
    const padded = await leave(sb, message({ email: '  pad@example.com \t' }));
    expect(padded.statusCode).toBe(201);
    expect((await sb.store.listOfflineMessages({ orgId: IDS.orgId, limit: 50 })).map((m) => m.email)).toContain('pad@example.com');
  });

  it('tells the widget settings.maxMessageLength, the longest chat message the server takes', async () => {
    const { sb } = await boot({ maxMessageLength: 200 });
    expect((await widgetConfig(sb, TAKES)).json()).toEqual({ offlineMessages: true, maxMessageLength: 200 });
  });

  it('refuses a blocked address with the same 409, and its widget shows no form', async () => {
    const { sb } = await boot();
    const admin = await as(sb, 'admin');
    expect((await admin('POST', '/agent/v1/admin/blocks', { ipRange: '198.51.100.0/24' })).statusCode).toBe(200);
    expect((await widgetConfig(sb, TAKES)).json()).toEqual({ offlineMessages: false, maxMessageLength: 4000 });
    const res = await leave(sb, message());
    expect([res.statusCode, res.body]).toEqual([409, 'This button takes no offline messages']);
    expect((await leave(sb, message(), '192.0.2.50')).statusCode, 'another address').toBe(201);
  });

  it('answers 429 with Retry-After past settings.offlineMessagesPerMinutePerAddress, per address; loopback never; counted in the metric', async () => {
    const { sb, clock } = await boot({ offlineMessagesPerMinutePerAddress: 2 });
    for (let i = 0; i < 2; i++) expect((await leave(sb, message())).statusCode).toBe(201);
    const limited = await leave(sb, message());
    expect([limited.statusCode, limited.body]).toEqual([429, 'Too Many Requests: offline messages from this address']);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await leave(sb, message(), '192.0.2.51')).statusCode, 'another address').toBe(201);
    for (let i = 0; i < 4; i++) expect((await leave(sb, message(), '127.0.0.1')).statusCode).toBe(201);
    clock.advance(30_000); // half a minute: one message's worth
    expect((await leave(sb, message())).statusCode).toBe(201);
    expect((await leave(sb, message())).statusCode).toBe(429);
    expect((await leave(sb, message({ buttonId: DEMO_IDS.humanButtonId }), '192.0.2.52')).statusCode).toBe(409);
    const metrics = (await sb.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('switchboard_offline_messages_total{outcome="accepted"} 8');
    expect(metrics).toContain('switchboard_offline_messages_total{outcome="limited"} 2');
    expect(metrics).toContain('switchboard_offline_messages_total{outcome="refused"} 1');
  });

  it('allows 5 a minute by default, and is off at 0', async () => {
    const { sb } = await boot();
    for (let i = 0; i < 5; i++) expect((await leave(sb, message())).statusCode).toBe(201);
    expect((await leave(sb, message())).statusCode).toBe(429);
    const off = (await boot({ offlineMessagesPerMinutePerAddress: 0 })).sb;
    for (let i = 0; i < 8; i++) expect((await leave(off, message())).statusCode).toBe(201);
  });
});

describe('the agent side: /agent/v1/offline-messages', () => {
  it('lists newest first a page at a time, marks handled (who, when) and new again, deletes; supervisors and admins only', async () => {
    const { sb, clock } = await boot();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await leave(sb, message({ subject: `m${i}` }), '127.0.0.1')).json<{ id: string }>().id);
      clock.advance(1000);
    }
    const supervisor = await as(sb, 'supervisor');
    const first = (await supervisor('GET', '/agent/v1/offline-messages?limit=2')).json<OfflineMessagePage>();
    expect(first.messages.map((m) => m.subject)).toEqual(['m2', 'm1']);
    const second = (await supervisor('GET', `/agent/v1/offline-messages?limit=2&before=${first.next!}`)).json<OfflineMessagePage>();
    expect([second.messages.map((m) => m.subject), second.next]).toEqual([['m0'], null]);
    const marked = await supervisor('PATCH', `/agent/v1/offline-messages/${ids[0]!}`, { status: 'handled' });
    expect(marked.json<OfflineMessage>()).toMatchObject({ id: ids[0], status: 'handled', handledBy: DEMO_IDS.supervisorId, handledAt: clock.now() });
    expect((await supervisor('GET', '/agent/v1/offline-messages?status=new')).json<OfflineMessagePage>().messages.map((m) => m.id)).toEqual([ids[2], ids[1]]);
    expect((await supervisor('GET', '/agent/v1/offline-messages?status=handled')).json<OfflineMessagePage>().messages.map((m) => m.id)).toEqual([ids[0]]);
    expect((await supervisor('PATCH', `/agent/v1/offline-messages/${ids[0]!}`, { status: 'new' })).json<OfflineMessage>()).toMatchObject({ status: 'new', handledBy: null, handledAt: null });
    expect((await supervisor('PATCH', `/agent/v1/offline-messages/${ids[0]!}`, { status: 'done' })).statusCode).toBe(400);
    expect((await supervisor('GET', '/agent/v1/offline-messages?status=old')).statusCode).toBe(400);
    const admin = await as(sb, 'admin');
    expect((await admin('DELETE', `/agent/v1/offline-messages/${ids[1]!}`)).statusCode).toBe(200);
    expect((await admin('DELETE', `/agent/v1/offline-messages/${ids[1]!}`)).statusCode).toBe(404);
    expect((await admin('PATCH', '/agent/v1/offline-messages/om_nothing', { status: 'handled' })).statusCode).toBe(404);
    expect((await admin('GET', '/agent/v1/offline-messages')).json<OfflineMessagePage>().messages).toHaveLength(2);
    const agent = await as(sb, 'agent');
    expect((await agent('GET', '/agent/v1/offline-messages')).statusCode).toBe(403);
    expect((await agent('DELETE', `/agent/v1/offline-messages/${ids[2]!}`)).statusCode).toBe(403);
  });

  it('tells the org\'s supervisors and admins on their stream (offlineMessage.created), never an agent', async () => {
    const { sb } = await boot();
    const seen = new Map<string, string[]>();
    for (const [id, role] of [[DEMO_IDS.supervisorId, 'supervisor'], [DEMO_IDS.adminId, 'admin'], [DEMO_IDS.humanAgentId, 'agent']] as const) {
      seen.set(id, []);
      sb.hub.subscribe(id, role, undefined, (e) => seen.get(id)!.push(e.json), () => undefined);
    }
    const { id } = (await leave(sb, message())).json<{ id: string }>();
    for (const who of [DEMO_IDS.supervisorId, DEMO_IDS.adminId]) {
      const events = seen.get(who)!.map((j) => JSON.parse(j) as { type: string; data: { message: OfflineMessage } }).filter((e) => e.type === 'offlineMessage.created');
      expect(events.map((e) => [e.data.message.id, e.data.message.email])).toEqual([[id, 'zoe@example.com']]);
    }
    expect(seen.get(DEMO_IDS.humanAgentId)!.filter((j) => j.includes('offlineMessage'))).toEqual([]);
  });

  it('erases the messages left with an email address along with the visitor (admin erasure with ?email=)', async () => {
    const { sb } = await boot();
    await leave(sb, message({ email: 'Zoe@Example.com' }));
    await leave(sb, message({ email: 'other@example.com' }));
    const admin = await as(sb, 'admin');
    const res = await admin('DELETE', '/agent/v1/admin/visitors/some-visitor?email=zoe%40example.com');
    expect(res.json()).toMatchObject({ deletedChats: 0, deletedOfflineMessages: 1 });
    expect((await admin('GET', '/agent/v1/offline-messages')).json<OfflineMessagePage>().messages.map((m) => m.email)).toEqual(['other@example.com']);
    expect((await admin('DELETE', '/agent/v1/admin/visitors/some-visitor')).json()).toMatchObject({ deletedOfflineMessages: 0 });
  });
});
