/**
 * Offline messages (ADR 0063): what a visitor leaves through the widget when no one can
 * chat on a button that takes them (buttons[].offlineMessages), stored at once with the
 * org's sensitive data rules applied, and read, marked handled and deleted by the org's
 * supervisors and admins. No HTTP here: the routes (http/visitor/offline-message-routes.ts,
 * http/agent/offline-message-routes.ts) turn its failures into answers.
 */
import { randomBytes } from 'node:crypto';
import type { ChatStore } from '../ports/chat-store.js';
import type { Clock } from '../ports/clock.js';
import type { OfflineMessageRecord } from '../ports/records.js';
import { fail, SwitchboardError } from '../protocol/errors.js';
import type { OfflineMessage, OfflineMessagePage, OfflineMessageRequest, OfflineMessageStatus } from '../protocol/offline-message-types.js';
import type { Catalog } from './catalog.js';
import { clientKey, isLoopback, type RateLimiter } from './rate-limiter.js';
import type { SensitiveDataMasker } from './sensitive-data-masker.js';
import type { VisitorBlocks } from './visitor-blocks.js';
import { OrgShards } from './org-shards.js';

/** What became of a visitor's message, for the metric (a fixed set: labels never take ids). */
export type OfflineOutcome = 'accepted' | 'refused' | 'limited';

export interface OfflineMessageDeps {
  store: ChatStore;
  clock: Clock;
  catalog: Catalog;
  masker: SensitiveDataMasker;
  blocks: VisitorBlocks;
  /** Messages per address (settings.offlineMessagesPerMinutePerAddress); none: not limited. Loopback is never limited. */
  limiter?: RateLimiter | undefined;
}

/** A page's place as the API sends it (`next`, `before`): the creation time and the id. */
export function cursorOf(m: Pick<OfflineMessage, 'createdAt' | 'id'>): string {
  return `${m.createdAt}.${m.id}`;
}

function positionOf(cursor: string): { createdAt: number; id: string } {
  const dot = cursor.indexOf('.');
  const createdAt = Number(cursor.slice(0, dot));
  // The route's pattern admits digits only before the dot; a number past 2^53 is still no place.
  if (dot < 1 || !Number.isSafeInteger(createdAt)) fail('QUERY_INVALID', 'before is not a page\'s next');
  return { createdAt, id: cursor.slice(dot + 1) };
}

export function toWire(r: OfflineMessageRecord): OfflineMessage {
  return {
    id: r.id, buttonId: r.buttonId, deploymentId: r.deploymentId, name: r.name, email: r.email, subject: r.subject, message: r.message,
    language: r.language, createdAt: r.createdAt, status: r.status, handledBy: r.handledBy, handledAt: r.handledAt,
  };
}

export class OfflineMessageBox {
  private readonly outcomeListeners: ((outcome: OfflineOutcome) => void)[] = [];
  private readonly createdListeners: ((orgId: string, message: OfflineMessage) => void)[] = [];
  /** Stores under way (settled either way), for settled(). */
  private readonly writing = new Set<Promise<void>>();

  constructor(private readonly deps: OfflineMessageDeps) {}

  /** Told every outcome of a visitor's POST (the metric). */
  onOutcome(listener: (outcome: OfflineOutcome) => void): void {
    this.outcomeListeners.push(listener);
  }

  /** Told each message once it is durable (the supervisors' stream). */
  onCreated(listener: (orgId: string, message: OfflineMessage) => void): void {
    this.createdListeners.push(listener);
  }

  /**
   * Whether the button takes a message from `address`: it is configured to and the org does
   * not block the address. NOT_FOUND when the org, deployment or button is not configured so.
   */
  accepts(orgId: string, deploymentId: string, buttonId: string, address: string): boolean {
    const { takes, orgId: org } = this.buttonOf(orgId, deploymentId, buttonId);
    return takes && this.deps.blocks.blocking(org, address) === null;
  }

  /**
   * Stores a visitor's message and resolves with it once durable. RATE_LIMITED (with
   * Retry-After) past the address's allowance, counted first; NOT_FOUND for a button not
   * configured; OFFLINE_MESSAGES_UNAVAILABLE when the button takes none or the address is
   * blocked (the same answer: nothing says it is blocked, as for a chat request, ADR 0055).
   */
  async leave(req: OfflineMessageRequest, address: string): Promise<OfflineMessage> {
    try {
      const { limiter } = this.deps;
      if (limiter && !isLoopback(address)) {
        const waitMs = limiter.take(clientKey(address));
        if (waitMs) {
          this.tell('limited');
          throw new SwitchboardError('RATE_LIMITED', 'offline messages from this address', Math.ceil(waitMs / 1000));
        }
      }
      const { orgId, deploymentId, buttonId } = this.buttonOf(req.orgId, req.deploymentId, req.buttonId);
      if (!this.accepts(orgId, deploymentId, buttonId, address)) fail('OFFLINE_MESSAGES_UNAVAILABLE');
      const { masker } = this.deps;
      const record: OfflineMessageRecord = {
        id: `om_${randomBytes(9).toString('base64url')}`, orgId, deploymentId, buttonId, name: req.name.trim(), email: req.email.trim(),
        // Masked before the store holds them: the visitor may type a card number anywhere free text goes.
        subject: masker.mask(orgId, 'visitor', (req.subject ?? '').trim()), message: masker.mask(orgId, 'visitor', req.message),
        language: req.language?.trim() || null, createdAt: this.deps.clock.now(), status: 'new', handledBy: null, handledAt: null,
      };
      const put = this.deps.store.putOfflineMessage(record);
      const written = put.then(() => undefined, () => undefined);
      this.writing.add(written);
      void written.then(() => this.writing.delete(written));
      await put;
      const wire = toWire(record);
      this.tell('accepted');
      for (const l of this.createdListeners) l(orgId, wire);
      return wire;
    } catch (err) {
      if (err instanceof SwitchboardError && err.code !== 'RATE_LIMITED') this.tell('refused');
      throw err;
    }
  }

  /**
   * Resolves once every message stamped before the call is in the store, or failed to be
   * (a webhook's sender reads after it, so no message can turn up behind its place, ADR 0068).
   */
  async settled(): Promise<void> {
    await Promise.all([...this.writing]);
  }

  /** Counts a message whose body the route's schema refused (the metric's `refused`). */
  refusedInvalid(): void {
    this.tell('refused');
  }

  /** One page of the org's messages, newest first. */
  async list(orgId: string, q: { status?: OfflineMessageStatus | undefined; limit?: number | undefined; before?: string | undefined }): Promise<OfflineMessagePage> {
    const limit = q.limit ?? 50;
    // One more than the page: whether an older page exists, without a page that comes back empty.
    const rows = await this.deps.store.listOfflineMessages({ orgId, status: q.status, limit: limit + 1, before: q.before === undefined ? undefined : positionOf(q.before) });
    const page = rows.slice(0, limit).map(toWire);
    return { messages: page, next: rows.length > limit ? cursorOf(page.at(-1)!) : null };
  }

  /** Marks one of the org's messages handled (by `userId`, now) or new again; NOT_FOUND when it has none by that id. */
  async mark(orgId: string, id: string, status: OfflineMessageStatus, userId: string): Promise<OfflineMessage> {
    const handled = status === 'handled';
    const r = await this.deps.store.updateOfflineMessage(orgId, id, { status, handledBy: handled ? userId : null, handledAt: handled ? this.deps.clock.now() : null });
    if (!r) fail('NOT_FOUND', `offline message ${id}`);
    return toWire(r);
  }

  async remove(orgId: string, id: string): Promise<void> {
    if (!(await this.deps.store.deleteOfflineMessage(orgId, id))) fail('NOT_FOUND', `offline message ${id}`);
  }

  /** The configured ids of a button of that org and deployment, and whether it takes messages; NOT_FOUND otherwise. */
  private buttonOf(orgId: string, deploymentId: string, buttonId: string): { orgId: string; deploymentId: string; buttonId: string; takes: boolean } {
    const { catalog } = this.deps;
    const deployment = catalog.deployment(orgId, deploymentId);
    const button = catalog.button(buttonId);
    if (!deployment || !button || !deployment.buttonIds.includes(button.config.id)) {
      // Another shard's org (ADR 0066): the widget was pointed at the wrong host.
      const there = catalog.elsewhere(orgId, deploymentId);
      if (there) fail('MISDIRECTED_REQUEST', OrgShards.misdirectedDetail(there.orgId, there));
      fail('NOT_FOUND', `no button ${buttonId} in deployment ${deploymentId} of organization ${orgId}`);
    }
    return { orgId: deployment.orgId, deploymentId: button.deploymentId, buttonId: button.config.id, takes: button.config.offlineMessages };
  }

  private tell(outcome: OfflineOutcome): void {
    for (const l of this.outcomeListeners) l(outcome);
  }
}
