/**
 * An in-process store: nothing survives a restart. For tests and for running the
 * emulator in CI where persistence is not wanted (`storage.kind: memory`).
 */
import type { ChatStore, EndedPosition, MigrationOutcome, OfflineMessagePosition, OfflineMessageQuery, OfflinePurgeScope, SessionSearch, SessionSearchPage, PurgeScope } from '../../ports/chat-store.js';
import { compareOpenSessions, fromSessionRow, type BreadcrumbRecord, type ButtonStatsRecord, type ChatFileMeta, type ChatFileRecord, type LogEvent, type OfflineMessageRecord, type SessionRecord, type SessionRow, type VisitorBlockRecord, type WriteBatch } from '../../ports/records.js';
import { inWalk, matchesAll, newestFirst, pageOf, searchPlan, type SearchKeys } from '../session-search-plan.js';

/** A stored session: its row's JSON columns, and what a search filters on (the SQL stores' columns). */
interface StoredSession {
  json: string;
  request: string | null;
  progress: string | null;
  keys: SearchKeys;
}

/** A full row's search keys; its holders are added to those stored (`held`), as the SQL stores add rows. */
function searchKeys(s: SessionRow, held: readonly string[]): SearchKeys {
  const holders = s.holders ? [...new Set([...held, ...s.holders])] : held;
  return { id: s.id, orgId: s.orgId, createdAt: s.createdAt, chatState: s.chatState, agentId: s.agentId, buttonId: s.buttonId, visitorId: s.visitorId, endedAt: s.endedAt, endReason: s.endReason, holders };
}

export class MemoryChatStore implements ChatStore {
  readonly kind = 'memory';
  readonly canWipe = true;
  private sessions = new Map<string, StoredSession>();
  private events = new Map<string, LogEvent[]>();
  private stats = new Map<string, ButtonStatsRecord>();
  private crumbs = new Map<string, Omit<BreadcrumbRecord, 'visitorId'>[]>();
  private meta = new Map<string, string>();
  private docs = new Map<string, string>();
  /** Visitor blocks by id (ADR 0055); an emulator reset keeps them, as it keeps documents. */
  private blocks = new Map<string, VisitorBlockRecord>();
  /** Offline messages by id (ADR 0063); kept by an emulator reset, as blocks are. */
  private offline = new Map<string, OfflineMessageRecord>();
  /** Files by session, in upload order. */
  private files = new Map<string, ChatFileRecord[]>();

  migrate(): Promise<MigrationOutcome> {
    return Promise.resolve({ applied: [], before: 0 });
  }

  scrubDeleted(): Promise<void> {
    return Promise.resolve();
  }

  deleteBreadcrumbs(orgId: string, visitorId: string, withUnattributed: boolean): Promise<number> {
    const list = this.crumbs.get(visitorId) ?? [];
    const keep = list.filter((c) => !(c.orgId === orgId || (withUnattributed && c.orgId === null)));
    if (keep.length) this.crumbs.set(visitorId, keep);
    else this.crumbs.delete(visitorId);
    return Promise.resolve(list.length - keep.length);
  }

  deleteClosedSessions(ids: readonly string[]): Promise<number> {
    let n = 0;
    for (const id of ids) {
      const row = this.sessions.get(id);
      if (!row || !(JSON.parse(row.json) as { closed?: boolean }).closed) continue;
      this.sessions.delete(id);
      this.events.delete(id);
      this.files.delete(id);
      n += 1;
    }
    return Promise.resolve(n);
  }

  purgeClosedBefore(before: number, limit: number, scope: PurgeScope = {}): Promise<{ sessions: number; breadcrumbs: number }> {
    const keep = scope.keep ?? [];
    let sessions = 0;
    for (const [id, row] of this.sessions) {
      if (sessions >= limit) break;
      const r = JSON.parse(row.json) as { closed?: boolean; createdAt?: number };
      if (!r.closed || (r.createdAt ?? Infinity) >= before) continue;
      const { orgId, endedAt } = row.keys;
      if (scope.orgs && orgId !== null && !scope.orgs.includes(orgId)) continue;
      if (endedAt !== null && keep.some((k) => k.orgId === orgId && (endedAt > k.after.endedAt || (endedAt === k.after.endedAt && id > k.after.id)))) continue;
      this.sessions.delete(id);
      this.events.delete(id);
      this.files.delete(id);
      sessions += 1;
    }
    let breadcrumbs = 0;
    if (scope.sessionsOnly) return Promise.resolve({ sessions, breadcrumbs });
    for (const [visitorId, list] of this.crumbs) {
      const keep = list.filter((c) => {
        if (c.at >= before || breadcrumbs >= limit) return true;
        breadcrumbs += 1;
        return false;
      });
      if (keep.length) this.crumbs.set(visitorId, keep);
      else this.crumbs.delete(visitorId);
    }
    return Promise.resolve({ sessions, breadcrumbs });
  }

  write(batch: WriteBatch): Promise<void> {
    // A wiping batch (the emulator's reset) is checked against the empty store it writes into.
    const events = batch.wipe ? new Map<string, LogEvent[]>() : this.events;
    // Validate first so a bad batch changes nothing (all or none, like a transaction).
    const lastOffset = new Map<string, number>();
    // Written before by a batch whose answer was lost: the same events are skipped (see the SQL store).
    const again = new Set<LogEvent>();
    for (const e of batch.events) {
      const prev = lastOffset.get(e.sessionId) ?? events.get(e.sessionId)?.at(-1)?.offset ?? 0;
      if (e.offset <= prev) {
        const stored = events.get(e.sessionId)?.find((x) => x.offset === e.offset);
        if (stored && !lastOffset.has(e.sessionId) && stored.type === e.type && stored.actor === e.actor && stored.at === e.at && JSON.stringify(stored.data) === JSON.stringify(e.data)) {
          again.add(e);
          continue;
        }
        return Promise.reject(new Error(`offset ${e.offset} for ${e.sessionId} is not after ${prev}`));
      }
      lastOffset.set(e.sessionId, e.offset);
    }
    for (const s of batch.sessions) {
      if (s.json === null && (batch.wipe || !this.sessions.has(s.id))) return Promise.reject(new Error(`session ${s.id}: progress written before the session`));
    }
    // A token answered by one file at most (the SQL stores' unique index); the same file again is skipped.
    const files = batch.wipe ? new Map<string, ChatFileRecord[]>() : this.files;
    for (const f of batch.files ?? []) {
      const other = (files.get(f.sessionId) ?? []).find((x) => x.fileToken === f.fileToken || x.id === f.id);
      if (other && other.id !== f.id) return Promise.reject(new Error(`file token ${f.fileToken} of ${f.sessionId} is answered by another file`));
    }
    if (batch.wipe) {
      this.sessions.clear();
      this.events.clear();
      this.stats.clear();
      this.crumbs.clear();
      this.files.clear();
    }
    for (const e of batch.events) {
      if (again.has(e)) continue;
      let log = this.events.get(e.sessionId);
      if (!log) this.events.set(e.sessionId, (log = []));
      log.push(structuredClone(e));
    }
    for (const s of batch.sessions) {
      const stored = this.sessions.get(s.id);
      if (s.json === null) stored!.progress = s.progressJson;
      else this.sessions.set(s.id, { json: s.json, request: s.requestJson ?? stored?.request ?? null, progress: null, keys: searchKeys(s, stored?.keys.holders ?? []) });
    }
    for (const b of batch.buttonStats) this.stats.set(b.buttonId, { ...b });
    for (const f of batch.files ?? []) {
      let list = this.files.get(f.sessionId);
      if (!list) this.files.set(f.sessionId, (list = []));
      if (list.some((x) => x.id === f.id)) continue;
      list.push({ ...f, bytes: new Uint8Array(f.bytes) });
    }
    for (const b of batch.visitorBreadcrumbs) {
      let list = this.crumbs.get(b.visitorId);
      if (!list) this.crumbs.set(b.visitorId, (list = []));
      // Stored already by a batch written again (ADR 0016): skipped, as the SQL stores' unique key does.
      if (list.some((c) => c.key === b.key)) continue;
      list.push({ key: b.key, orgId: b.orgId, location: b.location, at: b.at });
    }
    return Promise.resolve();
  }

  loadOpenSessions(): Promise<SessionRecord[]> {
    return Promise.resolve([...this.sessions.values()].map((s) => fromSessionRow(s.json, s.request, s.progress)).filter((s) => !s.closed).sort(compareOpenSessions));
  }

  getSession(id: string): Promise<SessionRecord | null> {
    const s = this.sessions.get(id);
    return Promise.resolve(s ? fromSessionRow(s.json, s.request, s.progress) : null);
  }

  readEvents(sessionId: string, afterOffset: number, limit: number): Promise<LogEvent[]> {
    const log = this.events.get(sessionId) ?? [];
    const from = firstAfter(log, afterOffset);
    return Promise.resolve(log.slice(from, from + limit).map((e) => structuredClone(e)));
  }

  readEventsOfTypes(sessionId: string, types: readonly string[], afterOffset: number, limit: number): Promise<LogEvent[]> {
    const log = this.events.get(sessionId) ?? [];
    const wanted = new Set(types);
    const out: LogEvent[] = [];
    for (let i = firstAfter(log, afterOffset); i < log.length && out.length < limit; i++) if (wanted.has(log[i]!.type)) out.push(structuredClone(log[i]!));
    return Promise.resolve(out);
  }

  readVisitorEvents(sessionId: string, afterVseq: number, limit: number): Promise<LogEvent[]> {
    const log = this.events.get(sessionId) ?? [];
    return Promise.resolve(log.filter((e) => e.vseq !== null && e.vseq > afterVseq).slice(0, limit).map((e) => structuredClone(e)));
  }

  loadButtonStats(): Promise<ButtonStatsRecord[]> {
    return Promise.resolve([...this.stats.values()].map((s) => ({ ...s })));
  }

  listChatFiles(sessionId: string): Promise<ChatFileMeta[]> {
    const list = [...(this.files.get(sessionId) ?? [])].sort((a, b) => a.uploadedAt - b.uploadedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return Promise.resolve(list.map(({ bytes: _bytes, ...meta }) => meta));
  }

  getChatFile(sessionId: string, fileId: string): Promise<ChatFileRecord | null> {
    const f = this.files.get(sessionId)?.find((x) => x.id === fileId);
    return Promise.resolve(f ? { ...f, bytes: new Uint8Array(f.bytes) } : null);
  }

  getChatFileByToken(sessionId: string, fileToken: string): Promise<ChatFileMeta | null> {
    const f = this.files.get(sessionId)?.find((x) => x.fileToken === fileToken);
    if (!f) return Promise.resolve(null);
    const { bytes: _bytes, ...meta } = f;
    return Promise.resolve(meta);
  }

  readBreadcrumbs(orgId: string, visitorId: string, limit: number): Promise<{ location: string; at: number }[]> {
    const visible = (this.crumbs.get(visitorId) ?? []).filter((c) => c.orgId === orgId || c.orgId === null);
    return Promise.resolve(visible.slice(-limit).map((c) => ({ location: c.location, at: c.at })));
  }

  findSessionsByVisitor(orgId: string | null, visitorId: string, limit: number): Promise<SessionRecord[]> {
    const all = [...this.sessions.values()].map((s) => fromSessionRow(s.json, s.request, s.progress))
      .filter((s) => s.request?.visitorId === visitorId && (orgId === null || s.request.orgId === orgId));
    return Promise.resolve(all.sort((a, b) => b.createdAt - a.createdAt).slice(0, limit));
  }

  /** The same walk as the SQL stores' (session-search-plan.ts), over every session: this store is for tests and CI. */
  searchSessions(q: SessionSearch): Promise<SessionSearchPage> {
    const plan = searchPlan(q);
    const walk = [...this.sessions.values()].filter((s) => inWalk(s.keys, q, plan)).sort((a, b) => newestFirst(a.keys, b.keys));
    const walked = plan.residual ? walk.slice(0, q.scanLimit) : walk;
    const matches: StoredSession[] = [];
    for (const s of walked) {
      if (!matchesAll(s.keys, q)) continue;
      matches.push(s);
      if (matches.length > q.limit) break;
    }
    const last = walked[walked.length - 1];
    const page = pageOf(matches.map((s) => ({ ...s.keys, stored: s })), q.limit, plan.residual && last ? { last: { createdAt: last.keys.createdAt, id: last.keys.id }, more: walk.length > walked.length } : null);
    return Promise.resolve({ sessions: page.items.map((k) => fromSessionRow(k.stored.json, k.stored.request, k.stored.progress)), next: page.next });
  }

  listEndedChats(orgId: string, after: EndedPosition | null, limit: number): Promise<SessionRecord[]> {
    const ended = [...this.sessions.values()].map((s) => s.keys)
      .filter((k): k is SearchKeys & { endedAt: number } => k.orgId === orgId && k.endedAt !== null
        && (after === null || k.endedAt > after.endedAt || (k.endedAt === after.endedAt && k.id > after.id)))
      .sort((a, b) => a.endedAt - b.endedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, limit);
    return Promise.resolve(ended.map((k) => {
      const s = this.sessions.get(k.id)!;
      return fromSessionRow(s.json, s.request, s.progress);
    }));
  }

  countEndedChats(orgId: string, after: EndedPosition | null, cap: number): Promise<number> {
    let n = 0;
    for (const { keys: k } of this.sessions.values()) {
      if (n >= cap) break;
      if (k.orgId === orgId && k.endedAt !== null && (after === null || k.endedAt > after.endedAt || (k.endedAt === after.endedAt && k.id > after.id))) n++;
    }
    return Promise.resolve(n);
  }

  getMeta(key: string): Promise<string | null> {
    return Promise.resolve(this.meta.get(key) ?? null);
  }

  claimMeta(key: string, value: string): Promise<string> {
    if (!this.meta.has(key)) this.meta.set(key, value);
    return Promise.resolve(this.meta.get(key)!);
  }

  setMeta(key: string, value: string): Promise<void> {
    this.meta.set(key, value);
    return Promise.resolve();
  }

  listDocuments(kind: string): Promise<{ id: string; body: unknown }[]> {
    const prefix = `${kind}\u0000`;
    const out = [...this.docs.entries()].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => ({ id: k.slice(prefix.length), body: JSON.parse(v) as unknown }));
    return Promise.resolve(out.sort((a, b) => (a.id < b.id ? -1 : 1)));
  }

  putDocument(kind: string, id: string, body: unknown): Promise<void> {
    this.docs.set(`${kind}\u0000${id}`, JSON.stringify(body));
    return Promise.resolve();
  }

  claimDocument(kind: string, id: string, body: unknown): Promise<boolean> {
    const key = `${kind}\u0000${id}`;
    if (this.docs.has(key)) return Promise.resolve(false);
    this.docs.set(key, JSON.stringify(body));
    return Promise.resolve(true);
  }

  deleteDocument(kind: string, id: string): Promise<boolean> {
    return Promise.resolve(this.docs.delete(`${kind}\u0000${id}`));
  }

  listVisitorBlocks(orgId: string | null): Promise<VisitorBlockRecord[]> {
    const out = [...this.blocks.values()].filter((b) => orgId === null || b.orgId === orgId)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return Promise.resolve(out.map((b) => ({ ...b })));
  }

  putVisitorBlock(block: VisitorBlockRecord): Promise<void> {
    if (this.blocks.has(block.id)) return Promise.reject(new Error(`visitor block ${block.id} exists`));
    this.blocks.set(block.id, { ...block });
    return Promise.resolve();
  }

  deleteVisitorBlock(orgId: string, id: string): Promise<boolean> {
    if (this.blocks.get(id)?.orgId !== orgId) return Promise.resolve(false);
    return Promise.resolve(this.blocks.delete(id));
  }

  purgeVisitorBlocksExpiredBefore(before: number): Promise<number> {
    let n = 0;
    for (const [id, b] of this.blocks) if (b.expiresAt !== null && b.expiresAt < before && this.blocks.delete(id)) n++;
    return Promise.resolve(n);
  }

  putOfflineMessage(m: OfflineMessageRecord): Promise<void> {
    if (this.offline.has(m.id)) return Promise.reject(new Error(`offline message ${m.id} exists`));
    this.offline.set(m.id, { ...m });
    return Promise.resolve();
  }

  listOfflineMessages(q: OfflineMessageQuery): Promise<OfflineMessageRecord[]> {
    const b = q.before;
    const out = [...this.offline.values()]
      .filter((m) => m.orgId === q.orgId && (q.status === undefined || m.status === q.status) && (!b || m.createdAt < b.createdAt || (m.createdAt === b.createdAt && m.id < b.id)))
      .sort((x, y) => y.createdAt - x.createdAt || (x.id < y.id ? 1 : x.id > y.id ? -1 : 0));
    return Promise.resolve(out.slice(0, q.limit).map((m) => ({ ...m })));
  }

  updateOfflineMessage(orgId: string, id: string, change: Pick<OfflineMessageRecord, 'status' | 'handledBy' | 'handledAt'>): Promise<OfflineMessageRecord | null> {
    const m = this.offline.get(id);
    if (m?.orgId !== orgId) return Promise.resolve(null);
    Object.assign(m, change);
    return Promise.resolve({ ...m });
  }

  deleteOfflineMessage(orgId: string, id: string): Promise<boolean> {
    if (this.offline.get(id)?.orgId !== orgId) return Promise.resolve(false);
    return Promise.resolve(this.offline.delete(id));
  }

  listOfflineMessagesAfter(orgId: string, after: OfflineMessagePosition | null, limit: number): Promise<OfflineMessageRecord[]> {
    const out = [...this.offline.values()].filter((m) => m.orgId === orgId && isAfter(m, after))
      .sort((x, y) => x.createdAt - y.createdAt || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    return Promise.resolve(out.slice(0, limit).map((m) => ({ ...m })));
  }

  countOfflineMessagesAfter(orgId: string, after: OfflineMessagePosition | null, cap: number): Promise<number> {
    let n = 0;
    for (const m of this.offline.values()) if (n < cap && m.orgId === orgId && isAfter(m, after)) n++;
    return Promise.resolve(n);
  }

  purgeOfflineMessagesBefore(before: number, scope: OfflinePurgeScope = {}): Promise<number> {
    return Promise.resolve(this.deleteOfflineWhere((m) => m.createdAt < before && (!scope.orgs || scope.orgs.includes(m.orgId))
      && !(scope.keep ?? []).some((k) => k.orgId === m.orgId && isAfter(m, k.after))));
  }

  deleteOfflineMessagesByEmail(orgId: string, email: string): Promise<number> {
    const key = email.toLowerCase();
    return Promise.resolve(this.deleteOfflineWhere((m) => m.orgId === orgId && m.email.toLowerCase() === key));
  }

  private deleteOfflineWhere(match: (m: OfflineMessageRecord) => boolean): number {
    let n = 0;
    for (const [id, m] of this.offline) if (match(m) && this.offline.delete(id)) n++;
    return n;
  }

  ping(): Promise<boolean> {
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Index of the first event with offset > `after` in a log kept in offset order: a
 * page of a long chat costs the page, not a pass over (and a copy of) the whole log.
 */
function firstAfter(log: readonly LogEvent[], after: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (log[mid]!.offset > after) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** `m` comes after `after` in the oldest-first order (creation time, then id bytewise); null: every message does. */
function isAfter(m: OfflineMessageRecord, after: OfflineMessagePosition | null): boolean {
  return after === null || m.createdAt > after.createdAt || (m.createdAt === after.createdAt && m.id > after.id);
}
