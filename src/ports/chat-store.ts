import type { ButtonStatsRecord, ChatFileMeta, ChatFileRecord, ChatState, LogEvent, OfflineMessageRecord, SessionRecord, VisitorBlockRecord, WriteBatch } from './records.js';

/** A place in the newest-first order of an org's chats: a session's creation time, then its id (both never change). */
export interface SearchPosition {
  createdAt: number;
  id: string;
}

/**
 * Which chats of one org `searchSessions` returns. Every filter given must hold;
 * time ranges are half-open, `from` included and `to` not.
 */
export interface SessionSearch {
  orgId: string;
  chatState?: ChatState | undefined;
  /**
   * An agent the chat is or was with: its agent now (`SessionRecord.agentId`: holding it,
   * offered it, or the last to hold it) or any who held it before (`SessionRecord.holders`:
   * it was transferred, reassigned or taken over from them), or any who joined a conference
   * on it (`SessionRecord.participated`, docs/adr/0051 note). docs/adr/0023, note.
   */
  agentId?: string | undefined;
  /** The button the chat was requested on (its request's `buttonId`, fixed), not the one it is routed through now. */
  buttonId?: string | undefined;
  visitorId?: string | undefined;
  endReason?: string | undefined;
  createdFrom?: number | undefined;
  createdTo?: number | undefined;
  endedFrom?: number | undefined;
  endedTo?: number | undefined;
  /** Only sessions after this place in the order (older, or as old with a smaller id): the previous page's `next`. */
  after?: SearchPosition | undefined;
  /** At most this many sessions come back. */
  limit: number;
  /**
   * Bounds the work of one call (docs/adr/0023): the store walks at most this many of the
   * org's sessions that match its most selective indexed filter, and stops there with
   * what matched the other filters among them, possibly nothing, and `next` set.
   */
  scanLimit: number;
}

/** A place in the newest-first order of an org's offline messages: creation time, then id. */
export interface OfflineMessagePosition {
  createdAt: number;
  id: string;
}

/** Which of one org's offline messages `listOfflineMessages` returns, newest first (creation time, then id). */
export interface OfflineMessageQuery {
  orgId: string;
  status?: 'new' | 'handled' | undefined;
  /** Only messages after this place in the order (older, or as old with a smaller id). */
  before?: OfflineMessagePosition | undefined;
  limit: number;
}

/** An org's offline messages retention must keep: those after `after`, not sent by a webhook yet (ADR 0068). */
export interface UndeliveredOfflineMessages {
  orgId: string;
  after: OfflineMessagePosition;
}

/** Which offline messages retention may delete (purgeOfflineMessagesBefore). */
export interface OfflinePurgeScope {
  keep?: readonly UndeliveredOfflineMessages[];
  orgs?: readonly string[];
}

/** A place in the oldest-first order of an org's ended chats: when the chat ended, then its id. */
/**
 * An org's ended chats that retention must keep: those after `after` in a webhook's order (ended
 * later, or at the same time with a greater id, bytewise), i.e. not delivered yet (ADR 0065).
 */
export interface UndeliveredChats {
  orgId: string;
  after: EndedPosition;
}

/** Which closed sessions retention may delete (purgeClosedBefore). */
export interface PurgeScope {
  keep?: readonly UndeliveredChats[];
  orgs?: readonly string[];
  /** Sessions only: no breadcrumb is deleted (the sweep of sessions that never had a chat). */
  sessionsOnly?: boolean;
}

export interface EndedPosition {
  endedAt: number;
  id: string;
}

/** One page of a search: the sessions, newest first, and where the next page starts (null: nothing older matches). */
export interface SessionSearchPage {
  sessions: SessionRecord[];
  next: SearchPosition | null;
}

/**
 * Durable storage for sessions and their event logs. Implemented by the memory,
 * SQLite and PostgreSQL adapters; `src/adapters/chat-store-conformance.ts` is the
 * suite every one of them passes.
 */
/** What a start-up's migrations did (ChatStore.migrate). */
export interface MigrationOutcome {
  /** The migrations applied by this start, in order. */
  applied: string[];
  /** How many had been applied before it (0: the store was new). */
  before: number;
}

export interface ChatStore {
  readonly kind: string;
  /**
   * True when `write` honours `WriteBatch.wipe` (the emulator's reset, ADR 0022): the
   * memory store only. A durable store refuses such a batch rather than keep data the
   * caller believes gone.
   */
  readonly canWipe?: boolean;
  /**
   * Creates or upgrades the schema (migrations are code, run at start-up). Says which
   * migrations ran now and how many had run before (0: a new store), for the start-up log.
   */
  migrate(): Promise<MigrationOutcome>;
  /**
   * Writes a batch atomically: all of it or none of it. The batch is the
   * caller's again once the promise settles (the commit queue empties and reuses
   * it): an adapter copies whatever it keeps.
   */
  write(batch: WriteBatch): Promise<void>;
  /**
   * The same write for stores that do it synchronously (SQLite): returns once the
   * batch is durable, throws if it is not. The commit queue prefers it when present.
   */
  writeSync?(batch: WriteBatch): void;
  /**
   * Sessions that are not closed, for recovery at start-up, in `compareOpenSessions` (records.ts)
   * order (queued first, first; then the stored arrival order `queueSeq`, creation, id): the order
   * the chats are queued again in.
   */
  loadOpenSessions(): Promise<SessionRecord[]>;
  /** One session by id, open or closed. */
  getSession(id: string): Promise<SessionRecord | null>;
  /**
   * Events with offset > afterOffset, in order, at most `limit`: the paged read of
   * a log (transcripts, the demo bot's catch-up), so no caller needs a chat's whole
   * log in memory at once.
   */
  readEvents(sessionId: string, afterOffset: number, limit: number): Promise<LogEvent[]>;
  /**
   * Events of the given types with offset > afterOffset, in order, at most `limit`:
   * a few events of a long log (who held a chat: its ChatEstablished and
   * ChatTransferred) without reading the rest of it out of the store.
   */
  readEventsOfTypes(sessionId: string, types: readonly string[], afterOffset: number, limit: number): Promise<LogEvent[]>;
  /** Visitor-visible events with vseq > afterVseq, in order, at most `limit`. */
  readVisitorEvents(sessionId: string, afterVseq: number, limit: number): Promise<LogEvent[]>;
  loadButtonStats(): Promise<ButtonStatsRecord[]>;
  /** The files uploaded into a session's chat, without their bytes, oldest first (upload time, then id). */
  listChatFiles(sessionId: string): Promise<ChatFileMeta[]>;
  /** One file of a session, with its bytes; null when the session has no file with that id. */
  getChatFile(sessionId: string, fileId: string): Promise<ChatFileRecord | null>;
  /** The file that answered a request (its token) in a session, without its bytes; null when none did. */
  getChatFileByToken(sessionId: string, fileToken: string): Promise<ChatFileMeta | null>;
  /**
   * The latest `limit` breadcrumbs of a visitor id, oldest first: those of
   * `orgId`'s chats and those posted without a chat (no org), never another
   * org's. Visitor ids are client-chosen or shared by one browser across the
   * sites a server hosts, so one org must not read what another recorded.
   */
  readBreadcrumbs(orgId: string, visitorId: string, limit: number): Promise<{ location: string; at: number }[]>;
  /** Sessions of a visitor id, newest first: `orgId`'s only, or every org's when null (erasure needs to know). */
  findSessionsByVisitor(orgId: string | null, visitorId: string, limit: number): Promise<SessionRecord[]>;
  /**
   * The chats of one org, newest first (creation time, then id, both descending),
   * filtered, a page at a time (keyset: `after` is the previous page's `next`).
   * Sessions without a chat request belong to no org and never come back. Paging
   * on until `next` is null returns every matching session exactly once, however
   * many are created meanwhile (they are newer than any page's place); a page can
   * be short, or empty, with `next` set when `scanLimit` stopped the walk.
   */
  searchSessions(query: SessionSearch): Promise<SessionSearchPage>;
  /**
   * The ended chats of one org (`endedAt` set), oldest first by when they ended, then id
   * (bytewise), after `after` (null: from the first), at most `limit`: what a webhook
   * sender reads from its cursor (ADR 0065). Ids order bytewise in every store.
   */
  listEndedChats(orgId: string, after: EndedPosition | null, limit: number): Promise<SessionRecord[]>;
  /**
   * How many ended chats of the org come after `after` in listEndedChats' order, counted up
   * to `cap` (a webhook's backlog, ADR 0065: read on an admin's request, never per scrape).
   */
  countEndedChats(orgId: string, after: EndedPosition | null, cap: number): Promise<number>;
  /**
   * Retention: deletes up to `limit` closed sessions created before `before` (ms)
   * with all their events and files, and up to `limit` breadcrumbs recorded before it, in
   * one transaction. Open sessions are never touched. Returns what went, so the
   * caller repeats while a batch comes back full. `scope.keep`: chats a webhook has not
   * delivered yet (ADR 0065), each org's after its position, stay whatever their age.
   * `scope.orgs`: only sessions of these orgs (and of none: a session that never asked for a
   * chat), for a cluster node that sweeps its shard's orgs (ADR 0066); absent, every org's.
   */
  purgeClosedBefore(before: number, limit: number, scope?: PurgeScope): Promise<{ sessions: number; breadcrumbs: number }>;
  /**
   * Erasure: deletes these sessions with all their events and files, those that are closed
   * only (an open one is left as it is). Returns how many were deleted.
   */
  deleteClosedSessions(ids: readonly string[]): Promise<number>;
  /**
   * Erasure: deletes a visitor id's breadcrumbs of `orgId`'s chats, and those
   * posted without a chat too when `withUnattributed`; returns how many.
   */
  deleteBreadcrumbs(orgId: string, visitorId: string, withUnattributed: boolean): Promise<number>;
  /**
   * After an erasure or a retention sweep deleted something: make what the store can
   * of the deleted text unreadable in its files (SQLite: empty the write-ahead log;
   * its deleted cells are already overwritten, secure_delete). PostgreSQL leaves that
   * to VACUUM (docs/agent-api.md); the memory store has nothing to do.
   */
  scrubDeleted(): Promise<void>;
  /** A small key/value area for node identity and the like. */
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;
  /**
   * Stores `value` under `key` unless the key has one, atomically, and resolves with the value
   * the key has then: two nodes starting at once on a new store agree on the first one written.
   */
  claimMeta(key: string, value: string): Promise<string>;
  /** JSON documents by kind (users, API keys) for the admin API. */
  listDocuments(kind: string): Promise<{ id: string; body: unknown }[]>;
  putDocument(kind: string, id: string, body: unknown): Promise<void>;
  deleteDocument(kind: string, id: string): Promise<boolean>;
  /**
   * Stores the document only if none of that kind and id exists, atomically across every
   * node on the store (cluster mode's shards share one database): true when this call
   * stored it, false when one was there already (left as it was).
   */
  claimDocument(kind: string, id: string, body: unknown): Promise<boolean>;
  /**
   * Visitor blocks (ADR 0055, migration 0012): `orgId`'s, or every org's when null (loaded
   * at start-up), oldest first (creation time, then id), expired ones included.
   */
  listVisitorBlocks(orgId: string | null): Promise<VisitorBlockRecord[]>;
  /** Stores a new block; refused (rejects) when its id is taken. */
  putVisitorBlock(block: VisitorBlockRecord): Promise<void>;
  /** Deletes one of `orgId`'s blocks; false when it has none with that id. */
  deleteVisitorBlock(orgId: string, id: string): Promise<boolean>;
  /**
   * Deletes every org's blocks whose `expiresAt` is before `before` (clock ms; blocks that
   * never expire are kept), for the retention sweeper; returns how many went.
   */
  purgeVisitorBlocksExpiredBefore(before: number): Promise<number>;
  /** Stores a visitor's offline message (ADR 0063, migration 0013); resolves once it is durable, rejects when its id is taken. */
  putOfflineMessage(message: OfflineMessageRecord): Promise<void>;
  /** One org's offline messages, newest first, filtered, a page at a time (keyset on creation time and id). */
  listOfflineMessages(query: OfflineMessageQuery): Promise<OfflineMessageRecord[]>;
  /** Sets the status of one of `orgId`'s messages (and who handled it, when); the message as it is now, null when the org has none by that id. */
  updateOfflineMessage(orgId: string, id: string, change: Pick<OfflineMessageRecord, 'status' | 'handledBy' | 'handledAt'>): Promise<OfflineMessageRecord | null>;
  /** Deletes one of `orgId`'s messages; false when it has none with that id. */
  deleteOfflineMessage(orgId: string, id: string): Promise<boolean>;
  /**
   * One org's offline messages after `after` (null: from the first), oldest first (creation time,
   * then id bytewise): what a webhook has still to send (ADR 0068).
   */
  listOfflineMessagesAfter(orgId: string, after: OfflineMessagePosition | null, limit: number): Promise<OfflineMessageRecord[]>;
  /** How many of the org's offline messages come after `after` in listOfflineMessagesAfter's order, counted up to `cap`. */
  countOfflineMessagesAfter(orgId: string, after: OfflineMessagePosition | null, cap: number): Promise<number>;
  /**
   * Retention: deletes offline messages created before `before` (clock ms) but those a webhook
   * has not sent yet (`keep`), of `orgs` only when given (a cluster node's); returns how many went.
   */
  purgeOfflineMessagesBefore(before: number, scope?: OfflinePurgeScope): Promise<number>;
  /** Erasure: deletes `orgId`'s offline messages left with this email address (compared without case); returns how many. */
  deleteOfflineMessagesByEmail(orgId: string, email: string): Promise<number>;
  /**
   * Makes this process the store's writer (ADR 0048), once the node lock is held and
   * before anything is loaded: raises the writer epoch kept in the store (`meta`
   * `writer_epoch`) and remembers the new value. PostgreSQL then reads it, row-locked,
   * at the start of every write transaction and refuses the write with
   * {@link WriterFencedError} when another node has raised it since: the raise waits
   * for this node's writes under way, and every later one fails. `onFenced` is told
   * (once) when that first happens. SQLite raises the epoch only (its lock cannot be
   * lost while the process lives); the memory store has none. `key` is the meta key of the
   * epoch: a cluster's shard has its own (`writer_epoch:shard:<id>`, ADR 0066), so shards
   * never fence each other off.
   */
  claimWriter?(onFenced: () => void, key?: string): Promise<number>;
  /** True when the store answers (readiness). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** A write refused because another node took the store over (ADR 0048): nothing of it was written. */
export class WriterFencedError extends Error {
  constructor(readonly ownEpoch: number, readonly storeEpoch: string | null) {
    super(`another node took over this store: writer epoch ${storeEpoch ?? '(none)'} is not this node's ${ownEpoch}; the write was refused`);
    this.name = 'WriterFencedError';
  }
}

export function emptyBatch(): WriteBatch {
  return { sessions: [], events: [], buttonStats: [], visitorBreadcrumbs: [], files: [], wipe: false };
}
