/**
 * One visitor session in memory: its durable record, the tail of its event log
 * the visitor has not confirmed yet, and the poll it is holding. The owning node
 * is the only writer, so offsets are assigned here without a round trip.
 */
import { holdersChangedSince, sameApartFromProgress, shapeApartFromProgress, toProgressRow, toSessionRow, type Actor, type LogEvent, type RecordShape, type SessionRecord, type SessionRow } from '../ports/records.js';
import type { CommitQueue, RowSource } from './commit-queue.js';

/** What a session hands its changes to: the commit queue, or nothing once it was discarded. */
type ChangeSink = Pick<CommitQueue, 'addEvent' | 'markDirty' | 'markDirtyLazily'>;

/** The sink of a discarded session: its changes go nowhere (see ChatSession.discard). */
const DISCARDED: ChangeSink = { addEvent: () => undefined, markDirty: () => undefined, markDirtyLazily: () => undefined };

/** A Messages request waiting for events. */
export interface HeldPoll {
  /** Called when a durable visitor event arrives or the session changes. */
  wake(): void;
}

/** How many delivered events stay in memory for re-delivery after an old ack. */
const DELIVERED_KEPT = 16;
const ISSUED_KEPT = 32;
const APPLIED_SEQ_KEPT = 64;

/** The sequences a session applied, and their nouns (ADR 0031, ADR 0050): what tells a retry. */
export type AppliedSequences = Pick<SessionRecord, 'appliedSeqRecent' | 'appliedSeqNouns'>;

/** A copy of a record's applied sequences (kept for a closed session after its record goes). */
export function appliedOf(r: AppliedSequences): AppliedSequences {
  const copy: AppliedSequences = { appliedSeqRecent: [...r.appliedSeqRecent] };
  if (r.appliedSeqNouns) copy.appliedSeqNouns = r.appliedSeqNouns.map(([seq, noun]) => [seq, noun]);
  return copy;
}

/**
 * Whether a request numbered `seq` for `noun` repeats one `applied` holds: its number is
 * in the window and was applied to the same noun (or to no recorded noun), or is below a
 * full window. For an open session and for a closed one alike: a new request on a closed
 * session is refused, a retry of the one that closed it is answered again.
 */
export function isRetryOf(applied: AppliedSequences, seq: number, noun: string): boolean {
  if (applied.appliedSeqRecent.includes(seq)) {
    // A retry repeats its request: the same number for another noun is a client that numbers its
    // nouns apart (ChasitorInit 1, then its messages from 1), and dropping it would lose a message.
    const nouns = applied.appliedSeqNouns;
    if (nouns === undefined || !nouns.some(([s]) => s === seq)) return true; // recorded before nouns were kept
    return nouns.some(([s, n]) => s === seq && n === noun);
  }
  const oldest = applied.appliedSeqRecent.length >= APPLIED_SEQ_KEPT ? Math.min(...applied.appliedSeqRecent) : -Infinity;
  return seq < oldest;
}

/**
 * Agent clientMessageIds remembered per chat: retries come within seconds and a
 * client keeps few sends in flight (the SDK one per chat), so a short list does.
 */
const CLIENT_IDS_KEPT = 32;

export class ChatSession implements RowSource {
  /** Visitor-visible events that may still be (re)delivered, ascending by vseq. */
  private tail: LogEvent[] = [];
  /** False after a restart until the tail was read back from the store. */
  tailLoaded: boolean;
  heldPoll: HeldPoll | null = null;
  /** The visitor's last typing state (ChasitorTyping / NotTyping) logged in this process; undefined after a restart. */
  visitorTyping: boolean | undefined;
  /** Increments with every Messages request; an older poll that sees a newer number gives way. */
  pollGeneration = 0;
  /**
   * Whether the previous Messages request was answered with messages (as far as this process
   * knows: true after a restart, which keeps the rewind a lost answer needs). A repeated ack after
   * an empty answer (204) is not a lost answer: nothing was in it (applyAck).
   */
  private previousPollDelivered = true;
  /**
   * The visitor closed this session itself (ChatEnd, DELETE SessionId): the poll it
   * still holds ends like a quiet one (204), not with 403. In memory only: a poll
   * held now is a poll of this process.
   */
  endedByVisitor = false;
  /**
   * A 503 was answered and no request has passed the affinity check since: ResyncSession and
   * ReconnectSession are allowed, also again when an answer was lost (ADR 0058, note).
   */
  recoveryPending = false;
  /** Timer for the current offer (routing), if any. */
  offerTimer: { cancel(): void } | null = null;
  /** Expires the open conference invitation (SessionRecord.conferenceInvite), in memory only. */
  inviteTimer: { cancel(): void } | null = null;
  /** When the open offer goes to someone else (epoch ms); what a re-announced offer says. */
  offerExpiresAt = 0;
  /**
   * Order of first queueing, the tie-break between chats queued in the same
   * millisecond; kept across requeues and, stored in the record, across restarts.
   */
  get queueTicket(): number | null {
    return this.record.queueSeq ?? null;
  }

  private queue: ChangeSink;

  constructor(
    public record: SessionRecord,
    queue: CommitQueue,
    fresh: boolean,
  ) {
    this.queue = queue;
    this.tailLoaded = fresh;
  }

  /**
   * The emulator's reset dropped this session (ADR 0022): it is closed and its chat
   * ended, and whatever still holds it (a request awaiting a store read, a held poll
   * about to answer) can change it no more in a way that is written: its store rows
   * were wiped, and nothing of it may follow the wipe.
   */
  discard(): void {
    this.record.closed = true;
    this.record.chatState = 'ended';
    this.queue = DISCARDED;
    this.offerTimer?.cancel();
    this.offerTimer = null;
    this.inviteTimer?.cancel();
    this.inviteTimer = null;
  }

  get id(): string {
    return this.record.id;
  }

  /** Queues this session's record for the next group commit. */
  touchRecord(): void {
    this.queue.markDirty(this.record.id, this);
  }

  /** Notes a change that rides with this session's next strict write, without causing a commit (CommitQueue.markDirtyLazily). */
  private touchRecordLazily(): void {
    this.queue.markDirtyLazily(this.record.id, this);
  }

  /**
   * The request object last handed to a write: requests never change, so it is
   * written once.
   */
  private writtenRequest: SessionRecord['request'] | undefined = undefined;
  /** The record apart from its progress as last written in full (null: never, on this node). */
  private writtenShape: RecordShape | null = null;

  /**
   * The row for the next write (CommitQueue): only the progress fields when
   * nothing else changed since the last full write (most writes: a message moves
   * offsets and the cursor), else the whole record (docs/adr/0013). The first
   * write on this node is always full, so a row is never progress-only before it exists.
   * A full row carries the holders only when they changed (an accept), or on the
   * first write on this node: their rows (migration 0010) are written only then.
   */
  rowForWrite(): SessionRow {
    const r = this.record;
    if (this.writtenShape !== null && r.request === this.writtenRequest && sameApartFromProgress(r, this.writtenShape)) return toProgressRow(r);
    const row = toSessionRow(r, r.request !== this.writtenRequest, holdersChangedSince(r, this.writtenShape));
    this.writtenRequest = r.request;
    this.writtenShape = shapeApartFromProgress(r);
    return row;
  }

  /** The write that carried the last row failed: the next one is full again, request and holders included. */
  writeFailed(): void {
    this.writtenRequest = undefined;
    this.writtenShape = null;
  }

  /**
   * Appends an event to the log. Visitor-visible events get the next visitor
   * sequence. The event is durable once the commit queue has flushed.
   */
  append(type: string, actor: Actor, data: Record<string, unknown>, visibleToVisitor: boolean, at: number): LogEvent {
    const r = this.record;
    r.lastOffset += 1;
    const event: LogEvent = { sessionId: r.id, offset: r.lastOffset, vseq: null, type, actor, at, data };
    if (visibleToVisitor) {
      r.lastVseq += 1;
      event.vseq = r.lastVseq;
      this.tail.push(event);
    }
    this.queue.addEvent(event);
    this.touchRecord();
    return event;
  }

  /**
   * The contiguous run of events after `afterVseq` held in memory, or null when
   * the next one is not in memory and the store must be read.
   */
  cachedVisitorEvents(afterVseq: number): LogEvent[] | null {
    if (afterVseq >= this.record.lastVseq) return [];
    if (!this.tailLoaded) return null;
    const start = this.tail.findIndex((e) => e.vseq === afterVseq + 1);
    if (start < 0) return null;
    const run: LogEvent[] = [];
    for (let i = start; i < this.tail.length && this.tail[i]!.vseq === afterVseq + 1 + run.length; i++) run.push(this.tail[i]!);
    return run;
  }

  /** Installs events read from the store as the tail (after a restart or a deep rewind). */
  adoptTail(events: LogEvent[]): void {
    const known = new Set(this.tail.map((e) => e.vseq));
    const merged = [...events.filter((e) => !known.has(e.vseq)), ...this.tail];
    merged.sort((a, b) => a.vseq! - b.vseq!);
    this.tail = merged;
    this.tailLoaded = true;
  }

  /**
   * This agent's send with this clientMessageId, if it was applied recently: its offset, and
   * the textHash of its text as sent (undefined for one remembered before hashes were kept).
   */
  clientIdSend(id: string, agentId: string): { offset: number; textHash: number | undefined } | undefined {
    const known = this.record.agentClientIds?.find(([cid, , by]) => cid === id && (by === undefined || by === agentId));
    return known ? { offset: known[1], textHash: known[3] } : undefined;
  }

  /**
   * Remembers a send's clientMessageId in the record, so it is written with the
   * send itself and survives a restart; the last CLIENT_IDS_KEPT are kept. With the
   * hash of its text as sent, so a "retry" with other words is told it is none.
   */
  rememberClientId(id: string, offset: number, agentId: string, sentText: string): void {
    const kept = (this.record.agentClientIds ??= []);
    kept.push([id, offset, agentId, textHash(sentText)]);
    if (kept.length > CLIENT_IDS_KEPT) kept.splice(0, kept.length - CLIENT_IDS_KEPT);
    this.touchRecord();
  }

  /** Takes back a payload whose poll was abandoned before the response went out. */
  undoDelivery(lastVseq: number, previousCursor: number): void {
    const r = this.record;
    if (r.cursor !== lastVseq) return;
    this.previousPollDelivered = false;
    r.cursor = previousCursor;
    r.issuedRecent = r.issuedRecent.filter((s) => s !== lastVseq);
    this.touchRecord();
  }

  /** Moves the delivery cursor (session recovery); events after it will be delivered. */
  resetCursor(vseq: number): void {
    const r = this.record;
    r.cursor = Math.max(0, Math.min(vseq, r.lastVseq));
    r.confirmed = Math.min(r.confirmed, r.cursor);
    r.issuedRecent = r.issuedRecent.filter((s) => s <= r.cursor);
    this.touchRecord();
  }

  /**
   * Moves the cursor over a resync block that ReconnectSession found after the client's
   * offset (`replaySkips`), when the cursor has reached it: the client resumed from before
   * the snapshot, so it gets the originals, and the snapshot and re-sent copies would repeat
   * them. Only once something follows the block (or the chat has ended, so that the poll
   * after the final event can see that all was delivered): an idle client that repeats its
   * ack (a rewind to it, see applyAck) then costs no write per poll.
   */
  passResyncBlocks(): void {
    const r = this.record;
    const skips = r.replaySkips;
    if (skips === undefined) return;
    for (const [from, to] of skips) {
      if (r.cursor !== from - 1 || !(r.lastVseq > to || r.chatState === 'ended')) continue;
      r.cursor = to;
      this.touchRecord();
    }
  }

  /** Records a payload handed to a poll. */
  markDelivered(lastVseq: number): void {
    const r = this.record;
    this.previousPollDelivered = true;
    r.cursor = lastVseq;
    r.issuedRecent.push(lastVseq);
    if (r.issuedRecent.length > ISSUED_KEPT) r.issuedRecent.splice(0, r.issuedRecent.length - ISSUED_KEPT);
    this.trimTail();
    this.touchRecord();
  }

  /**
   * Applies a client's ack (wire-compat.md): -1 or absent says nothing; an ack
   * the server never issued is ignored. An issued ack below the cursor rewinds
   * only when the client repeats the ack of its previous poll and that poll was
   * answered with messages — that is what a client does when the response to that
   * poll was lost. A client counting its own polls never repeats a value, and one
   * whose count trails by one (it counts the 200s it read from -1) repeats it only
   * after an empty answer, which held nothing to lose: neither is sent anything twice.
   * Called once per Messages request, at its start.
   */
  applyAck(ack: number | undefined): void {
    const r = this.record;
    const previous = r.lastAck ?? null;
    const previousDelivered = this.previousPollDelivered;
    this.previousPollDelivered = false;
    // The ack bookkeeping is lazily durable: it rides with this session's next
    // strict write, and every delivery (a cursor move) is one, so a crash can only
    // lose ack changes made after the last delivery, which no rewind depends on.
    if (ack !== undefined && ack !== previous) {
      r.lastAck = ack;
      this.touchRecordLazily();
    }
    if (ack === undefined || ack < 0 || ack > r.cursor) return;
    if (ack === r.cursor) {
      if (r.confirmed !== ack) { r.confirmed = ack; this.trimTail(); this.touchRecordLazily(); }
      return;
    }
    // 0 is never issued (sequences start at 1): a client that sends it on every poll (an
    // unread `sequence` defaulting to 0) would otherwise get its first payload for ever.
    if (ack !== previous || !previousDelivered || ack < r.confirmed || !r.issuedRecent.includes(ack)) return;
    r.cursor = ack;
    r.confirmed = ack;
    r.issuedRecent = r.issuedRecent.filter((s) => s <= ack);
    this.touchRecord();
  }

  /**
   * Retry detection for X-LIVEAGENT-SEQUENCE: true when this sequence was applied
   * already. Sequences may arrive out of order from concurrent requests, so a
   * window of recent ones is kept rather than only the highest.
   */
  isDuplicateSequence(seq: number, noun: string): boolean {
    return isRetryOf(this.record, seq, noun);
  }

  /**
   * ResyncSession: the guide calls the key it returns "the session key for the new
   * session", so a client may number its requests from 1 again. The next sequenced
   * request settles how it counts (settleSequenceRestart). Written with the record,
   * so a restart in between does not forget it.
   */
  allowSequenceRestart(): void {
    this.record.sequenceRestartAllowed = true;
    this.touchRecord();
  }

  /**
   * Called with every sequenced request before the retry check. The first one after
   * a ResyncSession settles the question: sequence 1 means the client numbers from 1
   * again, and the window of applied sequences starts over, so that its 1, 2, … are
   * not taken for retries of the old count's (nothing is lost). Any other number
   * means it goes on counting, and the window stays (its retries are still
   * recognised). A retry of the old count's 1 is not plausible here: the client has
   * sent more since, and a ChasitorInit, the usual 1, is ignored when applied again.
   * docs/adr/0031.
   */
  settleSequenceRestart(seq: number): void {
    const r = this.record;
    if (!r.sequenceRestartAllowed) return;
    r.sequenceRestartAllowed = false;
    if (seq === 1) {
      r.appliedSeqRecent = [];
      r.appliedSeqMax = 0;
      if (r.appliedSeqNouns) r.appliedSeqNouns = [];
    }
    this.touchRecord();
  }

  recordSequence(seq: number, noun: string): void {
    const r = this.record;
    if (!r.appliedSeqRecent.includes(seq)) r.appliedSeqRecent.push(seq);
    const nouns = (r.appliedSeqNouns ??= []);
    nouns.push([seq, noun]);
    if (r.appliedSeqRecent.length > APPLIED_SEQ_KEPT) {
      r.appliedSeqRecent.sort((a, b) => a - b);
      r.appliedSeqRecent.splice(0, r.appliedSeqRecent.length - APPLIED_SEQ_KEPT);
    }
    // Only numbers still in the window need their nouns; a number reused for many nouns is bounded too.
    if (nouns.length > APPLIED_SEQ_KEPT) r.appliedSeqNouns = nouns.filter(([s]) => r.appliedSeqRecent.includes(s)).slice(-APPLIED_SEQ_KEPT * 2);
    r.appliedSeqMax = Math.max(r.appliedSeqMax, seq);
    this.touchRecord();
  }

  /** Keeps undelivered events plus a few delivered ones for cheap re-delivery. */
  private trimTail(): void {
    const keepFrom = Math.max(this.record.confirmed, this.record.cursor - DELIVERED_KEPT);
    // In place, not a filtered copy: a replaced array that was already promoted
    // would keep its events alive through young-generation GCs until a full one.
    let drop = 0;
    while (drop < this.tail.length && this.tail[drop]!.vseq! <= keepFrom) drop++;
    if (drop) this.tail.splice(0, drop);
  }
}

/**
 * A 32-bit FNV-1a hash of a text: enough to tell a retried send (the same words) from another
 * send that reuses its clientMessageId, without keeping the text in the record.
 */
export function textHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
