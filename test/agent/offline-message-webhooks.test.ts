/**
 * Offline messages as webhook events (ADR 0068), against the real server on SQLite and
 * PostgreSQL with a real receiver: each message a visitor leaves is POSTed once, signed, in
 * the order they were left, as the agent API lists it without what a supervisor changes
 * later; a receiver that refuses one holds the later ones back until it takes it or an admin
 * skips it; a replay sends them again; one left while the receiver was down is delivered
 * after kill -9 and a restart. The webhook's status and metrics say where its event stands.
 */
import { describe, expect, it } from 'vitest';
import { request, usePostgresServer, type TestServer, type TestSettings } from '../protocol/harness.js';
import { AgentUser, BUTTON, DEPLOYMENT, ORG, OWNS_PROCESS, USERS, routingConfig, until, useAgentServer } from './agent-fixtures.js';
import { SECRET, signatureValid, useReceivers, type Receiver, type ItemOf } from './webhook-receiver.js';

interface Left { type: string; id: string; createdAt: number; data: { id: string; orgId: string; deploymentId: string; buttonId: string; name: string; email: string; subject: string; message: string; language: string | null; createdAt: number } }
interface Stream { lastDeliveredAt: number | null; lastDeliveredId: string | null; failingSince: number | null; failingId: string | null; lastError: string | null; nextAttemptAt: number | null; backlog: number | null }
interface Status { name: string; events: string[]; lastDeliveredChatId: string | null; backlog: number | null; offlineMessages: Stream | null }

const messageOf: ItemOf = (b) => String(b.data['id']);

function config(receiver: Receiver) {
  return (settings: TestSettings) => {
    const c = routingConfig(settings) as { orgs: { deployments: { buttons: { id: string; offlineMessages?: boolean }[] }[]; webhooks?: unknown[] }[] };
    c.orgs[0]!.deployments[0]!.buttons.find((b) => b.id === BUTTON.support)!.offlineMessages = true;
    c.orgs[0]!.webhooks = [{ name: 'tickets', url: `http://127.0.0.1:${receiver.port}/hooks/offline`, secret: SECRET, events: ['offline_message.created'] }];
    return c;
  };
}

// Listening before the servers start (their beforeAll hooks come after these): the config names the port.
const { sqliteReceiver, postgresReceiver } = useReceivers();
const settings: TestSettings = { pollHoldSeconds: 0.5 };
const sqlite = useAgentServer(settings, { config: config(sqliteReceiver) });
const { server: postgres } = usePostgresServer('offline_webhooks', settings, config(postgresReceiver));

for (const [store, server, receiver] of [['SQLite', sqlite, sqliteReceiver], ['PostgreSQL', postgres, postgresReceiver]] as const satisfies readonly (readonly [string, TestServer, Receiver])[]) {
  describe.skipIf(!OWNS_PROCESS)(`webhooks for offline messages (${store})`, () => {
    async function leave(subject: string): Promise<string> {
      const res = await fetch(`${server.baseUrl}/widget/v1/offline-messages`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ orgId: ORG, deploymentId: DEPLOYMENT, buttonId: BUTTON.support, name: 'Kim Ng', email: 'kim@example.com', subject, message: `About ${subject}` }),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    }
    const admin = () => AgentUser.login(server, USERS.root);
    const delivered = () => receiver.delivered(messageOf);
    async function statusOnce(done: (s: Stream) => boolean): Promise<Stream> {
      const root = await admin();
      let last: Stream | null = null;
      for (const deadline = Date.now() + 8000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
        last = (await root.ok<Status[]>('GET', '/agent/v1/admin/webhooks'))[0]!.offlineMessages;
        if (last && done(last)) return last;
      }
      return last!;
    }

    it('POSTs each message a visitor leaves once, signed, in the order left, as listed without its status', async () => {
      const first = await leave('first');
      const second = await leave('second');
      await until(() => delivered().includes(second), 'both messages delivered');
      expect(delivered()).toEqual([first, second]);
      const d = receiver.attemptsAt(second, messageOf);
      expect(d).toHaveLength(1);
      expect(signatureValid(d[0]!)).toBe(true);
      expect(d[0]!.headers['webhook-id']).toBe(`offline_message.created_${second}`);
      const body = JSON.parse(d[0]!.body) as Left;
      expect(body).toEqual({
        type: 'offline_message.created', id: `offline_message.created_${second}`, createdAt: body.data.createdAt,
        data: { id: second, orgId: ORG, deploymentId: DEPLOYMENT, buttonId: BUTTON.support, name: 'Kim Ng', email: 'kim@example.com', subject: 'second', message: 'About second', language: null, createdAt: body.data.createdAt },
      });
      // The supervisors' list has the same message; marking it handled sends nothing more.
      const sam = await AgentUser.login(server, USERS.sam);
      const listed = (await sam.ok<{ messages: { id: string; createdAt: number }[] }>('GET', '/agent/v1/offline-messages')).messages.find((m) => m.id === second);
      expect(listed?.createdAt).toBe(body.data.createdAt);
      await sam.ok('PATCH', `/agent/v1/offline-messages/${second}`, { status: 'handled' });
      const status = await statusOnce((s) => s.lastDeliveredId === second);
      expect(status).toMatchObject({ lastDeliveredId: second, lastDeliveredAt: expect.any(Number), failingSince: null, failingId: null, lastError: null, backlog: 0 });
      const root = await admin();
      const all = await root.ok<Status[]>('GET', '/agent/v1/admin/webhooks');
      expect(all[0]).toMatchObject({ name: 'tickets', events: ['offline_message.created'], lastDeliveredChatId: null, backlog: null });
      await new Promise((r) => setTimeout(r, 1500));
      expect(receiver.attemptsAt(second, messageOf)).toHaveLength(1);
      const metrics = (await request(server.baseUrl, 'GET', '/metrics')).text;
      expect(metrics.split('\n').find((l) => l.startsWith('switchboard_webhook_deliveries_total{') && l.includes('event="offline_message.created"') && l.includes('outcome="delivered"'))).toMatch(/ [1-9]\d*$/);
    });

    it('holds later messages back behind one the receiver refuses; an admin skips it by offlineMessageId, and replays the event', async () => {
      const root = await admin();
      receiver.plan = [400, 400, 400, 400, 400, 400];
      const before = receiver.requests.length;
      const poison = await leave('poison');
      const after = await leave('after');
      const failing = await statusOnce((s) => s.failingId === poison);
      expect(failing).toMatchObject({ failingId: poison, lastError: 'HTTP 400', failingSince: expect.any(Number), backlog: 2 });
      expect(receiver.attemptsAt(after, messageOf), 'held back').toEqual([]);
      // Neither or both ids, a message that is not next, an event the webhook is not told of: refused.
      expect((await root.call('POST', '/agent/v1/admin/webhooks/tickets/skip', {})).status).toBe(400);
      expect((await root.call('POST', '/agent/v1/admin/webhooks/tickets/skip', { chatId: 'x', offlineMessageId: poison })).status).toBe(400);
      const notNext = await root.call('POST', '/agent/v1/admin/webhooks/tickets/skip', { offlineMessageId: after });
      expect(notNext.status).toBe(409);
      expect(notNext.text).toContain(`offline message ${after} is not the next offline message of webhook tickets (next: ${poison})`);
      expect((await root.call('POST', '/agent/v1/admin/webhooks/tickets/skip', { chatId: poison })).status).toBe(409);
      expect((await root.call('POST', '/agent/v1/admin/webhooks/tickets/replay', { since: 0, event: 'chat.ended' })).status).toBe(409);
      receiver.plan = [];
      const skipped = await root.ok<Status>('POST', '/agent/v1/admin/webhooks/tickets/skip', { offlineMessageId: poison });
      expect(skipped.offlineMessages).toMatchObject({ failingId: null, lastError: null });
      await until(() => delivered().includes(after), 'the message after the skipped one delivered');
      expect(receiver.requests.slice(before).filter((r) => r.status === 200).map((r) => messageOf(JSON.parse(r.body) as Left))).toEqual([after]);
      // Replay from the poison message's time: it and the one after are sent again, in order, with the same ids.
      const poisonAt = (JSON.parse(receiver.attemptsAt(poison, messageOf)[0]!.body) as Left).createdAt;
      const replayBefore = receiver.requests.length;
      await root.ok<Status>('POST', '/agent/v1/admin/webhooks/tickets/replay', { since: poisonAt, event: 'offline_message.created' });
      await until(() => receiver.requests.slice(replayBefore).filter((r) => r.status === 200).length >= 2, 'the replay');
      expect(receiver.requests.slice(replayBefore).map((r) => messageOf(JSON.parse(r.body) as Left))).toEqual([poison, after]);
      expect((await statusOnce((s) => s.backlog === 0)).backlog).toBe(0);
    });

    it('delivers a message left while the receiver was down after kill -9 and a restart, once', async () => {
      const sent = delivered();
      await receiver.close();
      const id = await leave('before the crash');
      const down = await statusOnce((s) => s.lastError !== null);
      expect(down).toMatchObject({ failingId: id, lastError: 'network error: ECONNREFUSED' });
      await server.kill9();
      await receiver.listen();
      await server.start();
      await until(() => delivered().includes(id), 'the message delivered after the restart', 15_000);
      expect(delivered()).toEqual([...sent, id]);
    });
  });
}
