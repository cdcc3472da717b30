/**
 * The org's webhooks (ADR 0065, ADR 0068): a sender per enabled webhook and event, started
 * with the server and stopped first at shutdown; what the admin API and the metrics read of them.
 */
import type { OrgConfig, WebhookEvent } from '../../config/config-schema.js';
import type { EndedPosition, UndeliveredChats, UndeliveredOfflineMessages } from '../../ports/chat-store.js';
import type { WebhookStatus, WebhookStreamStatus } from '../../protocol/webhook-types.js';
import { fail } from '../../protocol/errors.js';
import { cursorKey, movedCursor, parseCursor, refuseReplay, WebhookSender, type WebhookCursor, type WebhookFeed, type WebhookSenderDeps } from './webhook-sender.js';
import { secretKey } from './webhook-signature.js';

/** What every sender needs (each gets its own `counted`), and each event's feed. */
export type WebhooksDeps = Omit<WebhookSenderDeps, 'counted'> & { feeds: { [E in WebhookEvent]: WebhookFeed<unknown> } };

type Outcome = 'delivered' | 'failed' | 'skipped';

/** Attempts by outcome, per webhook and event (`org`, `webhook`, `event`, `outcome`), for the metrics. */
export type DeliveryCounts = Map<string, { org: string; webhook: string; event: WebhookEvent; outcome: Outcome; count: number }>;

/** The backlog shown is counted up to this many items (a bounded index walk per admin request). */
export const BACKLOG_CAP = 10_000;

/** An admin's move (ADR 0065's note, ADR 0068): a skip names its event's item; a replay without an event moves every event the webhook has. */
export type AdminMove = { kind: 'replay'; since: number; event?: WebhookEvent | undefined } | { kind: 'skip'; event: WebhookEvent; id: string };

const senderKey = (orgId: string, name: string, event: WebhookEvent) => `${orgId}\u0000${name}\u0000${event}`;

export class Webhooks {
  private readonly senders = new Map<string, WebhookSender>();
  readonly counts: DeliveryCounts = new Map();

  constructor(private readonly orgs: readonly OrgConfig[], private readonly deps: WebhooksDeps) {
    for (const org of orgs) for (const w of org.webhooks) {
      if (!w.enabled) continue;
      const target = { orgId: org.id, name: w.name, url: w.url, key: secretKey(w.secret) };
      for (const event of w.events) {
        const count = (outcome: Outcome) => {
          const k = `${senderKey(org.id, w.name, event)}\u0000${outcome}`;
          const c = this.counts.get(k) ?? { org: org.id, webhook: w.name, event, outcome, count: 0 };
          c.count += 1;
          this.counts.set(k, c);
        };
        this.senders.set(senderKey(org.id, w.name, event), new WebhookSender(target, deps.feeds[event], { ...deps, counted: count }));
      }
    }
  }

  start(): void {
    for (const s of this.senders.values()) s.start();
  }

  /** Stops every sender at once (SIGTERM): POSTs under way are abandoned, sent again after a restart. */
  async stop(): Promise<void> {
    await Promise.all([...this.senders.values()].map((s) => s.stop()));
  }

  /**
   * What retention must keep (ADR 0065): per org with a running `chat.ended` webhook, the
   * chats after the earliest of their positions. A sender that has not read its position yet keeps all.
   */
  undelivered(): UndeliveredChats[] {
    return this.earliest('chat.ended').map(([orgId, after]) => ({ orgId, after }));
  }

  /** The same for offline messages (ADR 0068): those after the earliest `offline_message.created` position, per org. */
  undeliveredOfflineMessages(): UndeliveredOfflineMessages[] {
    return this.earliest('offline_message.created').map(([orgId, at]) => ({ orgId, after: { createdAt: at.endedAt, id: at.id } }));
  }

  private earliest(event: WebhookEvent): Array<[string, EndedPosition]> {
    const earliest = new Map<string, EndedPosition>();
    for (const s of this.senders.values()) {
      if (s.feed.event !== event) continue;
      const at: EndedPosition = s.lastDelivered ?? { endedAt: 0, id: '' };
      const known = earliest.get(s.target.orgId);
      if (!known || at.endedAt < known.endedAt || (at.endedAt === known.endedAt && at.id < known.id)) earliest.set(s.target.orgId, { endedAt: at.endedAt, id: at.id });
    }
    return [...earliest];
  }

  /** Every running sender's failing streak (`failingSince` null while it delivers), for the metrics. */
  streaks(): Array<{ org: string; webhook: string; event: WebhookEvent; failingSince: number | null }> {
    return [...this.senders.values()].map((s) => ({ org: s.target.orgId, webhook: s.target.name, event: s.feed.event, failingSince: s.failingSince }));
  }

  /** The org's webhooks, as configured, with where each stands. */
  async statuses(orgId: string): Promise<WebhookStatus[]> {
    const out: WebhookStatus[] = [];
    for (const w of this.orgs.find((o) => o.id === orgId)?.webhooks ?? []) out.push(await this.status(orgId, w));
    return out;
  }

  /**
   * An admin's move of a webhook's position (replay, skip; ADR 0065's note): a running
   * webhook's sender takes it between two attempts; a disabled one's stored place is moved,
   * for when it is enabled again. Answers the webhook's status once the new place is stored.
   * A replay of several events is checked against each before any moves: all or none.
   */
  async move(orgId: string, name: string, move: AdminMove, by: string): Promise<WebhookStatus> {
    const w = this.orgs.find((o) => o.id === orgId)?.webhooks.find((x) => x.name === name) ?? fail('NOT_FOUND', `webhook ${name}`);
    const events = move.event === undefined ? w.events : [move.event];
    for (const e of events) if (!w.events.includes(e)) fail('CONFLICT', `webhook ${name} is not told of ${e} (its events: ${w.events.join(', ')})`);
    if (move.kind === 'skip') {
      const sender = this.senders.get(senderKey(orgId, name, move.event)) ?? fail('CONFLICT', `webhook ${name} is disabled: it sends nothing, so there is no next ${this.deps.feeds[move.event].noun} to skip`);
      await sender.reposition({ kind: 'skip', id: move.id }, by);
      return this.status(orgId, w);
    }
    const now = this.deps.clock.now();
    for (const e of events) refuseReplay(await this.cursorOf(orgId, name, e), move.since, name, now, this.deps.feeds[e].noun);
    for (const e of events) {
      const sender = this.senders.get(senderKey(orgId, name, e));
      if (sender) {
        await sender.reposition({ kind: 'replay', since: move.since }, by);
      } else {
        const key = cursorKey(orgId, name, e);
        const to = movedCursor(parseCursor(await this.deps.store.getMeta(key)), { kind: 'replay', since: move.since }, null, name, now, this.deps.feeds[e].noun);
        await this.deps.store.setMeta(key, JSON.stringify(to));
        this.deps.logger.info({ webhook: name, org: orgId, event: e, by, since: move.since }, 'webhook replay (disabled webhook): what came since is sent once it is enabled');
      }
    }
    return this.status(orgId, w);
  }

  /** Where a webhook's event stands: its sender's place, or (disabled, not read yet) the stored one. */
  private async cursorOf(orgId: string, name: string, event: WebhookEvent): Promise<WebhookCursor | null> {
    return this.senders.get(senderKey(orgId, name, event))?.lastDelivered ?? parseCursor(await this.deps.store.getMeta(cursorKey(orgId, name, event)));
  }

  private async stream(orgId: string, name: string, event: WebhookEvent): Promise<WebhookStreamStatus> {
    const sender = this.senders.get(senderKey(orgId, name, event));
    const cursor = await this.cursorOf(orgId, name, event);
    return {
      lastDeliveredAt: cursor?.deliveredAt ?? null, lastDeliveredId: cursor?.deliveredId ?? null,
      failingSince: sender?.failingSince ?? null, failingId: sender?.failingId ?? null,
      lastError: sender?.lastError ?? null, nextAttemptAt: sender?.nextAttemptAt ?? null,
      // Never run: no place, so no backlog (a new webhook starts at the time it first runs).
      backlog: cursor ? await this.deps.feeds[event].count(orgId, cursor, BACKLOG_CAP) : null,
    };
  }

  private async status(orgId: string, w: OrgConfig['webhooks'][number]): Promise<WebhookStatus> {
    const chats = w.events.includes('chat.ended') ? await this.stream(orgId, w.name, 'chat.ended') : null;
    const offline = w.events.includes('offline_message.created') ? await this.stream(orgId, w.name, 'offline_message.created') : null;
    return {
      name: w.name, url: shownUrl(w.url), enabled: w.enabled, events: [...w.events],
      lastDeliveredAt: chats?.lastDeliveredAt ?? null, lastDeliveredChatId: chats?.lastDeliveredId ?? null,
      failingSince: chats?.failingSince ?? null, failingChatId: chats?.failingId ?? null,
      lastError: chats?.lastError ?? null, nextAttemptAt: chats?.nextAttemptAt ?? null,
      backlog: chats?.backlog ?? null,
      offlineMessages: offline,
    };
  }
}

/** A URL with a password in it shows *** in its place: the admin API is no place for credentials. */
function shownUrl(url: string): string {
  const u = new URL(url);
  if (!u.password) return url;
  u.password = '***';
  return u.toString();
}
