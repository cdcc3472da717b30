/**
 * The org's webhooks (ADR 0065): a sender per enabled webhook, started with the server
 * and stopped first at shutdown; what the admin API and the metrics read of them.
 */
import type { OrgConfig } from '../../config/config-schema.js';
import type { EndedPosition, UndeliveredChats } from '../../ports/chat-store.js';
import type { WebhookStatus } from '../../protocol/webhook-types.js';
import { fail } from '../../protocol/errors.js';
import { cursorKey, movedCursor, parseCursor, WebhookSender, type WebhookCursor, type WebhookMove, type WebhookSenderDeps } from './webhook-sender.js';
import { secretKey } from './webhook-signature.js';

/** What every sender needs; each gets its own `counted`. */
export type WebhooksDeps = Omit<WebhookSenderDeps, 'counted'>;

/** Attempts by outcome, per webhook (`org`, `webhook`, `outcome`), for the metrics. */
export type DeliveryCounts = Map<string, { org: string; webhook: string; outcome: 'delivered' | 'failed' | 'skipped'; count: number }>;

/** The backlog shown is counted up to this many chats (a bounded index walk per admin request). */
export const BACKLOG_CAP = 10_000;

export class Webhooks {
  private readonly senders = new Map<string, WebhookSender>();
  readonly counts: DeliveryCounts = new Map();

  constructor(private readonly orgs: readonly OrgConfig[], private readonly deps: WebhooksDeps) {
    for (const org of orgs) for (const w of org.webhooks) {
      if (!w.enabled) continue;
      const count = (outcome: 'delivered' | 'failed' | 'skipped') => {
        const k = `${org.id}\u0000${w.name}\u0000${outcome}`;
        const c = this.counts.get(k) ?? { org: org.id, webhook: w.name, outcome, count: 0 };
        c.count += 1;
        this.counts.set(k, c);
      };
      this.senders.set(`${org.id}\u0000${w.name}`, new WebhookSender({ orgId: org.id, name: w.name, url: w.url, key: secretKey(w.secret) }, { ...deps, counted: count }));
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
   * What retention must keep (ADR 0065): per org with a running webhook, the chats after the
   * earliest of its webhooks' positions. A sender that has not read its position yet keeps all.
   */
  undelivered(): UndeliveredChats[] {
    const earliest = new Map<string, EndedPosition>();
    for (const s of this.senders.values()) {
      const at: EndedPosition = s.lastDelivered ?? { endedAt: 0, id: '' };
      const known = earliest.get(s.target.orgId);
      if (!known || at.endedAt < known.endedAt || (at.endedAt === known.endedAt && at.id < known.id)) earliest.set(s.target.orgId, { endedAt: at.endedAt, id: at.id });
    }
    return [...earliest].map(([orgId, after]) => ({ orgId, after }));
  }

  /** Every running sender's failing streak (`failingSince` null while it delivers), for the metrics. */
  streaks(): Array<{ org: string; webhook: string; failingSince: number | null }> {
    return [...this.senders.values()].map((s) => ({ org: s.target.orgId, webhook: s.target.name, failingSince: s.failingSince }));
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
   */
  async move(orgId: string, name: string, move: WebhookMove, by: string): Promise<WebhookStatus> {
    const w = this.orgs.find((o) => o.id === orgId)?.webhooks.find((x) => x.name === name) ?? fail('NOT_FOUND', `webhook ${name}`);
    const sender = this.senders.get(`${orgId}\u0000${name}`);
    if (sender) {
      await sender.reposition(move, by);
    } else {
      if (move.kind === 'skip') fail('CONFLICT', `webhook ${name} is disabled: it sends nothing, so there is no next chat to skip`);
      const key = cursorKey(orgId, name);
      const to = movedCursor(parseCursor(await this.deps.store.getMeta(key)), move, null, name, this.deps.clock.now());
      await this.deps.store.setMeta(key, JSON.stringify(to));
      this.deps.logger.info({ webhook: name, org: orgId, by, since: move.since }, 'webhook replay (disabled webhook): chats that ended since are sent once it is enabled');
    }
    return this.status(orgId, w);
  }

  private async status(orgId: string, w: OrgConfig['webhooks'][number]): Promise<WebhookStatus> {
    const sender = this.senders.get(`${orgId}\u0000${w.name}`);
    // A disabled webhook has no sender, nor one that has not read its place yet: where it stands is in the store.
    const cursor: WebhookCursor | null = sender?.lastDelivered ?? parseCursor(await this.deps.store.getMeta(cursorKey(orgId, w.name)));
    return {
      name: w.name, url: shownUrl(w.url), enabled: w.enabled, events: [...w.events],
      lastDeliveredAt: cursor?.deliveredAt ?? null, lastDeliveredChatId: cursor?.deliveredId ?? null,
      failingSince: sender?.failingSince ?? null, failingChatId: sender?.failingChatId ?? null,
      lastError: sender?.lastError ?? null, nextAttemptAt: sender?.nextAttemptAt ?? null,
      // Never run: no place, so no backlog (a new webhook starts at the time it first runs).
      backlog: cursor ? await this.deps.store.countEndedChats(orgId, cursor, BACKLOG_CAP) : null,
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
