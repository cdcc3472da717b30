/**
 * Retention and webhooks together (ADR 0065, note "retention keeps what is not delivered"): an
 * ended chat past retentionDays that a webhook has not delivered yet (its receiver down for
 * days) is kept, and deleted by the first sweep after it was delivered. Chats that ended
 * before the webhook's position, and those of orgs without a webhook, go as before. The same
 * for offline messages (ADR 0068).
 */
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { chatRecord } from '../../adapters/chat-store-search-conformance.js';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import type { OrgConfig } from '../../config/config-schema.js';
import { emptyBatch } from '../../ports/chat-store.js';
import { toSessionRow } from '../../ports/records.js';
import type { ChatEndedWebhook } from '../../protocol/webhook-types.js';
import { RetentionSweeper } from '../retention-sweeper.js';
import { Webhooks } from './webhooks.js';
import { chatEndedFeed, offlineMessageFeed } from './webhook-feeds.js';
import type { WebhookFeed } from './webhook-sender.js';
import { offlineMessage } from '../../adapters/chat-store-offline-conformance.js';

const DAY = 24 * 60 * 60 * 1000;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await tick();
}

describe('retention with a webhook that has not delivered', () => {
  it('keeps the chats and offline messages it has not delivered past retentionDays, and deletes them once delivered', async () => {
    const clock = new FakeClock(100 * DAY);
    const store = new MemoryChatStore();
    const t0 = clock.now();
    const closedChat = (id: string, org: string, createdAt: number, endedAt: number) =>
      toSessionRow(chatRecord(id, { org, createdAt, endedAt, state: 'ended', endReason: 'agent', closed: true }));
    // Ended before the webhook existed: not its to deliver.
    await store.write({ ...emptyBatch(), sessions: [closedChat('before-webhook', 'org-a', t0 - 2 * DAY, t0 - DAY)] });
    const left = (id: string, org: string, at: number) => ({ ...offlineMessage(id, org, 0), createdAt: at });
    await store.putOfflineMessage(left('om-before-webhook', 'org-a', t0 - DAY));

    let receiverUp = false;
    const posted: string[] = [];
    const orgs = [{ id: 'org-a', webhooks: [{ name: 'crm', url: 'http://receiver.invalid/h', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', enabled: true, events: ['chat.ended', 'offline_message.created'] }] }] as unknown as OrgConfig[];
    const webhooks = new Webhooks(orgs, {
      store, clock, realTime: clock, logger: quiet,
      poster: { post: (_url, _headers, body) => {
        if (receiverUp) posted.push((JSON.parse(body) as { id: string }).id);
        return Promise.resolve(receiverUp ? 200 : 503);
      } },
      feeds: {
        'chat.ended': chatEndedFeed({ store, durable: () => Promise.resolve(), payload: (c) => Promise.resolve({ type: 'chat.ended', id: c.id, createdAt: c.endedAt!, data: {} as ChatEndedWebhook['data'] }) }) as WebhookFeed<unknown>,
        'offline_message.created': offlineMessageFeed({ store, settled: () => Promise.resolve() }) as WebhookFeed<unknown>,
      },
    });
    const retention = new RetentionSweeper(store, clock, { retentionDays: 1, undelivered: () => webhooks.undelivered(), undeliveredOfflineMessages: () => webhooks.undeliveredOfflineMessages() }, quiet);
    webhooks.start();
    await settle();

    clock.advance(10);
    await store.write({ ...emptyBatch(), sessions: [closedChat('undelivered', 'org-a', clock.now() - 5, clock.now()), closedChat('no-webhook-org', 'org-b', clock.now() - 5, clock.now())] });
    await store.putOfflineMessage(left('om-undelivered', 'org-a', clock.now()));
    await store.putOfflineMessage(left('om-no-webhook-org', 'org-b', clock.now()));
    // The receiver stays down for three days; the sender keeps trying.
    for (let i = 0; i < 3 * 24 * 6; i++) {
      clock.advance(10 * 60 * 1000);
      await settle();
    }
    expect(posted).toEqual([]);
    expect(await retention.sweep()).toMatchObject({ sessions: 2, offlineMessages: 2 });
    expect(await store.getSession('before-webhook')).toBeNull();
    expect(await store.getSession('no-webhook-org')).toBeNull();
    expect((await store.getSession('undelivered'))?.id, 'not delivered: kept past retentionDays').toBe('undelivered');
    expect((await store.listOfflineMessagesAfter('org-a', null, 10)).map((m) => m.id), 'not delivered: kept past retentionDays').toEqual(['om-undelivered']);

    receiverUp = true;
    clock.advance(10 * 60 * 1000);
    await settle();
    // Each event has its own sender: the two come in either order.
    expect(posted.sort()).toEqual(['offline_message.created_om-undelivered', 'undelivered']);
    expect(await retention.sweep()).toMatchObject({ sessions: 1, offlineMessages: 1 });
    expect(await store.getSession('undelivered')).toBeNull();
    expect(await store.listOfflineMessagesAfter('org-a', null, 10)).toEqual([]);
    await webhooks.stop();
  });
});
