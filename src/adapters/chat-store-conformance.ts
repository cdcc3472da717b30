/**
 * The one conformance suite every ChatStore adapter passes (memory, SQLite,
 * PostgreSQL). Each adapter's test file calls `describeChatStore` with a factory
 * that opens a fresh, empty store against the real backend.
 */
import { describe, expect, it } from 'vitest';
import { emptyBatch, type ChatStore } from '../ports/chat-store.js';
import { MAX_LOG_OFFSET } from '../protocol/agent-api-types.js';
import { toProgressRow, toSessionRow, type ChatFileRecord, type LogEvent, type SessionRecord, type VisitorBlockRecord } from '../ports/records.js';
import { chatRecord, describeChatSearch, type OpenMigrated } from './chat-store-search-conformance.js';
import { describeOfflineMessages } from './chat-store-offline-conformance.js';
import { QUICK_TEXT_DOCUMENT, QuickTextBook } from '../core/quick-texts.js';
import type { OrgConfig } from '../config/config-schema.js';
import { FakeClock } from './memory/fake-clock.js';

export interface StoreFactory {
  /** A fresh, empty, migrated store. */
  open(): Promise<ChatStore>;
  /** Reopens the same data after close (omit for stores that keep nothing). */
  reopen?: (previous: ChatStore) => Promise<ChatStore>;
  /** A store holding sessions as one before migration 0010 wrote them, migrated since (omit for stores that keep nothing). */
  openMigrated?: OpenMigrated;
}

export function sessionRecord(id: string, patch: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id, key: `${id}!1!x`, owner: 'abcdef01', epoch: 'e1', createdAt: 1000, lastSeenAt: 1000, chatState: 'none', request: null,
    routedButtonId: null, agentId: null, queuedAt: null, establishedAt: null, endedAt: null, endReason: null, declinedBy: [],
    lastOffset: 0, lastVseq: 0, cursor: 0, confirmed: 0, issuedRecent: [], appliedSeqMax: 0, appliedSeqRecent: [], closed: false,
    ...patch,
  };
}

export function logEvent(sessionId: string, offset: number, vseq: number | null, text = `m${offset}`): LogEvent {
  return { sessionId, offset, vseq, type: vseq === null ? 'ChasitorChatMessage' : 'ChatMessage', actor: vseq === null ? 'visitor' : 'agent', at: 2000 + offset, data: { text, nested: { ok: true } } };
}

/** An uploaded file of `sessionId` (its bytes every value 0–255 and more, so an encoding slip shows). */
export function chatFile(sessionId: string, id: string, token: string, uploadedAt = 3000, size = 300): ChatFileRecord {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7) % 256;
  return { sessionId, id, fileToken: token, name: `réçu ${id}.png`, contentType: 'image/png', size, sha256: `sha-${id}`, uploadedAt, bytes };
}

export function describeChatStore(name: string, factory: StoreFactory): void {
  describe(`ChatStore conformance: ${name}`, () => {
    const withStore = (fn: (store: ChatStore) => Promise<void>) => async () => {
      const store = await factory.open();
      try {
        await fn(store);
      } finally {
        await store.close();
      }
    };

    it('migrates idempotently and answers ping', withStore(async (store) => {
      await store.migrate();
      expect(await store.ping()).toBe(true);
    }));

    it('writes a batch and reads sessions and events back in order', withStore(async (store) => {
      const s = sessionRecord('s1', { lastOffset: 3, lastVseq: 2, request: { visitorId: 'v1' } as SessionRecord['request'] });
      await store.write({ ...emptyBatch(), sessions: [s].map((r) => toSessionRow(r)), events: [logEvent('s1', 1, 1), logEvent('s1', 2, null), logEvent('s1', 3, 2)] });
      expect(await store.getSession('s1')).toEqual(s);
      expect((await store.readEvents('s1', 0, 10)).map((e) => e.offset)).toEqual([1, 2, 3]);
      expect((await store.readEvents('s1', 1, 1)).map((e) => e.offset)).toEqual([2]);
      const visible = await store.readVisitorEvents('s1', 0, 10);
      expect(visible.map((e) => [e.offset, e.vseq])).toEqual([[1, 1], [3, 2]]);
      expect(visible[0]).toEqual(logEvent('s1', 1, 1));
      expect(await store.readVisitorEvents('s1', 1, 10)).toHaveLength(1);
      expect(await store.getSession('nope')).toBeNull();
    }));

    it('pages through a long log by offset: every event once, in order, whatever the page size', withStore(async (store) => {
      // Written in several batches, as group commits write a chat, with another session's events between.
      for (let from = 1; from <= 1200; from += 300) {
        const events: LogEvent[] = [];
        for (let o = from; o < from + 300; o++) events.push(logEvent('long', o, o % 3 === 0 ? null : o));
        await store.write({ ...emptyBatch(), events: [...events, logEvent(`other-${from}`, 1, 1)] });
      }
      for (const size of [1, 7, 500, 1000]) {
        const offsets: number[] = [];
        for (let after = 0; ;) {
          const page = await store.readEvents('long', after, size);
          expect(page.length, `page after ${after} of ${size}`).toBeLessThanOrEqual(size);
          offsets.push(...page.map((e) => e.offset));
          if (page.length < size) break;
          after = page[page.length - 1]!.offset;
        }
        expect(offsets, `pages of ${size}`).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
      }
      expect(await store.readEvents('long', 1200, 10)).toEqual([]);
      expect(await store.readEvents('long', 5000, 10)).toEqual([]);
      // The largest `after` the agent API lets through (MAX_LOG_OFFSET: PostgreSQL's integer).
      expect(await store.readEvents('long', MAX_LOG_OFFSET, 10)).toEqual([]);
      expect((await store.readEvents('long', 1195, 10)).map((e) => e.offset)).toEqual([1196, 1197, 1198, 1199, 1200]);
      expect((await store.readEvents('long', 599, 2))[0]).toEqual(logEvent('long', 600, null));
    }));

    it('reads the events of some types only, by offset, in pages', withStore(async (store) => {
      const typed = (offset: number, type: string, data: Record<string, unknown> = {}): LogEvent => ({ sessionId: 't', offset, vseq: null, type, actor: 'system', at: 3000 + offset, data });
      const events = Array.from({ length: 40 }, (_, i) => typed(i + 1, 'ChasitorChatMessage', { text: `m${i + 1}` }));
      events[4] = typed(5, 'ChatEstablished', { userId: 'a1' });
      events[19] = typed(20, 'ChatTransferred', { userId: 'a2' });
      events[29] = typed(30, 'ChatTransferred', { userId: 'a3' });
      await store.write({ ...emptyBatch(), events });
      await store.write({ ...emptyBatch(), events: [{ ...typed(1, 'ChatEstablished', { userId: 'elsewhere' }), sessionId: 'u' }] });
      const kinds = ['ChatEstablished', 'ChatTransferred'];
      expect(await store.readEventsOfTypes('t', kinds, 0, 10)).toEqual([events[4], events[19], events[29]]);
      expect((await store.readEventsOfTypes('t', kinds, 0, 2)).map((e) => e.offset)).toEqual([5, 20]);
      expect((await store.readEventsOfTypes('t', kinds, 20, 2)).map((e) => e.offset)).toEqual([30]);
      expect((await store.readEventsOfTypes('t', ['ChatTransferred'], 0, 10)).map((e) => e.data.userId)).toEqual(['a2', 'a3']);
      expect(await store.readEventsOfTypes('t', ['Nothing'], 0, 10)).toEqual([]);
      expect(await store.readEventsOfTypes('t', [], 0, 10)).toEqual([]);
      expect(await store.readEventsOfTypes('ghost', kinds, 0, 10)).toEqual([]);
    }));

    it('upserts sessions and lists only open ones', withStore(async (store) => {
      await store.write({ ...emptyBatch(), sessions: [sessionRecord('a'), sessionRecord('b')].map((r) => toSessionRow(r)) });
      await store.write({ ...emptyBatch(), sessions: [sessionRecord('b', { closed: true, cursor: 5 })].map((r) => toSessionRow(r)) });
      const open = await store.loadOpenSessions();
      expect(open.map((s) => s.id)).toEqual(['a']);
      expect((await store.getSession('b'))?.cursor).toBe(5);
    }));

    it('lists open sessions by the time they were queued, then creation, then id, whatever order they were written in', withStore(async (store) => {
      // Queued in the same millisecond (a, z), queued earlier (m), never queued (n: by its creation).
      const sessions = [
        sessionRecord('z', { createdAt: 1900, queuedAt: 2000, chatState: 'waiting' }),
        sessionRecord('a', { createdAt: 1900, queuedAt: 2000, chatState: 'waiting' }),
        sessionRecord('y', { createdAt: 1800, queuedAt: 2000, chatState: 'waiting' }),
        sessionRecord('n', { createdAt: 1500 }),
        sessionRecord('m', { createdAt: 900, queuedAt: 1000, chatState: 'waiting' }),
      ];
      for (const s of sessions) await store.write({ ...emptyBatch(), sessions: [toSessionRow(s)] });
      expect((await store.loadOpenSessions()).map((s) => s.id)).toEqual(['m', 'n', 'y', 'a', 'z']);
    }));

    it('lists chats queued in the same millisecond by their stored arrival order (queueSeq), records without one first', withStore(async (store) => {
      // q2 came before q1 (its queueSeq is lower), whatever their creation and ids say; `old` was
      // written before the arrival order was kept and sorts as such records always did, first.
      const sessions = [
        sessionRecord('q1', { createdAt: 1000, queuedAt: 2000, chatState: 'waiting', queueSeq: 7 }),
        sessionRecord('q2', { createdAt: 1900, queuedAt: 2000, chatState: 'waiting', queueSeq: 3 }),
        sessionRecord('old', { createdAt: 1950, queuedAt: 2000, chatState: 'waiting' }),
        sessionRecord('later', { createdAt: 500, queuedAt: 2001, chatState: 'waiting', queueSeq: 1 }),
      ];
      for (const s of sessions) await store.write({ ...emptyBatch(), sessions: [toSessionRow(s)] });
      expect((await store.loadOpenSessions()).map((s) => [s.id, s.queueSeq ?? null])).toEqual([['old', null], ['q2', 3], ['q1', 7], ['later', 1]]);
    }));

    it('rewrites a session whose indexed columns change (owner, closed, visitor) and whose record alone changes', withStore(async (store) => {
      const request = { visitorId: 'v1' } as SessionRecord['request'];
      const write = (r: SessionRecord, withRequest = true) => store.write({ ...emptyBatch(), sessions: [toSessionRow(r, withRequest)] });
      await write(sessionRecord('k', { request }));
      await write(sessionRecord('k', { request, cursor: 1 }), false); // record only
      expect((await store.getSession('k'))?.cursor).toBe(1);
      await write(sessionRecord('k', { request, cursor: 2, owner: 'node0002' }), false); // owner moves
      expect(await store.getSession('k')).toEqual(sessionRecord('k', { request, cursor: 2, owner: 'node0002' }));
      await write(sessionRecord('k', { request: { visitorId: 'v2' } as SessionRecord['request'], cursor: 3, owner: 'node0002', chatState: 'ended' })); // visitor id changes
      expect((await store.findSessionsByVisitor(null, 'v2', 10)).map((s) => s.id)).toEqual(['k']);
      expect(await store.findSessionsByVisitor(null, 'v1', 10)).toEqual([]);
      await write(sessionRecord('k', { request: { visitorId: 'v2' } as SessionRecord['request'], cursor: 4, owner: 'node0002', closed: true, chatState: 'ended' }), false);
      expect(await store.loadOpenSessions()).toEqual([]);
      expect((await store.getSession('k'))?.cursor).toBe(4);
    }));

    it('writes the progress alone and reads it merged; a full write supersedes it', withStore(async (store) => {
      const request = { visitorId: 'v1' } as SessionRecord['request'];
      const s = sessionRecord('p', { request, chatState: 'established', agentId: 'a1' });
      await store.write({ ...emptyBatch(), sessions: [toSessionRow(s)] });
      const progressed = { ...s, lastSeenAt: 1500, lastOffset: 4, lastVseq: 3, cursor: 3, confirmed: 2, lastAck: 2, issuedRecent: [1, 3], appliedSeqMax: 7, appliedSeqRecent: [6, 7] };
      await store.write({ ...emptyBatch(), sessions: [toProgressRow(progressed)] });
      expect(await store.getSession('p')).toEqual(progressed);
      expect(await store.loadOpenSessions()).toEqual([progressed]);
      expect(await store.findSessionsByVisitor(null, 'v1', 10)).toEqual([progressed]);
      // A full write carries its own progress; an older progress row must not win over it.
      const ended = { ...progressed, chatState: 'ended' as const, cursor: 4, lastOffset: 5, lastVseq: 4 };
      await store.write({ ...emptyBatch(), sessions: [toSessionRow(ended, false)] });
      expect(await store.getSession('p')).toEqual(ended);
      // A restart reads the same (stores that keep data).
      if (factory.reopen) {
        await store.write({ ...emptyBatch(), sessions: [toProgressRow({ ...ended, cursor: 5 })] });
        const again = await factory.reopen(store);
        try {
          expect(await again.getSession('p')).toEqual({ ...ended, cursor: 5 });
        } finally {
          await again.close();
        }
      }
    }));

    it('rejects progress for a session it never stored, and writes none of that batch', withStore(async (store) => {
      const batch = { ...emptyBatch(), sessions: [toProgressRow(sessionRecord('ghost', { cursor: 1 }))], events: [logEvent('ghost', 1, 1)] };
      await expect(store.write(batch)).rejects.toThrow(/progress written before the session/);
      expect(await store.getSession('ghost')).toBeNull();
      expect(await store.readEvents('ghost', 0, 10)).toEqual([]);
    }));

    it('writes all of a batch or none of it', withStore(async (store) => {
      await store.write({ ...emptyBatch(), events: [logEvent('x', 1, 1)] });
      const bad = { ...emptyBatch(), sessions: [sessionRecord('x', { cursor: 9 })].map((r) => toSessionRow(r)), events: [logEvent('x', 2, 2), logEvent('x', 1, 1, 'not what offset 1 holds')] };
      await expect(store.write(bad)).rejects.toThrow();
      expect(await store.getSession('x')).toBeNull();
      expect((await store.readEvents('x', 0, 10)).map((e) => e.offset)).toEqual([1]);
    }));

    it('keeps button statistics, breadcrumbs, visitor history and meta', withStore(async (store) => {
      await store.write({ ...emptyBatch(), buttonStats: [{ buttonId: 'b1', averageWaitMs: 1500.5, samples: 3 }] });
      await store.write({ ...emptyBatch(), buttonStats: [{ buttonId: 'b1', averageWaitMs: 1400, samples: 4 }] });
      expect(await store.loadButtonStats()).toEqual([{ buttonId: 'b1', averageWaitMs: 1400, samples: 4 }]);
      await store.write({ ...emptyBatch(), visitorBreadcrumbs: [1, 2, 3].map((i) => ({ key: `c-${i}`, visitorId: 'v', orgId: null, location: `https://x/${i}`, at: i })) });
      expect(await store.readBreadcrumbs('org-a', 'v', 2)).toEqual([{ location: 'https://x/2', at: 2 }, { location: 'https://x/3', at: 3 }]);
      const req = (vid: string) => ({ visitorId: vid }) as SessionRecord['request'];
      await store.write({ ...emptyBatch(), sessions: [sessionRecord('old', { request: req('v9'), createdAt: 10 }), sessionRecord('new', { request: req('v9'), createdAt: 20 }), sessionRecord('other', { request: req('v8') })].map((r) => toSessionRow(r)) });
      expect((await store.findSessionsByVisitor(null, 'v9', 10)).map((s) => s.id)).toEqual(['new', 'old']);
      expect(await store.getMeta('k')).toBeNull();
      await store.setMeta('k', 'one');
      await store.setMeta('k', 'two');
      expect(await store.getMeta('k')).toBe('two');
      // A claim stores only where nothing is, and says what is there.
      expect(await store.claimMeta('k', 'three')).toBe('two');
      expect(await store.claimMeta('fresh', 'first')).toBe('first');
      const [x, y] = await Promise.all([store.claimMeta('race', 'a'), store.claimMeta('race', 'b')]);
      expect([x === y, ['a', 'b'].includes(x)], 'both claims agree on one value').toEqual([true, true]);
      expect(await store.getMeta('race')).toBe(x);
      expect(await store.getMeta('fresh')).toBe('first');
    }));

    it('purges closed sessions created before a time, with their events and old breadcrumbs, in batches; open ones stay', withStore(async (store) => {
      const sessions = [
        sessionRecord('old-closed-1', { createdAt: 100, closed: true, lastOffset: 2 }),
        sessionRecord('old-closed-2', { createdAt: 200, closed: true, lastOffset: 1 }),
        sessionRecord('old-closed-3', { createdAt: 300, closed: true, lastOffset: 1 }),
        sessionRecord('old-open', { createdAt: 100, lastOffset: 1 }),
        sessionRecord('new-closed', { createdAt: 5000, closed: true, lastOffset: 1 }),
      ];
      await store.write({
        ...emptyBatch(),
        sessions: sessions.map((r) => toSessionRow(r)),
        events: [logEvent('old-closed-1', 1, 1), logEvent('old-closed-1', 2, 2), logEvent('old-closed-2', 1, 1), logEvent('old-closed-3', 1, 1), logEvent('old-open', 1, 1), logEvent('new-closed', 1, 1)],
        visitorBreadcrumbs: [{ key: 'c1', visitorId: 'v', orgId: null, location: 'https://x/old1', at: 100 }, { key: 'c2', visitorId: 'v', orgId: null, location: 'https://x/old2', at: 200 }, { key: 'c3', visitorId: 'w', orgId: null, location: 'https://x/new', at: 5000 }],
      });
      // A batch of two: two closed sessions and two breadcrumbs go, a full batch says "more may be due".
      expect(await store.purgeClosedBefore(1000, 2)).toEqual({ sessions: 2, breadcrumbs: 2 });
      expect(await store.purgeClosedBefore(1000, 2)).toEqual({ sessions: 1, breadcrumbs: 0 });
      expect(await store.purgeClosedBefore(1000, 2)).toEqual({ sessions: 0, breadcrumbs: 0 });
      for (const id of ['old-closed-1', 'old-closed-2', 'old-closed-3']) {
        expect(await store.getSession(id), id).toBeNull();
        expect(await store.readEvents(id, 0, 10), id).toEqual([]);
      }
      // Open sessions are never purged, whatever their age; newer closed ones stay.
      expect((await store.getSession('old-open'))?.id).toBe('old-open');
      expect((await store.readEvents('old-open', 0, 10)).map((e) => e.offset)).toEqual([1]);
      expect((await store.getSession('new-closed'))?.id).toBe('new-closed');
      expect((await store.readEvents('new-closed', 0, 10)).map((e) => e.offset)).toEqual([1]);
      expect(await store.readBreadcrumbs('org-a', 'v', 10)).toEqual([]);
      expect(await store.readBreadcrumbs('org-a', 'w', 10)).toEqual([{ location: 'https://x/new', at: 5000 }]);
      expect((await store.loadOpenSessions()).map((r) => r.id)).toEqual(['old-open']);
    }));

    it('deletes named sessions with their events (closed ones only) and a visitor\'s breadcrumbs', withStore(async (store) => {
      const rows = [sessionRecord('gone-1', { closed: true, lastOffset: 1 }), sessionRecord('gone-2', { closed: true, lastOffset: 1 }), sessionRecord('still-open', { lastOffset: 1 }), sessionRecord('bystander', { closed: true, lastOffset: 1 })];
      await store.write({ ...emptyBatch(), sessions: rows.map((r) => toSessionRow(r)), events: rows.map((r) => logEvent(r.id, 1, 1)) });
      expect(await store.deleteClosedSessions(['gone-1', 'gone-2', 'still-open', 'never-was'])).toBe(2);
      expect(await store.getSession('gone-1')).toBeNull();
      expect(await store.readEvents('gone-2', 0, 10)).toEqual([]);
      expect((await store.getSession('still-open'))?.id).toBe('still-open');
      expect((await store.readEvents('still-open', 0, 10)).map((e) => e.offset)).toEqual([1]);
      expect((await store.getSession('bystander'))?.id).toBe('bystander');
      expect(await store.deleteClosedSessions([])).toBe(0);
      await store.write({ ...emptyBatch(), visitorBreadcrumbs: [{ key: 'c4', visitorId: 'erase-me', orgId: null, location: 'https://x/1', at: 1 }, { key: 'c5', visitorId: 'erase-me', orgId: null, location: 'https://x/2', at: 2 }, { key: 'c6', visitorId: 'keep-me', orgId: null, location: 'https://x/3', at: 3 }] });
      expect(await store.deleteBreadcrumbs('org-a', 'erase-me', true)).toBe(2);
      expect(await store.readBreadcrumbs('org-a', 'erase-me', 10)).toEqual([]);
      expect(await store.readBreadcrumbs('org-a', 'keep-me', 10)).toEqual([{ location: 'https://x/3', at: 3 }]);
    }));

    it("reads a visitor's history per org: another org's chats and breadcrumbs stay out, those posted without a chat are every org's", withStore(async (store) => {
      const req = (orgId: string, visitorId: string) => ({ orgId, visitorId }) as SessionRecord['request'];
      await store.write({
        ...emptyBatch(),
        sessions: [
          sessionRecord('a-old', { request: req('org-a', 'shared'), createdAt: 10 }),
          sessionRecord('b-chat', { request: req('org-b', 'shared'), createdAt: 20 }),
          sessionRecord('a-new', { request: req('org-a', 'shared'), createdAt: 30 }),
        ].map((r) => toSessionRow(r)),
        visitorBreadcrumbs: [
          { key: 'c7', visitorId: 'shared', orgId: null, location: 'https://before-any-chat', at: 1 },
          { key: 'c8', visitorId: 'shared', orgId: 'org-a', location: 'https://a.example/cart', at: 2 },
          { key: 'c9', visitorId: 'shared', orgId: 'org-b', location: 'https://b.example/private', at: 3 },
        ],
      });
      expect((await store.findSessionsByVisitor('org-a', 'shared', 10)).map((s) => s.id)).toEqual(['a-new', 'a-old']);
      expect((await store.findSessionsByVisitor(null, 'shared', 10)).map((s) => s.id)).toEqual(['a-new', 'b-chat', 'a-old']);
      // The limit counts the org's own chats: org B's one chat is found under org A's newer ones.
      expect((await store.findSessionsByVisitor('org-b', 'shared', 1)).map((s) => s.id)).toEqual(['b-chat']);
      expect(await store.findSessionsByVisitor('org-c', 'shared', 10)).toEqual([]);
      expect(await store.readBreadcrumbs('org-a', 'shared', 10)).toEqual([{ location: 'https://before-any-chat', at: 1 }, { location: 'https://a.example/cart', at: 2 }]);
      expect(await store.readBreadcrumbs('org-b', 'shared', 1)).toEqual([{ location: 'https://b.example/private', at: 3 }]);
      // A session whose request names another org (same visitor) moves with it.
      await store.write({ ...emptyBatch(), sessions: [toSessionRow(sessionRecord('a-old', { request: req('org-b', 'shared'), createdAt: 10 }))] });
      expect((await store.findSessionsByVisitor('org-b', 'shared', 10)).map((s) => s.id)).toEqual(['b-chat', 'a-old']);
      expect((await store.findSessionsByVisitor('org-a', 'shared', 10)).map((s) => s.id)).toEqual(['a-new']);
      // Erasure: an org's own breadcrumbs go, those without an org only when asked, another org's never.
      expect(await store.deleteBreadcrumbs('org-a', 'shared', false)).toBe(1);
      expect(await store.readBreadcrumbs('org-b', 'shared', 10)).toEqual([{ location: 'https://before-any-chat', at: 1 }, { location: 'https://b.example/private', at: 3 }]);
      expect(await store.deleteBreadcrumbs('org-a', 'shared', true)).toBe(1);
      expect(await store.readBreadcrumbs('org-b', 'shared', 10)).toEqual([{ location: 'https://b.example/private', at: 3 }]);
    }));

    it('writes the chat request once: later rows without it keep the stored request; rows from before the request column still read', withStore(async (store) => {
      const request = { visitorId: 'v-req', visitorName: 'Pat', prechatDetails: [{ label: 'Email', value: 'pat@example.com' }] } as unknown as SessionRecord['request'];
      await store.write({ ...emptyBatch(), sessions: [toSessionRow(sessionRecord('q', { request, cursor: 1 }))] });
      await store.write({ ...emptyBatch(), sessions: [toSessionRow(sessionRecord('q', { request, cursor: 7 }), false)] });
      const back = await store.getSession('q');
      expect(back?.cursor).toBe(7);
      expect(back?.request).toEqual(request);
      expect((await store.findSessionsByVisitor(null, 'v-req', 5))[0]?.request).toEqual(request);
      expect((await store.loadOpenSessions()).find((r) => r.id === 'q')?.request).toEqual(request);
      // A row as written before the request had its own column: request inside the record JSON.
      const legacy = sessionRecord('legacy', { request, cursor: 3 });
      await store.write({ ...emptyBatch(), sessions: [{ ...toSessionRow(legacy, false), json: JSON.stringify(legacy) }] });
      expect((await store.getSession('legacy'))?.request).toEqual(request);
      // A session without a request reads back with request null.
      await store.write({ ...emptyBatch(), sessions: [toSessionRow(sessionRecord('bare', { request: null }))] });
      expect((await store.getSession('bare'))?.request).toBeNull();
    }));

    it('stores, lists, replaces and deletes documents by kind', withStore(async (store) => {
      await store.putDocument('user', 'b', { name: 'B' });
      await store.putDocument('user', 'a', { name: 'A' });
      await store.putDocument('apikey', 'a', { other: true });
      await store.putDocument('user', 'a', { name: 'A2' });
      expect(await store.listDocuments('user')).toEqual([{ id: 'a', body: { name: 'A2' } }, { id: 'b', body: { name: 'B' } }]);
      expect(await store.deleteDocument('user', 'a')).toBe(true);
      expect(await store.deleteDocument('user', 'a')).toBe(false);
      expect((await store.listDocuments('user')).map((d) => d.id)).toEqual(['b']);
      expect(await store.listDocuments('apikey')).toHaveLength(1);
      // A claim stores only where nothing is, and says whether it did.
      expect(await store.claimDocument('login', 'ann', { userId: 'u1' })).toBe(true);
      expect(await store.claimDocument('login', 'ann', { userId: 'u2' })).toBe(false);
      expect(await store.claimDocument('user', 'b', { name: 'B2' })).toBe(false);
      expect(await store.listDocuments('login')).toEqual([{ id: 'ann', body: { userId: 'u1' } }]);
      expect(await store.listDocuments('user')).toEqual([{ id: 'b', body: { name: 'B' } }]);
      // Of many claims at once, exactly one wins.
      const wins = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claimDocument('login', 'bea', { userId: `u${i}` })));
      expect(wins.filter(Boolean)).toHaveLength(1);
    }));

    it('takes a batch written again after its answer was lost: stored events are skipped, the rest is written', withStore(async (store) => {
      await store.write({ ...emptyBatch(), sessions: [toSessionRow(sessionRecord('r'))], events: [logEvent('r', 1, 1), logEvent('r', 2, 2)] });
      // The same batch again, with what came after it (the commit queue carries a failed batch forward).
      await store.write({ ...emptyBatch(), sessions: [toSessionRow(sessionRecord('r', { cursor: 3 }))], events: [logEvent('r', 1, 1), logEvent('r', 2, 2), logEvent('r', 3, 3)] });
      expect((await store.readEvents('r', 0, 10)).map((e) => [e.offset, e.data.text])).toEqual([[1, 'm1'], [2, 'm2'], [3, 'm3']]);
      expect((await store.getSession('r'))?.cursor).toBe(3);
    }));

    it('takes a batch written again after its answer was lost: its breadcrumbs are recorded once', withStore(async (store) => {
      const crumb = (key: string, i: number) => ({ key, visitorId: 'v-retry', orgId: 'org-a', location: `https://x/${i}`, at: i });
      const batch = { ...emptyBatch(), sessions: [toSessionRow(sessionRecord('rb'))], events: [logEvent('rb', 1, 1)], visitorBreadcrumbs: [crumb('k1', 1), crumb('k2', 2)] };
      await store.write(batch);
      // The commit queue carries the failed batch, whole and first, into the next write (ADR 0016).
      await store.write({ ...batch, events: [...batch.events, logEvent('rb', 2, 2)], visitorBreadcrumbs: [...batch.visitorBreadcrumbs, crumb('k3', 3)] });
      expect(await store.readBreadcrumbs('org-a', 'v-retry', 10)).toEqual([1, 2, 3].map((i) => ({ location: `https://x/${i}`, at: i })));
      // Two breadcrumbs alike in all but their key are two visits (the same page, the same millisecond).
      await store.write({ ...emptyBatch(), visitorBreadcrumbs: [crumb('k4', 4), crumb('k5', 4)] });
      expect(await store.readBreadcrumbs('org-a', 'v-retry', 10)).toHaveLength(5);
    }));

    it('rejects a second event at the same offset', withStore(async (store) => {
      await store.write({ ...emptyBatch(), events: [logEvent('d', 1, 1)] });
      await expect(store.write({ ...emptyBatch(), events: [logEvent('d', 1, 1, 'again')] })).rejects.toThrow();
      expect((await store.readEvents('d', 0, 10)).map((e) => e.data.text)).toEqual(['m1']);
    }));

    it('wipes its chat data with a wiping batch, or refuses one and changes nothing (the emulator\'s reset)', withStore(async (store) => {
      await store.write({ ...emptyBatch(), sessions: [toSessionRow(sessionRecord('w', { lastOffset: 1, lastVseq: 1 }))], events: [logEvent('w', 1, 1)],
        buttonStats: [{ buttonId: 'b', averageWaitMs: 10, samples: 1 }], visitorBreadcrumbs: [{ key: 'w1', visitorId: 'v', orgId: null, location: 'https://x/', at: 1 }] });
      await store.setMeta('node_id', 'abcdef01');
      await store.putDocument('user', 'u', { name: 'U' });
      // After the wipe the same session id starts over (a new session of a fresh start could not reuse it, but nothing stops it).
      const wiping = { ...emptyBatch(), wipe: true, sessions: [toSessionRow(sessionRecord('after'))], events: [logEvent('after', 1, 1), logEvent('w', 1, 1, 'new')] };
      if (!store.canWipe) {
        await expect(store.write(wiping)).rejects.toThrow(/does not wipe/);
        if (store.writeSync) expect(() => store.writeSync!(wiping)).toThrow(/does not wipe/);
        expect(await store.getSession('w')).not.toBeNull();
        expect(await store.getSession('after')).toBeNull();
        return;
      }
      await store.write(wiping);
      expect(await store.getSession('w')).toBeNull();
      expect((await store.readEvents('w', 0, 10)).map((e) => e.data.text)).toEqual(['new']);
      expect(await store.getSession('after')).not.toBeNull();
      expect(await store.loadButtonStats()).toEqual([]);
      expect(await store.readBreadcrumbs('org', 'v', 10)).toEqual([]);
      expect(await store.getMeta('node_id')).toBe('abcdef01');
      expect(await store.listDocuments('user')).toHaveLength(1);
      // A wiping batch that does not hold is refused whole: nothing is wiped.
      await expect(store.write({ ...emptyBatch(), wipe: true, events: [logEvent('z', 2, 2), logEvent('z', 1, 1)] })).rejects.toThrow();
      expect(await store.getSession('after')).not.toBeNull();
    }));

    it('stores uploaded files with their batch: lists them without bytes, reads one with its exact bytes, by id or by token', withStore(async (store) => {
      const a = chatFile('fs', 'f1', 't1', 3000);
      const b = chatFile('fs', 'f2', 't2', 2000, 0);
      await store.write({ ...emptyBatch(), sessions: [toSessionRow(sessionRecord('fs', { lastOffset: 1 }))], events: [logEvent('fs', 1, null)], files: [a] });
      await store.write({ ...emptyBatch(), files: [b, chatFile('other', 'f3', 't1')] });
      const { bytes: _a, ...metaA } = a;
      const { bytes: _b, ...metaB } = b;
      expect(await store.listChatFiles('fs')).toEqual([metaB, metaA]);
      const read = await store.getChatFile('fs', 'f1');
      expect(read).toEqual({ ...metaA, bytes: expect.any(Uint8Array) as unknown });
      expect(Buffer.from(read!.bytes).equals(Buffer.from(a.bytes))).toBe(true);
      expect((await store.getChatFile('fs', 'f2'))!.bytes.byteLength).toBe(0);
      expect(await store.getChatFile('fs', 'f3')).toBeNull();
      expect(await store.getChatFileByToken('fs', 't2')).toEqual(metaB);
      expect(await store.getChatFileByToken('fs', 'nope')).toBeNull();
      expect(await store.listChatFiles('nobody')).toEqual([]);
    }));

    it('writes a file with its event or neither; a batch written again stores it once; a second file for a token is refused', withStore(async (store) => {
      const file = chatFile('fa', 'f1', 't1');
      // The event at a taken offset fails the batch: the file must not land without it.
      await store.write({ ...emptyBatch(), events: [logEvent('fa', 1, null)] });
      await expect(store.write({ ...emptyBatch(), events: [logEvent('fa', 1, null, 'other')], files: [file] })).rejects.toThrow();
      expect(await store.listChatFiles('fa')).toEqual([]);
      const batch = { ...emptyBatch(), events: [logEvent('fa', 2, null)], files: [file] };
      await store.write(batch);
      await store.write(batch);
      expect((await store.listChatFiles('fa')).map((f) => f.id)).toEqual(['f1']);
      await expect(store.write({ ...emptyBatch(), files: [chatFile('fa', 'f2', 't1')] })).rejects.toThrow();
      expect((await store.listChatFiles('fa')).map((f) => f.id)).toEqual(['f1']);
    }));

    it('deletes files with their session: retention and erasure (closed sessions only)', withStore(async (store) => {
      const closed = (id: string, createdAt: number) => toSessionRow(sessionRecord(id, { closed: true, createdAt }));
      await store.write({ ...emptyBatch(), sessions: [closed('old', 100), closed('gone', 5000), toSessionRow(sessionRecord('open', { createdAt: 100 }))],
        files: [chatFile('old', 'f1', 't'), chatFile('gone', 'f2', 't'), chatFile('open', 'f3', 't')] });
      await store.purgeClosedBefore(1000, 10);
      expect(await store.listChatFiles('old')).toEqual([]);
      expect(await store.getChatFile('old', 'f1')).toBeNull();
      expect(await store.listChatFiles('gone')).toHaveLength(1);
      expect(await store.deleteClosedSessions(['gone', 'open'])).toBe(1);
      expect(await store.listChatFiles('gone')).toEqual([]);
      expect(await store.listChatFiles('open')).toHaveLength(1);
    }));

    it('stores, lists per org (oldest first) and deletes visitor blocks; a taken id is refused', withStore(async (store) => {
      const block = (id: string, orgId: string, createdAt: number, patch: Partial<VisitorBlockRecord> = {}): VisitorBlockRecord => ({
        id, orgId, ipRange: '203.0.113.0/24', reason: 'spam, “again”', createdBy: 'u1', createdAt, expiresAt: null, chatId: null, ...patch,
      });
      expect(await store.listVisitorBlocks(null)).toEqual([]);
      const b2 = block('b2', 'o1', 2000, { ipRange: '2001:db8::/32', expiresAt: 9_000_000_000_000, chatId: 'chat-1', reason: '' });
      await store.putVisitorBlock(b2);
      await store.putVisitorBlock(block('b1', 'o1', 1000));
      await store.putVisitorBlock(block('b0', 'o1', 2000));
      await store.putVisitorBlock(block('x1', 'o2', 500, { ipRange: '1.2.3.4' }));
      expect(await store.listVisitorBlocks('o1')).toEqual([block('b1', 'o1', 1000), block('b0', 'o1', 2000), b2]);
      expect((await store.listVisitorBlocks(null)).map((b) => b.id)).toEqual(['x1', 'b1', 'b0', 'b2']);
      await expect(store.putVisitorBlock(block('b1', 'o2', 3000))).rejects.toThrow();
      expect((await store.listVisitorBlocks('o2')).map((b) => b.id)).toEqual(['x1']);
      // Another org's block is not deleted through this one.
      expect(await store.deleteVisitorBlock('o2', 'b1')).toBe(false);
      expect(await store.deleteVisitorBlock('o1', 'b1')).toBe(true);
      expect(await store.deleteVisitorBlock('o1', 'b1')).toBe(false);
      expect((await store.listVisitorBlocks('o1')).map((b) => b.id)).toEqual(['b0', 'b2']);
    }));

    it('purges the blocks of every org that expired before a time; blocks that never expire stay', withStore(async (store) => {
      const block = (id: string, orgId: string, expiresAt: number | null): VisitorBlockRecord => ({
        id, orgId, ipRange: '203.0.113.0/24', reason: '', createdBy: 'u1', createdAt: 1000, expiresAt, chatId: null,
      });
      // Times past 2^31 ms (as real clock times are), to catch a column or parameter that truncates.
      const T = 1_800_000_000_000;
      for (const b of [block('old1', 'o1', T - 10), block('old2', 'o2', T - 1), block('edge', 'o1', T), block('later', 'o2', T + 1), block('never', 'o1', null)]) {
        await store.putVisitorBlock(b);
      }
      expect(await store.purgeVisitorBlocksExpiredBefore(T)).toBe(2);
      expect((await store.listVisitorBlocks(null)).map((b) => b.id).sort()).toEqual(['edge', 'later', 'never']);
      expect(await store.purgeVisitorBlocksExpiredBefore(T)).toBe(0);
      expect(await store.purgeVisitorBlocksExpiredBefore(Number.MAX_SAFE_INTEGER)).toBe(2);
      expect((await store.listVisitorBlocks(null)).map((b) => b.id)).toEqual(['never']);
    }));

    it('keeps stored quick texts (ADR 0059): the org\'s and each agent\'s own, edits and deletes, read back by a new book', withStore(async (store) => {
      const orgs = [{ id: 'o1', quickTexts: [{ id: 'greeting', title: 'Greeting', text: 'Hello' }] }] as unknown as OrgConfig[];
      const clock = new FakeClock();
      const book = new QuickTextBook(store, clock, orgs, 1000);
      await book.load();
      const org = await book.add('o1', null, 'admin1', { title: 'Prices', text: 'Prices: “€5”\nper month', skills: ['sales'] });
      clock.advance(10);
      const mine = await book.add('o1', 'u1', 'u1', { title: 'Mine', text: 'Cheers, {{agent.name}}' });
      clock.advance(10);
      const gone = await book.add('o1', 'u2', 'u2', { title: 'Other', text: 'x' });
      await book.update('o1', null, org.id, { title: 'Prices 2026' });
      await book.remove('o1', 'u2', gone.id);
      expect((await store.listDocuments(QUICK_TEXT_DOCUMENT)).map((d) => d.id).sort()).toEqual([org.id, mine.id].sort());
      const again = new QuickTextBook(store, clock, orgs, 1000);
      await again.load();
      expect(again.orgList('o1')).toEqual([
        { id: 'greeting', title: 'Greeting', text: 'Hello', skills: [], source: 'config' },
        { id: org.id, title: 'Prices 2026', text: 'Prices: “€5”\nper month', skills: ['sales'], source: 'org' },
      ]);
      expect(again.usableBy('o1', 'u1', ['sales']).map((q) => q.id)).toEqual(['greeting', org.id, mine.id]);
      expect(again.usableBy('o1', 'u2', []).map((q) => q.id)).toEqual(['greeting']);
      expect(again.ownList('o2', 'u1')).toEqual([]);
    }));

    it('lists an org\'s ended chats oldest first by end time, then id (bytewise), from a position, a page at a time (webhooks, ADR 0065)', withStore(async (store) => {
      const chats = [
        chatRecord('c-late', { createdAt: 1, state: 'ended', endedAt: 300, endReason: 'agent', closed: true }),
        chatRecord('c-B', { createdAt: 5, state: 'ended', endedAt: 200, endReason: 'visitor' }),
        chatRecord('c-a', { createdAt: 6, state: 'ended', endedAt: 200, endReason: 'agent' }),
        chatRecord('c-first', { createdAt: 9, state: 'ended', endedAt: 100, endReason: 'Unavailable' }),
        chatRecord('c-running', { createdAt: 2, state: 'established' }),
        chatRecord('c-other-org', { org: 'org-b', createdAt: 3, state: 'ended', endedAt: 150 }),
      ];
      await store.write({ ...emptyBatch(), sessions: chats.map((r) => toSessionRow(r)) });
      const ids = async (after: { endedAt: number; id: string } | null, limit = 10) => (await store.listEndedChats('org-a', after, limit)).map((s) => s.id);
      // 'B' (0x42) sorts before 'a' (0x61) bytewise, whatever a database collation would say.
      expect(await ids(null)).toEqual(['c-first', 'c-B', 'c-a', 'c-late']);
      expect(await ids(null, 2)).toEqual(['c-first', 'c-B']);
      expect(await ids({ endedAt: 200, id: 'c-B' })).toEqual(['c-a', 'c-late']);
      expect(await ids({ endedAt: 200, id: 'c-a' })).toEqual(['c-late']);
      expect(await ids({ endedAt: 300, id: 'c-late' })).toEqual([]);
      expect((await store.listEndedChats('org-a', { endedAt: 250, id: '' }, 10))[0]).toEqual(chats[0]);
      expect((await store.listEndedChats('org-b', null, 10)).map((s) => s.id)).toEqual(['c-other-org']);
      // The backlog behind a position counts what listEndedChats would give, up to the cap.
      expect(await store.countEndedChats('org-a', null, 100)).toBe(4);
      expect(await store.countEndedChats('org-a', null, 3)).toBe(3);
      expect(await store.countEndedChats('org-a', { endedAt: 200, id: 'c-B' }, 100)).toBe(2);
      expect(await store.countEndedChats('org-a', { endedAt: 200, id: '' }, 100)).toBe(3);
      expect(await store.countEndedChats('org-a', { endedAt: 300, id: 'c-late' }, 100)).toBe(0);
      expect(await store.countEndedChats('org-c', null, 100)).toBe(0);
      // A chat that ends later is found after the position it would have had.
      await store.write({ ...emptyBatch(), sessions: [toSessionRow({ ...chats[4]!, chatState: 'ended', endedAt: 400, endReason: 'agent' })] });
      expect(await ids({ endedAt: 300, id: 'c-late' })).toEqual(['c-running']);
      expect(await store.countEndedChats('org-a', { endedAt: 300, id: 'c-late' }, 100)).toBe(1);
    }));

    it('retention keeps the ended chats a webhook has not delivered: an org\'s after its position, whatever their age (ADR 0065)', withStore(async (store) => {
      const closed = { closed: true, state: 'ended' as const, endReason: 'agent' as const };
      const chats = [
        chatRecord('u-delivered', { ...closed, createdAt: 1, endedAt: 100 }),
        chatRecord('u-at', { ...closed, createdAt: 2, endedAt: 200 }),
        chatRecord('u-after', { ...closed, createdAt: 3, endedAt: 300 }),
        chatRecord('u-other-org', { ...closed, org: 'org-b', createdAt: 4, endedAt: 300 }),
        chatRecord('u-never-chatted', { closed: true, state: 'waiting', createdAt: 5 }),
        chatRecord('u-b-late', { ...closed, org: 'org-c', createdAt: 6, endedAt: 900 }),
      ];
      await store.write({ ...emptyBatch(), sessions: chats.map((r) => toSessionRow(r)) });
      // org-a's webhook delivered up to u-delivered; org-c's is at 500 (nothing of it delivered since).
      const keep = [{ orgId: 'org-a', after: { endedAt: 100, id: 'u-delivered' } }, { orgId: 'org-c', after: { endedAt: 500, id: '' } }];
      expect(await store.purgeClosedBefore(1000, 10, { keep })).toEqual({ sessions: 3, breadcrumbs: 0 });
      for (const id of ['u-delivered', 'u-other-org', 'u-never-chatted']) expect(await store.getSession(id), id).toBeNull();
      for (const id of ['u-at', 'u-after', 'u-b-late']) expect((await store.getSession(id))?.id, id).toBe(id);
      // Once delivered (the position moved on, or no webhook asks), they go too.
      // At the same end time, the id decides (bytewise): u-at is delivered, u-after (ended later) not.
      expect(await store.purgeClosedBefore(1000, 10, { keep: [{ orgId: 'org-a', after: { endedAt: 200, id: 'u-at' } }, { orgId: 'org-c', after: { endedAt: 900, id: 'u-b-late' } }] })).toEqual({ sessions: 2, breadcrumbs: 0 });
      expect((await store.getSession('u-after'))?.id).toBe('u-after');
      expect(await store.purgeClosedBefore(1000, 10)).toEqual({ sessions: 1, breadcrumbs: 0 });
    }));

    it('retention on a cluster node sweeps its shard\'s orgs only, and sessions of no org (ADR 0066)', withStore(async (store) => {
      const closed = { closed: true, state: 'ended' as const, endReason: 'agent' as const };
      await store.write({ ...emptyBatch(), sessions: [
        toSessionRow(chatRecord('s-a', { ...closed, org: 'org-a', createdAt: 1, endedAt: 10 })),
        toSessionRow(chatRecord('s-b', { ...closed, org: 'org-b', createdAt: 2, endedAt: 10 })),
        toSessionRow(chatRecord('s-c', { ...closed, org: 'org-c', createdAt: 3, endedAt: 10 })),
        toSessionRow(sessionRecord('s-none', { createdAt: 4, closed: true })),
      ] });
      expect(await store.purgeClosedBefore(1000, 10, { orgs: ['org-a', 'org-c'], keep: [{ orgId: 'org-c', after: { endedAt: 5, id: '' } }] })).toEqual({ sessions: 2, breadcrumbs: 0 });
      expect(await store.getSession('s-a')).toBeNull();
      expect(await store.getSession('s-none')).toBeNull();
      expect((await store.getSession('s-b'))?.id, 'another shard\'s').toBe('s-b');
      expect((await store.getSession('s-c'))?.id, 'kept for its webhook').toBe('s-c');
      expect(await store.purgeClosedBefore(1000, 10, { orgs: [] })).toEqual({ sessions: 0, breadcrumbs: 0 });
      expect(await store.purgeClosedBefore(1000, 10)).toEqual({ sessions: 2, breadcrumbs: 0 });
    }));

    it('the sweep of sessions that never had a chat deletes those only, closed and old enough, and no breadcrumb', withStore(async (store) => {
      const closed = { closed: true, state: 'ended' as const, endReason: 'agent' as const };
      await store.write({ ...emptyBatch(), sessions: [
        toSessionRow(chatRecord('s-chat', { ...closed, org: 'org-a', createdAt: 1, endedAt: 10 })),
        toSessionRow(sessionRecord('s-old', { createdAt: 2, closed: true })),
        toSessionRow(sessionRecord('s-new', { createdAt: 2000, closed: true })),
        toSessionRow(sessionRecord('s-open', { createdAt: 3 })),
      ], visitorBreadcrumbs: [{ key: 'k1', visitorId: 'v1', orgId: null, location: 'https://shop.example.com/', at: 5 }] });
      expect(await store.purgeClosedBefore(1000, 10, { orgs: [], sessionsOnly: true })).toEqual({ sessions: 1, breadcrumbs: 0 });
      expect(await store.getSession('s-old')).toBeNull();
      for (const id of ['s-chat', 's-new', 's-open']) expect((await store.getSession(id))?.id, id).toBe(id);
      expect(await store.purgeClosedBefore(1000, 10)).toEqual({ sessions: 1, breadcrumbs: 1 });
    }));

    describeChatSearch(() => factory.open(), factory.openMigrated);
    describeOfflineMessages(() => factory.open(), factory.reopen);

    if (factory.reopen) {
      const reopen = factory.reopen;
      it('keeps everything across close and reopen', async () => {
        const first = await factory.open();
        await first.write({ ...emptyBatch(), sessions: [sessionRecord('p', { lastOffset: 1 })].map((r) => toSessionRow(r)), events: [logEvent('p', 1, 1)] });
        await first.setMeta('node_id', '0badc0de');
        const block: VisitorBlockRecord = { id: 'b', orgId: 'o1', ipRange: '::ffff:0:0/96', reason: 'r', createdBy: 'config', createdAt: 5, expiresAt: 6, chatId: 'c' };
        await first.putVisitorBlock(block);
        const quickText = await new QuickTextBook(first, new FakeClock(), [], 100).add('o1', 'u1', 'u1', { title: 'Kept', text: 'Across a reopen' });
        await first.close();
        const second = await reopen(first);
        try {
          expect((await second.loadOpenSessions()).map((s) => s.id)).toEqual(['p']);
          expect(await second.readEvents('p', 0, 10)).toEqual([logEvent('p', 1, 1)]);
          expect(await second.getMeta('node_id')).toBe('0badc0de');
          expect(await second.listVisitorBlocks(null)).toEqual([block]);
          const book = new QuickTextBook(second, new FakeClock(), [], 100);
          await book.load();
          expect(book.ownList('o1', 'u1')).toEqual([quickText]);
        } finally {
          await second.close();
        }
      });
    }
  });
}
