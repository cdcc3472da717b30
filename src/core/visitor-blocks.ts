/**
 * Visitor blocks (ADR 0055): addresses refused a chat with an org. Those of the config
 * file (orgs[].blockedAddresses) and those stored through the agent API, held in memory
 * per org so that ChasitorInit, Availability and Settings ask without a store read (one
 * node writes a store, ADR 0017: nothing else changes it behind this one's back).
 * A block stops applying at its `expiresAt` (Clock). A loopback client is refused only by
 * a block whose whole range is loopback: a wide range that happens to hold 127.0.0.1 never
 * takes this machine's demo page and tests with it.
 */
import { randomBytes } from 'node:crypto';
import type { OrgConfig } from '../config/config-schema.js';
import type { ChatStore } from '../ports/chat-store.js';
import type { Clock } from '../ports/clock.js';
import type { VisitorBlockRecord } from '../ports/records.js';
import { fail } from '../protocol/errors.js';
import { isLoopbackAddress, isWithinLoopback, parseAddress, parseIpRange, rangeHolds, type IpRange } from '../protocol/ip-range.js';
import { canonicalId } from '../protocol/liberal-values.js';
import type { VisitorBlock } from '../protocol/visitor-block-types.js';

/** A block with its parsed range. */
interface HeldBlock {
  readonly view: VisitorBlock;
  readonly range: IpRange;
}

/** What a new block is made of (the admin API's body, or an agent's Block visitor). */
export interface NewBlock {
  ipRange: string;
  reason?: string | undefined;
  expiresAt?: number | undefined;
  createdBy: string;
  chatId?: string | null | undefined;
}

export class VisitorBlocks {
  /** By canonical org id: config blocks first (file order), then stored ones, oldest first. */
  private readonly byOrg = new Map<string, HeldBlock[]>();
  private readonly refusedListeners: ((block: VisitorBlock) => void)[] = [];

  constructor(private readonly store: ChatStore, private readonly clock: Clock, orgs: readonly Pick<OrgConfig, 'id' | 'blockedAddresses'>[] = []) {
    for (const org of orgs) {
      (org.blockedAddresses ?? []).forEach((b, i) => {
        const parsed = parseIpRange(b.ipRange);
        // The loader refused a bad range already (load-config.ts): one here is a programming error.
        if (!parsed.ok) throw new Error(`orgs ${org.id} blockedAddresses ${i}: ${parsed.reason}`);
        this.held(org.id).push({
          range: parsed.range,
          view: { id: `config-${i + 1}`, ipRange: parsed.range.text, reason: b.reason ?? '', createdBy: 'config', createdAt: null, expiresAt: null, chatId: null, source: 'config' },
        });
      });
    }
  }

  /** Reads the stored blocks (start-up, before the first visitor request). */
  async load(): Promise<void> {
    for (const r of await this.store.listVisitorBlocks(null)) {
      const parsed = parseIpRange(r.ipRange);
      if (parsed.ok) this.held(r.orgId).push({ range: parsed.range, view: viewOf(r) });
    }
  }

  /** The org's block that refuses `address` now, or null. */
  blocking(orgId: string, address: string): VisitorBlock | null {
    const list = this.byOrg.get(canonicalId(orgId));
    if (!list?.length) return null;
    const parsed = parseAddress(address);
    if (!parsed) return null;
    const now = this.clock.now();
    const loopback = isLoopbackAddress(address);
    for (const b of list) {
      if (!active(b.view, now)) continue;
      if (loopback && !isWithinLoopback(b.range)) continue;
      if (rangeHolds(b.range, parsed)) return b.view;
    }
    return null;
  }

  /** Tells the listeners a chat request was refused by `block` (the metric). */
  refused(block: VisitorBlock): void {
    for (const l of this.refusedListeners) l(block);
  }

  onRefused(listener: (block: VisitorBlock) => void): void {
    this.refusedListeners.push(listener);
  }

  /** The org's blocks that apply now (expired ones left out): config ones first. */
  list(orgId: string): VisitorBlock[] {
    const now = this.clock.now();
    return (this.byOrg.get(canonicalId(orgId)) ?? []).filter((b) => active(b.view, now)).map((b) => b.view);
  }

  /** Stores a new block and applies it at once; IP_RANGE_INVALID or BODY_INVALID (a past `expiresAt`) refuse it. */
  async add(orgId: string, b: NewBlock): Promise<VisitorBlock> {
    const parsed = parseIpRange(b.ipRange);
    if (!parsed.ok) return fail('IP_RANGE_INVALID', parsed.reason);
    const now = this.clock.now();
    if (b.expiresAt !== undefined && b.expiresAt <= now) fail('BODY_INVALID', 'expiresAt is not in the future');
    const record: VisitorBlockRecord = {
      id: `blk_${randomBytes(9).toString('base64url')}`, orgId, ipRange: parsed.range.text, reason: (b.reason ?? '').trim(), createdBy: b.createdBy,
      createdAt: now, expiresAt: b.expiresAt ?? null, chatId: b.chatId ?? null,
    };
    await this.store.putVisitorBlock(record);
    const view = viewOf(record);
    this.held(orgId).push({ range: parsed.range, view });
    return view;
  }

  /** Deletes a stored block of the org: NOT_FOUND when it has none by that id, BLOCK_IN_CONFIG for a config one. */
  async remove(orgId: string, id: string): Promise<void> {
    const list = this.held(orgId);
    const i = list.findIndex((b) => b.view.id === id);
    if (i < 0) fail('NOT_FOUND', `block ${id}`);
    if (list[i]!.view.source === 'config') fail('BLOCK_IN_CONFIG', `${id} is orgs[].blockedAddresses in the config file: remove it there`);
    await this.store.deleteVisitorBlock(orgId, id);
    // Found again after the await: another delete may have taken it meanwhile.
    const at = list.findIndex((b) => b.view.id === id);
    if (at >= 0) list.splice(at, 1);
  }

  /**
   * Deletes the stored blocks of every org that expired before `before` (the retention
   * sweeper's, ADR 0055 later note), from the store and from memory; returns how many
   * the store deleted. They no longer applied nor were listed: this only frees them.
   */
  async purgeExpired(before: number): Promise<number> {
    const n = await this.store.purgeVisitorBlocksExpiredBefore(before);
    for (const list of this.byOrg.values()) {
      for (let i = list.length - 1; i >= 0; i--) {
        const v = list[i]!.view;
        if (v.source === 'stored' && v.expiresAt !== null && v.expiresAt < before) list.splice(i, 1);
      }
    }
    return n;
  }

  private held(orgId: string): HeldBlock[] {
    const key = canonicalId(orgId);
    let list = this.byOrg.get(key);
    if (!list) this.byOrg.set(key, (list = []));
    return list;
  }
}

function active(b: VisitorBlock, now: number): boolean {
  return b.expiresAt === null || b.expiresAt > now;
}

function viewOf(r: VisitorBlockRecord): VisitorBlock {
  return { id: r.id, ipRange: r.ipRange, reason: r.reason, createdBy: r.createdBy, createdAt: r.createdAt, expiresAt: r.expiresAt, chatId: r.chatId, source: 'stored' };
}
