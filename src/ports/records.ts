/**
 * What the store keeps. Records are plain data so every adapter (memory, SQLite,
 * PostgreSQL) stores the same shapes and one conformance suite checks them all.
 */

/** Where a chat is in its life. */
export type ChatState = 'none' | 'waiting' | 'offered' | 'established' | 'ended';

/** Who produced an event. */
export type Actor = 'visitor' | 'agent' | 'system';

/** The chat request a visitor made with ChasitorInit, as the agent side sees it. */
export interface ChatRequestRecord {
  orgId: string;
  deploymentId: string;
  buttonId: string;
  visitorName: string;
  visitorId: string;
  agentId?: string | undefined;
  doFallback: boolean;
  buttonOverrides: string[];
  receiveQueueUpdates: boolean;
  prechatDetails: unknown[];
  prechatEntities: unknown[];
  userAgent: string;
  language: string;
  screenResolution: string;
  extra: Record<string, unknown>;
  ipAddress: string;
  /** Where the visitor is, as a trusted proxy reported it (settings.trustGeoHeaders); null when unknown. */
  geoLocation?: { countryCode: string; countryName: string; region?: string; city?: string; latitude?: number; longitude?: number } | null;
}

/** A chat's routing as it was before a transfer (SessionRecord.transferOrigin). */
export interface TransferOrigin {
  readonly routedButtonId: string;
  readonly queueKey: string;
}

/** An open invitation of an agent into a chat's conference (SessionRecord.conferenceInvite). */
export interface ConferenceInvite {
  /** The invited agent. */
  agentId: string;
  /** The holder who invited it. */
  from: string;
  /** When the invitation expires unanswered (clock ms). */
  expiresAt: number;
}

/**
 * A flag the chat's holder raised to ask a supervisor for help (SessionRecord.flag, ADR 0056).
 * Replaced, never changed in place (a full write compares the record's fields by identity).
 */
export interface ChatFlag {
  /** The agent who raised it: the chat's holder then. */
  raisedBy: string;
  /** What it asks (masked as agent text, ADR 0052); empty when none was given. */
  message: string;
  /** When it was first raised (clock ms); a new message keeps it. */
  raisedAt: number;
}

/** One visitor session (SessionId) and the chat inside it. */
export interface SessionRecord {
  id: string;
  key: string;
  /** Affinity token of the node that owns the session. */
  owner: string;
  /** Identifies this log; changes only if the log had to be recreated. */
  epoch: string;
  createdAt: number;
  /** Last time the visitor was heard from (any request). */
  lastSeenAt: number;
  chatState: ChatState;
  request: ChatRequestRecord | null;
  /** Button the chat is currently routed through (changes on transfer to a button). */
  routedButtonId: string | null;
  agentId: string | null;
  queuedAt: number | null;
  /**
   * Arrival order in the queue, the tie-break between chats queued in the same millisecond:
   * handed out, increasing, when the chat first enters a queue, and kept across requeues,
   * transfers and restarts. Absent on records written before it was kept (the first start
   * queues them again with one and writes it) and on chats never queued.
   */
  queueSeq?: number | null;
  /**
   * When the chat last went into a queue (epoch ms): its request, or its coming back after its
   * agent dropped, a transfer to a skill or button, a transfer that failed back into its queue.
   * `queuedAt` stays the first request (it orders the line); this is what a supervisor's
   * `waitingMs` counts from (ADR 0008, note "waits"). Absent on records written before it was
   * kept and on chats never queued: `queuedAt` stands in.
   */
  waitingSince?: number | null;
  /**
   * The place in line the chat was told when its request was queued (ChatRequestSuccess
   * `queuePosition`): its first answer records its wait divided by this, the time per place in
   * line the estimate is made of (ADR 0008 §10, note "waits"). 0 for a request for one named agent
   * (it stands in no line: it records nothing). Absent on records written before it was kept
   * (they record nothing either).
   */
  entryPosition?: number | null;
  establishedAt: number | null;
  endedAt: number | null;
  endReason: string | null;
  /**
   * The page the visitor was last on: the session's latest Visitor/Breadcrumb, before or during
   * the chat. It is ChatRequestSuccess's and ChasitorSessionData's `url`. `storedFor`: the visitor
   * id it was stored under as a breadcrumb (null: none, a session with neither a chat nor a
   * cookie), so ChasitorInit stores it for the chat's visitor when it was not. Replaced, never
   * changed in place. Absent until the first breadcrumb.
   */
  visitorLocation?: { href: string; at: number; storedFor: string | null } | null;
  /** Router queue holding the chat: a button id or `skill:<orgId>:<name>` (transfers to a skill, one queue per org). */
  queueKey?: string | null;
  /** Agent who started a transfer still in progress. */
  transferFrom?: string | null;
  /** Agent a transfer (or reassignment) is aimed at. */
  transferTo?: string | null;
  /** When the transfer in progress was asked for (epoch ms); absent on records written before it was kept. */
  transferSince?: number | null;
  /**
   * How the chat was routed when the transfer in progress started (a transfer to
   * a button or a skill moves `routedButtonId` / `queueKey` at once, so that the
   * target's agents get it): put back when the transfer does not happen, so the
   * chat is routed exactly as before. Replaced, never changed in place.
   */
  transferOrigin?: TransferOrigin | null;
  /** Agents that declined or let the current offer time out (in this rerouting round: ADR 0071). */
  declinedBy: string[];
  /**
   * The rerouting round of a request every agent passed on, when its button reroutes declined
   * requests (ADR 0071): absent in the first round. Absent on records written before it was kept.
   */
  routingRound?: number;
  /**
   * Every agent (or supervisor) who has held the chat, in the order they first took it: one who
   * acts on it after it was taken from them hears "no longer yours" (409), not "not yours" (403).
   * Absent on records written before it was kept.
   */
  holders?: string[];
  /**
   * Agents in a conference on the chat besides its holder (`agentId`), in the order they joined
   * (docs/adr/0051). Each counts the chat in its load. Absent or empty: no conference.
   */
  participants?: string[];
  /**
   * Every agent who joined a conference on the chat, in the order they first joined; kept after
   * they leave (docs/adr/0051, note): "My past chats", the chat search by agent and the
   * transcript count them as agents who were in the chat, beside `holders`. Absent on records
   * written before it was kept.
   */
  participated?: string[];
  /**
   * The holder's conference invitation still open, if any: one at a time per chat. Replaced,
   * never changed in place. Absent on records written before conferences existed.
   */
  conferenceInvite?: ConferenceInvite | null;
  /**
   * The holder's raised flag, if any (docs/adr/0056): lowered by the holder or a supervisor, and
   * when the chat ends or leaves its holder. Absent on records written before flags existed.
   */
  flag?: ChatFlag | null;
  /** Last log offset appended (all audiences). */
  lastOffset: number;
  /** Last visitor sequence assigned (visitor-visible events only, dense). */
  lastVseq: number;
  /** Visitor delivery cursor: highest vseq handed to a poll. */
  cursor: number;
  /** Highest vseq the visitor confirmed with an ack. */
  confirmed: number;
  /** The ack of the previous poll: a rewind needs the client to repeat it (see applyAck). */
  lastAck?: number | null;
  /** Sequences recently answered to polls: only these are honoured as a rewinding ack. */
  issuedRecent: number[];
  /** Highest X-LIVEAGENT-SEQUENCE applied, and a window of recent ones (retry detection). */
  appliedSeqMax: number;
  appliedSeqRecent: number[];
  /**
   * The noun each number in appliedSeqRecent was applied to (`[sequence, noun]`): a retry repeats its
   * request, so a request for another noun under a used number is applied (a client that numbers
   * ChasitorInit and its messages apart). Absent on records written before it was kept; a number
   * without an entry is a retry for any noun, as it was then.
   */
  appliedSeqNouns?: [number, string][];
  /**
   * Set by ResyncSession until the next sequenced request: if that request's
   * X-LIVEAGENT-SEQUENCE is 1, the client numbers from 1 again and the window above
   * starts over (docs/adr/0031). Not a progress field: it changes twice per resync,
   * and each change is written in full, with the sequence state it goes with.
   * Absent on records written before it was kept (no resync pending).
   */
  sequenceRestartAllowed?: boolean;
  /**
   * Set by ReconnectSession: the visitor sequences `[from, to]` of each resync block (a
   * ChasitorSessionData snapshot and the copies re-sent after it) that lies after the offset
   * the client resumed from. The poll passes over such a block (ChatSession.passResyncBlocks):
   * the client gets the original events after its offset, and the block only repeats them for
   * the client that resynced. Not a progress field: written in full when a reconnect sets it.
   * Absent when no reconnect found one.
   */
  replaySkips?: [number, number][];
  /**
   * Recent agent `clientMessageId`s with the offset each send got, so that a
   * retried send is answered with the first one's offset and not applied twice —
   * also when the retry reaches the server after a restart. The third item is the
   * sending agent: ids are the sender's, so after a transfer the next agent's
   * `hello-<chatId>` is a new message (entries written before it had none).
   */
  agentClientIds?: [string, number, string?, number?][];
  /**
   * The agent's file request still waiting for its upload (docs/adr/0049-file-transfer.md):
   * at most one per chat. Written with its FileTransfer event, cleared in the batch that
   * writes the file or logs the cancel. Absent on records written before it was kept.
   */
  fileRequest?: { token: string; requestedAt: number } | null;
  /** The session is over and every message was delivered: requests answer 403. */
  closed: boolean;
}

/** One entry of a session's ordered, durable event log. */
export interface LogEvent {
  sessionId: string;
  /** Position in the session's log, dense from 1. */
  offset: number;
  /** Position among visitor-visible events (dense from 1), or null when the visitor never sees it. */
  vseq: number | null;
  type: string;
  actor: Actor;
  at: number;
  data: Record<string, unknown>;
}

/** Per-button routing statistics that must survive a restart. */
export interface ButtonStatsRecord {
  buttonId: string;
  /**
   * Moving average of the wait per place in line in milliseconds (W = a chat's wait ÷ the position it
   * entered the line at; A = 0.9·A' + 0.1·W once warmed up, ADR 0008 §10), null when unknown. Stored
   * before that note, it was the average of whole waits: those converge as new samples come.
   */
  averageWaitMs: number | null;
  samples: number;
}

/**
 * A session as written: the record serialized once, plus the indexed columns.
 * The chat request (prechat data, user agent…: most of a record's size) is its
 * own column, written when it is new and otherwise left as stored, so the
 * writes that follow every message carry only the small, changing part.
 *
 * Most writes change only the session's progress (offsets, cursor, acks,
 * sequences): then `json` is null and `progressJson` carries just those fields
 * (the `progress` column), so a message does not re-serialize the whole record
 * (docs/adr/0013). A full write stores the whole record and clears the progress.
 */
export interface SessionRow {
  id: string;
  owner: string;
  closed: boolean;
  visitorId: string | null;
  /** The org the chat was requested in (its request's orgId): visitor history is read per org. */
  orgId: string | null;
  createdAt: number;
  /**
   * What a chat search filters on (migration 0008, docs/adr/0023): the record's
   * state, agent, end time and reason, and the request's button. None of them is a
   * progress field, so they change only with full writes, a few times per chat.
   */
  chatState: SessionRecord['chatState'];
  agentId: string | null;
  /** The button the chat was requested on (its request's buttonId). */
  buttonId: string | null;
  endedAt: number | null;
  endReason: string | null;
  /**
   * The agents who were in the chat — who held it (`SessionRecord.holders`) or joined a conference
   * on it (`participated`, ADR 0051 note) — when this write must store them: they changed since
   * the last full write (an accept, a join), or it is the first one. A chat search finds a chat
   * under each of them (migration 0010, docs/adr/0023). Null leaves those stored as they are, as
   * most full writes and every progress write do. They are only ever added.
   */
  holders: string[] | null;
  /** JSON of the SessionRecord without its `request`; null: unchanged but for the progress. */
  json: string | null;
  /** JSON of the progress fields when only they are written (`json` null); null otherwise. */
  progressJson: string | null;
  /** JSON of the request when it must be written; null keeps the stored one. */
  requestJson: string | null;
}

/** The fields that change with every message or poll (see SessionRow). */
export const PROGRESS_FIELDS = ['lastSeenAt', 'lastOffset', 'lastVseq', 'cursor', 'confirmed', 'lastAck', 'issuedRecent', 'appliedSeqMax', 'appliedSeqRecent', 'appliedSeqNouns', 'agentClientIds'] as const;
export type SessionProgress = Pick<SessionRecord, (typeof PROGRESS_FIELDS)[number]>;
const isProgressField = new Set<string>(PROGRESS_FIELDS);

/**
 * Serializes a record at the moment of the call (later changes do not leak in).
 * `withRequest: false` leaves the stored request as it is (the caller knows it
 * was written already and has not changed: requests never change once made);
 * `withHolders: false` likewise leaves the stored holders (they have not changed).
 */
export function toSessionRow(r: SessionRecord, withRequest = true, withHolders = true): SessionRow {
  const request = r.request;
  // Serialized in place with the request blanked out, rather than from a copy
  // without it: this runs for every message, and a 30-field copy per write is garbage.
  r.request = null;
  let json: string;
  try {
    json = JSON.stringify(r);
  } finally {
    r.request = request;
  }
  return {
    id: r.id, owner: r.owner, closed: r.closed, visitorId: request?.visitorId ?? null, orgId: request?.orgId ?? null, createdAt: r.createdAt,
    chatState: r.chatState, agentId: r.agentId, buttonId: request?.buttonId ?? null, endedAt: r.endedAt, endReason: r.endReason,
    holders: withHolders ? agentsInChat(r) : null, json, progressJson: null,
    requestJson: withRequest && request ? JSON.stringify(request) : null,
  };
}

/** A write of the progress fields alone, for a session whose other fields are as last written in full. */
export function toProgressRow(r: SessionRecord): SessionRow {
  const progress: SessionProgress = {
    lastSeenAt: r.lastSeenAt, lastOffset: r.lastOffset, lastVseq: r.lastVseq, cursor: r.cursor, confirmed: r.confirmed, lastAck: r.lastAck ?? null,
    issuedRecent: r.issuedRecent, appliedSeqMax: r.appliedSeqMax, appliedSeqRecent: r.appliedSeqRecent,
  };
  // Only chats whose agent sends with clientMessageIds have them (an optional field stays absent).
  if (r.agentClientIds) progress.agentClientIds = r.agentClientIds;
  if (r.appliedSeqNouns) progress.appliedSeqNouns = r.appliedSeqNouns;
  return {
    id: r.id, owner: r.owner, closed: r.closed, visitorId: r.request?.visitorId ?? null, orgId: r.request?.orgId ?? null, createdAt: r.createdAt,
    chatState: r.chatState, agentId: r.agentId, buttonId: r.request?.buttonId ?? null, endedAt: r.endedAt, endReason: r.endReason,
    holders: null, json: null, progressJson: JSON.stringify(progress), requestJson: null,
  };
}

/**
 * What a record looked like apart from its progress and request, to tell later
 * whether only the progress changed (sameApartFromProgress). Arrays are copied:
 * the record's own are changed in place.
 */
export interface RecordShape {
  fields: Record<string, unknown>;
  count: number;
}

export function shapeApartFromProgress(r: SessionRecord): RecordShape {
  const fields: Record<string, unknown> = {};
  let count = 0;
  for (const [k, v] of Object.entries(r)) {
    if (k === 'request' || isProgressField.has(k)) continue;
    fields[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
    count += 1;
  }
  return { fields, count };
}

/**
 * True when every field but the progress and the request is as in `shape`. Runs
 * for every session write, so it compares in place (no copies, no keys array).
 */
export function sameApartFromProgress(r: SessionRecord, shape: RecordShape): boolean {
  const fields = r as unknown as Record<string, unknown>;
  let compared = 0;
  for (const k in fields) {
    if (k === 'request' || isProgressField.has(k)) continue;
    const now = fields[k];
    const then = shape.fields[k];
    compared += 1;
    if (now === then) continue;
    if (!Array.isArray(now) || !Array.isArray(then) || now.length !== then.length) return false;
    for (let i = 0; i < now.length; i++) if (now[i] !== then[i]) return false;
  }
  // A field that was there then and is gone now (an optional one deleted) is a change too.
  return compared === shape.count;
}

/**
 * The agents a chat search finds the chat under (SessionRow.holders): its holders, then the
 * conference participants who never held it; null when there are none.
 */
function agentsInChat(r: SessionRecord): string[] | null {
  if (!r.participated?.length) return r.holders?.length ? [...r.holders] : null;
  const all = [...(r.holders ?? [])];
  for (const a of r.participated) if (!all.includes(a)) all.push(a);
  return all;
}

/**
 * True when the record's holders (or conference participants) differ from those in `shape`
 * (the record as last written in full; null: never written on this node): the next full write
 * must store them. They change at an accept or a join only, so this is rarely true.
 */
export function holdersChangedSince(r: SessionRecord, shape: RecordShape | null): boolean {
  if (shape === null) return true;
  return listChanged(shape.fields['holders'] as readonly string[] | undefined, r.holders)
    || listChanged(shape.fields['participated'] as readonly string[] | undefined, r.participated);
}

function listChanged(then: readonly string[] | undefined, now: readonly string[] | undefined): boolean {
  if (now === undefined || then === undefined) return now !== then;
  return now.length !== then.length || now.some((a, i) => a !== then[i]);
}

/**
 * Rebuilds a record from its row: the request column wins over (older rows')
 * request inside the JSON, and the progress column, when set, over the progress
 * fields inside it.
 */
export function fromSessionRow(json: string, requestJson: string | null, progressJson: string | null = null): SessionRecord {
  const r = JSON.parse(json) as SessionRecord;
  if (requestJson !== null) r.request = JSON.parse(requestJson) as ChatRequestRecord;
  else r.request ??= null;
  if (progressJson !== null) Object.assign(r, JSON.parse(progressJson) as SessionProgress);
  return r;
}

/** A file's metadata, as the agent API lists it (ChatFile). */
export interface ChatFileMeta {
  sessionId: string;
  /** Unique in the store. */
  id: string;
  /** The request it answered: at most one file per token and session. */
  fileToken: string;
  name: string;
  contentType: string;
  size: number;
  /** Hex SHA-256 of the bytes. */
  sha256: string;
  uploadedAt: number;
}

/** A file a visitor uploaded (docs/adr/0049-file-transfer.md): written in the batch of its ChasitorFileUploaded event. */
export interface ChatFileRecord extends ChatFileMeta {
  bytes: Uint8Array;
}

/** Everything one group commit writes, atomically. */
export interface WriteBatch {
  sessions: SessionRow[];
  events: LogEvent[];
  buttonStats: ButtonStatsRecord[];
  visitorBreadcrumbs: BreadcrumbRecord[];
  /**
   * Uploaded files, written with the event that announces each (ChasitorFileUploaded) and
   * the record that no longer holds its request: the three land together or not at all.
   * One already stored (a batch written again, ADR 0016) is skipped by its id. Absent: none.
   */
  files?: ChatFileRecord[];
  /**
   * Emulator reset (ADR 0022): before the rest of the batch, in the same transaction,
   * delete every session, event, breadcrumb and wait statistic (meta and documents
   * stay). Sent only to a store whose `canWipe` is true.
   */
  wipe?: boolean;
}

/**
 * A page a visitor was on. `orgId` is the org of the chat it was posted in; a
 * breadcrumb posted without a chat (Visitor/Breadcrumb carries no org) has none.
 */
export interface BreadcrumbRecord {
  /**
   * Unique per breadcrumb, given when it is queued: a batch written again after its
   * COMMIT's answer was lost (docs/adr/0016) must not record it twice, and nothing
   * else tells two visits to the same page in the same millisecond apart.
   */
  key: string;
  visitorId: string;
  orgId: string | null;
  location: string;
  at: number;
}

/**
 * The order `ChatStore.loadOpenSessions` answers in, the same on every store: by the time the
 * chat was queued (a session never queued by its creation), then its stored arrival order
 * (`queueSeq`), then its creation, then its id. Start-up queues the chats again in this order
 * and with their stored tie-break, so two chats queued in the same millisecond keep the order
 * they came in across restarts and stores, not whatever order a table scan gives. Compared in code, not in SQL: no collation or JSON path differs between backends.
 */
export function compareOpenSessions(a: SessionRecord, b: SessionRecord): number {
  const byTime = (a.queuedAt ?? a.createdAt) - (b.queuedAt ?? b.createdAt);
  if (byTime) return byTime;
  // The stored arrival order decides. A record written before it was kept sorts first (it was
  // written by the older server, so before the upgrade), then by creation time and id, as before.
  const seqA = a.queueSeq ?? null;
  const seqB = b.queueSeq ?? null;
  if (seqA !== null && seqB !== null && seqA !== seqB) return seqA - seqB;
  if ((seqA === null) !== (seqB === null)) return seqA === null ? -1 : 1;
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * A visitor block (ADR 0055): chat requests from an address in `ipRange` to the org's
 * buttons are refused, and its buttons look offline to that address. Made by an admin
 * (the admin API) or by an agent from a chat (`chatId`); the config file's blocks are
 * never stored.
 */
export interface VisitorBlockRecord {
  id: string;
  orgId: string;
  /** One address or a CIDR range, canonical (protocol/ip-range.ts). */
  ipRange: string;
  /** Why, as its author wrote it ('' when none). */
  reason: string;
  /** The user who made it. */
  createdBy: string;
  createdAt: number;
  /** When it stops applying (clock ms); null: never. */
  expiresAt: number | null;
  /** The chat it was made from; null when made by an admin. */
  chatId: string | null;
}

/**
 * A message a visitor left when no one could chat (ADR 0063, migration 0013): its text
 * already masked by the org's sensitive data rules.
 */
export interface OfflineMessageRecord {
  id: string;
  orgId: string;
  deploymentId: string;
  buttonId: string;
  name: string;
  email: string;
  /** '' when the visitor gave none. */
  subject: string;
  message: string;
  language: string | null;
  createdAt: number;
  status: 'new' | 'handled';
  handledBy: string | null;
  handledAt: number | null;
}
