/**
 * Webhooks for ended chats (ADR 0065), against the real server on SQLite and PostgreSQL,
 * with a real receiver (node:http on 127.0.0.1): a chat that ends is POSTed once, signed
 * per Standard Webhooks, with its transcript; a receiver that fails gets the chat again
 * after a back-off, and the chats after it wait, then follow in order; a chat that ended
 * while the receiver was down is delivered after kill -9 and a restart; the admin endpoint
 * shows a failing streak while it lasts; SIGTERM abandons a POST under way, and the chat is sent
 * again after the restart.
 */
import { describe, expect, it } from 'vitest';
import { request, usePostgresServer, type TestServer, type TestSettings } from '../protocol/harness.js';
import { SECRET, signatureValid, useReceivers, type Receiver, type ChatEnded } from './webhook-receiver.js';
import { AgentUser, BUTTON, ORG, OWNS_PROCESS, USERS, onlineAgent, requestChat, routingConfig, until, useAgentServer } from './agent-fixtures.js';

function webhookConfig(receiver: Receiver) {
  return (settings: TestSettings) => {
    const config = routingConfig(settings) as { orgs: Record<string, unknown>[] };
    config.orgs[0]!.webhooks = [{ name: 'crm', url: `http://127.0.0.1:${receiver.port}/hooks/switchboard`, secret: SECRET }];
    return config;
  };
}

// Listening before the servers start (their beforeAll hooks come after these): the config names the port.
const { sqliteReceiver, postgresReceiver } = useReceivers();
const settings: TestSettings = { pollHoldSeconds: 0.5, agentGraceSeconds: 30 };
const sqlite = useAgentServer(settings, { config: webhookConfig(sqliteReceiver) });
const { server: postgres } = usePostgresServer('webhooks', settings, webhookConfig(postgresReceiver));

interface Status { name: string; url: string; enabled: boolean; lastDeliveredAt: number | null; lastDeliveredChatId: string | null; failingSince: number | null; failingChatId: string | null; lastError: string | null; nextAttemptAt: number | null; backlog: number | null }

for (const [store, server, receiver] of [['SQLite', sqlite, sqliteReceiver], ['PostgreSQL', postgres, postgresReceiver]] as const satisfies readonly (readonly [string, TestServer, Receiver])[]) {
  describe.skipIf(!OWNS_PROCESS)(`webhooks for ended chats (${store})`, () => {
    /** A chat Alice takes, says something in, and the visitor ends. */
    async function endedChat(alice: AgentUser, text: string): Promise<string> {
      // The offer of this chat: those before it are the earlier chats'.
      const from = alice.events.length;
      const v = await requestChat(server, BUTTON.support, { visitorName: `Visitor ${text}` });
      const chatId = (await alice.nextOffer(from)).chatId!;
      await alice.ok('POST', `/agent/v1/chats/${chatId}/accept`);
      await v.waitFor('ChatEstablished');
      await alice.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text });
      expect((await v.end()).status).toBe(200);
      return chatId;
    }
    const statuses = async () => (await (await AgentUser.login(server, USERS.root)).ok<Status[]>('GET', '/agent/v1/admin/webhooks'));
    /** The webhook's status once `done` holds (the receiver hears of a chat a moment before the sender keeps its place). */
    async function statusOnce(done: (s: Status) => boolean): Promise<Status> {
      let last: Status | undefined;
      for (const deadline = Date.now() + 8000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
        last = (await statuses())[0]!;
        if (done(last)) return last;
      }
      return last!;
    }

    it('POSTs a chat that ends once, signed per Standard Webhooks, with its transcript', async () => {
      const alice = await onlineAgent(server, USERS.alice);
      const chatId = await endedChat(alice, 'Hello from Alice');
      await until(() => receiver.delivered().includes(chatId), 'the chat delivered');
      // A second's more polling sends nothing again.
      await new Promise((r) => setTimeout(r, 1500));
      const [d, ...more] = receiver.attemptsAt(chatId);
      expect(more).toEqual([]);
      expect(signatureValid(d!)).toBe(true);
      expect(d!.headers['content-type']).toBe('application/json');
      expect(Math.abs(Number(d!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      const body = JSON.parse(d!.body) as ChatEnded;
      expect(d!.headers['webhook-id']).toBe(body.id);
      expect(body).toMatchObject({ type: 'chat.ended', createdAt: body.data.endedAt, data: { chatId, orgId: ORG, buttonId: BUTTON.support, visitor: { name: 'Visitor Hello from Alice' }, agents: [{ id: USERS.alice.id, name: USERS.alice.name }], endReason: 'client' } });
      expect(body.data.establishedAt).toBeLessThanOrEqual(body.data.endedAt);
      expect(body.data.events.find((e) => e.data['text'] === 'Hello from Alice')).toMatchObject({ type: 'ChatMessage' });
      expect(body.data.events.map((e) => e.type)).toContain('ChasitorChatEnded');
      // A tampered body does not verify.
      expect(signatureValid({ ...d!, body: d!.body.replace('Hello', 'Howdy') })).toBe(false);
      const status = await statusOnce((s) => s.lastDeliveredChatId === chatId);
      expect(status).toMatchObject({ name: 'crm', enabled: true, lastDeliveredChatId: chatId, failingSince: null, lastError: null, nextAttemptAt: null });
      expect(status!.lastDeliveredAt).toBeGreaterThan(0);
    });

    const scrape = async () => (await request(server.baseUrl, 'GET', '/metrics')).text;
    /** switchboard_webhook_failing_seconds of the crm webhook (NaN when the series is missing). */
    const failingSeconds = (metrics: string) => Number(metrics.split('\n').find((l) => l.startsWith('switchboard_webhook_failing_seconds{') && l.includes('webhook="crm"'))?.split(' ').at(-1));

    it('tries a failing chat again with back-off; the chats after it wait, then follow in order; the admin endpoint shows the streak', async () => {
      const alice = await onlineAgent(server, USERS.alice);
      receiver.plan = [503, 500];
      const before = receiver.requests.length;
      const first = await endedChat(alice, 'First');
      await until(() => receiver.requests.length > before, 'the first attempt');
      const second = await endedChat(alice, 'Second');
      const third = await endedChat(alice, 'Third');
      const failing = await statuses();
      expect(failing[0]).toMatchObject({ failingSince: expect.any(Number), lastError: expect.stringMatching(/^HTTP (503|500)$/), nextAttemptAt: expect.any(Number) });
      expect(failingSeconds(await scrape())).toBeGreaterThan(0);
      await until(() => receiver.delivered().includes(third), 'all three delivered', 20_000);
      const attempts = receiver.requests.slice(before).map((r) => [(JSON.parse(r.body) as ChatEnded).data.chatId, r.status]);
      expect(attempts).toEqual([[first, 503], [first, 500], [first, 200], [second, 200], [third, 200]]);
      // One message id for every attempt at a chat, so a receiver drops repeats.
      expect(new Set(receiver.attemptsAt(first).map((r) => r.headers['webhook-id'])).size).toBe(1);
      expect(receiver.attemptsAt(first).every(signatureValid)).toBe(true);
      const recovered = await statusOnce((s) => s.lastDeliveredChatId === third);
      expect(recovered).toMatchObject({ lastDeliveredChatId: third, failingSince: null, lastError: null, nextAttemptAt: null });
      const metrics = await scrape();
      expect(failingSeconds(metrics), 'delivering again').toBe(0);
      const series = (outcome: string) => Number(metrics.split('\n').find((l) => l.startsWith('switchboard_webhook_deliveries_total{') && l.includes('webhook="crm"') && l.includes(`outcome="${outcome}"`))?.split(' ').at(-1));
      expect(series('failed')).toBe(2);
      expect(series('delivered')).toBeGreaterThanOrEqual(4);
      expect(server.logTail.match(/webhook delivery failed/g)).toHaveLength(1);
      expect(server.logTail.match(/webhook delivering again/g)).toHaveLength(1);
    });

    it('an admin skips a chat the receiver refuses for good, and replays chats that ended since a time; the status shows the failing chat and the backlog', async () => {
      const alice = await onlineAgent(server, USERS.alice);
      const admin = await AgentUser.login(server, USERS.root);
      // The receiver refuses this chat whatever it is sent (a 400: it will never take it).
      receiver.plan = [400, 400, 400, 400, 400, 400];
      const before = receiver.requests.length;
      const poison = await endedChat(alice, 'Poison');
      await until(() => receiver.attemptsAt(poison).length > 0, 'the first attempt at the refused chat');
      const after = await endedChat(alice, 'After the refused one');
      const stuck = await statusOnce((s) => s.backlog === 2);
      expect(stuck).toMatchObject({ failingChatId: poison, lastError: 'HTTP 400', backlog: 2 });
      // Admins only; the next chat only; a webhook of the org only.
      expect((await alice.call('POST', '/agent/v1/admin/webhooks/crm/skip', { chatId: poison })).status).toBe(403);
      const notNext = await admin.call('POST', '/agent/v1/admin/webhooks/crm/skip', { chatId: after });
      expect([notNext.status, notNext.text]).toEqual([409, `Conflict: chat ${after} is not the next chat of webhook crm (next: ${poison})`]);
      expect((await admin.call('POST', '/agent/v1/admin/webhooks/nope/skip', { chatId: poison })).status).toBe(404);
      expect((await admin.call('POST', '/agent/v1/admin/webhooks/crm/skip', {})).status).toBe(400);
      // Skipped at once, without waiting out the back-off; the chat after it follows.
      const skipped = await admin.ok<Status>('POST', '/agent/v1/admin/webhooks/crm/skip', { chatId: poison });
      expect(skipped).toMatchObject({ name: 'crm', failingChatId: null, failingSince: null, lastError: null, nextAttemptAt: null });
      expect(skipped.backlog).toBeLessThanOrEqual(1);
      receiver.plan = [];
      await until(() => receiver.delivered().includes(after), 'the chat after the skipped one', 10_000);
      expect(receiver.delivered()).not.toContain(poison);
      const metrics = await scrape();
      expect(Number(metrics.split('\n').find((l) => l.startsWith('switchboard_webhook_deliveries_total{') && l.includes('webhook="crm"') && l.includes('outcome="skipped"'))?.split(' ').at(-1))).toBe(1);
      expect(server.logTail).toMatch(/webhook chat skipped by an admin/);
      const caughtUp = await statusOnce((s) => s.lastDeliveredChatId === after && s.backlog === 0);
      expect(caughtUp).toMatchObject({ lastDeliveredChatId: after, backlog: 0 });

      // The receiver lost what it had since the refused chat ended: both are sent again, in order, and the refused one is taken now.
      const poisonEndedAt = (JSON.parse(receiver.attemptsAt(poison)[0]!.body) as ChatEnded).data.endedAt;
      const future = await admin.call('POST', '/agent/v1/admin/webhooks/crm/replay', { since: Date.now() + 60_000 });
      expect([future.status, future.text]).toEqual([400, 'Invalid request body: since is in the future']);
      const delivered = receiver.delivered().length;
      const replayed = await admin.ok<Status>('POST', '/agent/v1/admin/webhooks/crm/replay', { since: poisonEndedAt });
      expect(replayed.backlog).toBeGreaterThanOrEqual(1);
      await until(() => receiver.delivered().length >= delivered + 2, 'the replayed chats', 10_000);
      expect(receiver.delivered().slice(delivered)).toEqual([poison, after]);
      expect(receiver.requests.slice(before).filter((r) => r.status === 200).map((r) => (JSON.parse(r.body) as ChatEnded).data.chatId)).toEqual([after, poison, after]);
      // A replayed chat is the same event: the same id, so a receiver that kept it drops the copy.
      expect(new Set(receiver.attemptsAt(after).map((r) => r.headers['webhook-id'])).size).toBe(1);
      expect((await statusOnce((s) => s.backlog === 0)).backlog).toBe(0);
    });

    it('delivers a chat that ended while the receiver was down after kill -9 and a restart, and nothing it had delivered', async () => {
      const alice = await onlineAgent(server, USERS.alice);
      const delivered = receiver.delivered();
      await receiver.close();
      const chatId = await endedChat(alice, 'Before the crash');
      const down = await statusOnce((s) => s.lastError !== null);
      expect(down).toMatchObject({ failingSince: expect.any(Number), lastError: 'network error: ECONNREFUSED', nextAttemptAt: expect.any(Number) });
      expect(receiver.attemptsAt(chatId)).toEqual([]);
      await server.kill9();
      await receiver.listen();
      await server.start();
      await until(() => receiver.delivered().includes(chatId), 'the chat delivered after the restart', 15_000);
      expect(receiver.delivered()).toEqual([...delivered, chatId]);
      expect(signatureValid(receiver.attemptsAt(chatId).at(-1)!)).toBe(true);
    });

    it('stops at once on SIGTERM with a POST under way, and sends that chat again after the restart', async () => {
      const alice = await onlineAgent(server, USERS.alice);
      receiver.plan = [0];
      const before = receiver.requests.length;
      const chatId = await endedChat(alice, 'Hanging');
      await until(() => receiver.requests.length > before, 'the attempt the receiver holds');
      const exit = await server.stop();
      expect(exit.code).toBe(0);
      expect(exit.ms).toBeLessThan(5000);
      await server.start();
      await until(() => receiver.delivered().includes(chatId), 'the chat sent again after the restart', 15_000);
      expect(receiver.attemptsAt(chatId).map((r) => r.status)).toEqual([0, 200]);
    });
  });
}
