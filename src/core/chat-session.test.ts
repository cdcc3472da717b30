/**
 * What a session hands the group commit (docs/adr/0013): the progress fields
 * alone while nothing else changed since its last full write, the whole record
 * as soon as anything else did — found by comparison, whatever code changed it.
 */
import { describe, expect, it } from 'vitest';
import { MemoryChatStore } from '../adapters/memory/memory-chat-store.js';
import { sessionRecord } from '../adapters/chat-store-conformance.js';
import { fromSessionRow, type SessionRecord, type SessionRow } from '../ports/records.js';
import { ChatSession } from './chat-session.js';
import { CommitQueue } from './commit-queue.js';

function session(patch: Partial<SessionRecord> = {}): ChatSession {
  const queue = new CommitQueue(new MemoryChatStore(), () => undefined, () => undefined);
  return new ChatSession(sessionRecord('s', { request: { visitorId: 'v' } as SessionRecord['request'], chatState: 'established', agentId: 'a1', ...patch }), queue, true);
}

const kind = (row: SessionRow) => (row.json === null ? 'progress' : row.requestJson === null ? 'full' : 'full+request');

describe('ChatSession.rowForWrite', () => {
  it('writes the whole record first, then only the progress while nothing else changes', () => {
    const s = session();
    expect(kind(s.rowForWrite())).toBe('full+request');
    s.record.lastOffset += 1;
    s.record.lastVseq += 1;
    s.record.cursor += 1;
    s.record.issuedRecent.push(1);
    s.record.appliedSeqRecent.push(3);
    s.record.appliedSeqMax = 3;
    s.record.lastAck = 1;
    s.record.lastSeenAt += 5;
    const row = s.rowForWrite();
    expect(kind(row)).toBe('progress');
    expect(JSON.parse(row.progressJson!)).toEqual({ lastSeenAt: 1005, lastOffset: 1, lastVseq: 1, cursor: 1, confirmed: 0, lastAck: 1, issuedRecent: [1], appliedSeqMax: 3, appliedSeqRecent: [3] });
    // The stored pieces read back as the record.
    const full = sessionRecord('s', { request: null, chatState: 'established', agentId: 'a1' });
    expect(fromSessionRow(JSON.stringify(full), JSON.stringify(s.record.request), row.progressJson)).toEqual(s.record);
  });

  it.each<[string, (r: SessionRecord) => void]>([
    ['a plain field', (r) => { r.chatState = 'ended'; }],
    ['a field set to null', (r) => { r.agentId = null; }],
    ['an array changed in place', (r) => { r.declinedBy.push('a2'); }],
    ['an optional field added', (r) => { r.transferTo = 'a3'; }],
    ['an optional field removed', (r) => { delete r.queueKey; }],
    ['the indexed columns (closed, owner)', (r) => { r.closed = true; r.owner = 'other'; }],
  ])('writes the whole record again after %s changed', (_what, change) => {
    const s = session({ queueKey: 'b1' });
    s.rowForWrite();
    s.record.cursor += 1;
    change(s.record);
    const row = s.rowForWrite();
    expect(kind(row)).toBe('full');
    expect(fromSessionRow(row.json!, JSON.stringify(s.record.request))).toEqual(s.record);
    s.record.cursor += 1;
    expect(kind(s.rowForWrite())).toBe('progress');
  });

  it('writes the request again when it is replaced, and everything again after a failed write', () => {
    const s = session();
    s.rowForWrite();
    s.record.request = { ...s.record.request!, visitorId: 'v2' };
    expect(kind(s.rowForWrite())).toBe('full+request');
    s.writeFailed();
    expect(kind(s.rowForWrite())).toBe('full+request');
    expect(kind(s.rowForWrite())).toBe('progress');
  });

  it('carries the holders on the first full write, when they change (an accept) and after a failed write; never otherwise', () => {
    const s = session({ holders: ['a1'] });
    expect(s.rowForWrite().holders).toEqual(['a1']);
    // Other full writes (a state change) and progress writes leave the stored holders alone.
    s.record.chatState = 'waiting';
    s.record.agentId = null;
    expect(s.rowForWrite()).toMatchObject({ holders: null, chatState: 'waiting' });
    s.record.cursor += 1;
    expect(s.rowForWrite()).toMatchObject({ holders: null, json: null });
    // A second agent accepts: the holders change, as the engine changes them (a new array).
    s.record.chatState = 'established';
    s.record.agentId = 'a2';
    s.record.holders = [...s.record.holders!, 'a2'];
    const row = s.rowForWrite();
    expect(row.holders).toEqual(['a1', 'a2']);
    // The row is a copy: a later change of the record does not reach a batch still being written.
    s.record.holders.push('a3');
    expect(row.holders).toEqual(['a1', 'a2']);
    s.record.holders = ['a1', 'a2'];
    s.record.endReason = 'agent';
    expect(s.rowForWrite().holders).toBeNull();
    s.writeFailed();
    expect(s.rowForWrite().holders).toEqual(['a1', 'a2']);
    // A chat nobody took: no holders to write.
    expect(session().rowForWrite().holders).toBeNull();
  });
});

describe('X-LIVEAGENT-SEQUENCE after a ResyncSession (docs/adr/0031)', () => {
  /** A session that applied sequences 1..n, as a client counting from 1 leaves it. */
  function applied(n: number): ChatSession {
    const s = session();
    for (let seq = 1; seq <= n; seq++) s.recordSequence(seq, 'ChatMessage');
    return s;
  }

  /** What the gate does with a sequenced request: true when it is applied (not taken for a retry). */
  function arrive(s: ChatSession, seq: number): boolean {
    s.settleSequenceRestart(seq);
    if (s.isDuplicateSequence(seq, 'ChatMessage')) return false;
    s.recordSequence(seq, 'ChatMessage');
    return true;
  }

  it('without a resync, sequence 1 again is a retry', () => {
    const s = applied(5);
    expect(arrive(s, 1)).toBe(false);
    expect(arrive(s, 3)).toBe(false);
    expect(arrive(s, 6)).toBe(true);
  });

  it('a client that numbers from 1 again after the resync: every new request is applied, and its own retries are not', () => {
    const s = applied(5);
    s.allowSequenceRestart();
    expect([1, 2, 3].map((seq) => arrive(s, seq)), 'the new count').toEqual([true, true, true]);
    expect(arrive(s, 2), 'a retry within the new count').toBe(false);
    expect(s.record.appliedSeqMax).toBe(3);
  });

  it('also when the old count had reached only 1 (the ChasitorInit)', () => {
    const s = applied(1);
    s.allowSequenceRestart();
    expect(arrive(s, 1)).toBe(true);
    expect(arrive(s, 1)).toBe(false);
  });

  it('a client that goes on counting after the resync: new numbers applied, retries of old ones still not, and a later 1 is a retry', () => {
    const s = applied(5);
    s.allowSequenceRestart();
    expect(arrive(s, 6)).toBe(true);
    expect(arrive(s, 6), 'a retry of the re-sent request').toBe(false);
    expect(arrive(s, 4), 'a late retry from before the resync').toBe(false);
    expect(arrive(s, 1), 'the question is settled: 1 is a retry again').toBe(false);
  });

  it('a retry as the first request after the resync settles it too: the count goes on', () => {
    const s = applied(5);
    s.allowSequenceRestart();
    expect(arrive(s, 5)).toBe(false);
    expect(arrive(s, 1)).toBe(false);
    expect(arrive(s, 6)).toBe(true);
  });

  it('the open question and the cleared window are written in full with the sequence state, so they survive a restart', () => {
    const s = applied(5);
    s.rowForWrite();
    s.allowSequenceRestart();
    const opened = s.rowForWrite();
    expect(kind(opened)).toBe('full');
    expect(fromSessionRow(opened.json!, null).sequenceRestartAllowed).toBe(true);
    expect(arrive(s, 1)).toBe(true);
    const settled = s.rowForWrite();
    expect(kind(settled)).toBe('full');
    expect(fromSessionRow(settled.json!, null)).toMatchObject({ sequenceRestartAllowed: false, appliedSeqMax: 1, appliedSeqRecent: [1] });
    // Read back from a full row and a later progress row, as a store does after a restart.
    s.recordSequence(2, 'ChatMessage');
    const progress = s.rowForWrite();
    expect(kind(progress)).toBe('progress');
    expect(fromSessionRow(settled.json!, null, progress.progressJson)).toMatchObject({ sequenceRestartAllowed: false, appliedSeqRecent: [1, 2] });
  });
});

describe('X-LIVEAGENT-SEQUENCE: a retry repeats its noun', () => {
  it('a number used by one noun is applied for another, and each noun\'s retry is still one', () => {
    const s = session();
    s.recordSequence(1, 'ChasitorInit');
    expect(s.isDuplicateSequence(1, 'ChasitorInit')).toBe(true);
    expect(s.isDuplicateSequence(1, 'ChatMessage')).toBe(false);
    s.recordSequence(1, 'ChatMessage');
    expect(s.isDuplicateSequence(1, 'ChatMessage')).toBe(true);
    expect(s.isDuplicateSequence(1, 'ChasitorInit')).toBe(true);
    expect(s.record.appliedSeqRecent).toEqual([1]);
  });

  it('keeps the nouns across a restart (the progress row), and a number recorded before nouns were kept is a retry for any noun', () => {
    const s = session();
    s.recordSequence(3, 'ChasitorTyping');
    const full = s.rowForWrite();
    s.recordSequence(4, 'ChatMessage');
    const progress = s.rowForWrite();
    expect(kind(progress)).toBe('progress');
    const restored = fromSessionRow(full.json!, null, progress.progressJson);
    expect(restored.appliedSeqNouns).toEqual([[3, 'ChasitorTyping'], [4, 'ChatMessage']]);

    const old = session();
    old.record.appliedSeqRecent = [7];
    delete old.record.appliedSeqNouns;
    expect(old.isDuplicateSequence(7, 'ChatMessage')).toBe(true);
  });

  it('keeps nouns only for the numbers in the window', () => {
    const s = session();
    for (let seq = 1; seq <= 200; seq++) s.recordSequence(seq, 'ChatMessage');
    expect(s.record.appliedSeqRecent).toHaveLength(64);
    expect(s.record.appliedSeqNouns!.length).toBeLessThanOrEqual(128);
    expect(s.record.appliedSeqNouns!.every(([seq]) => s.record.appliedSeqRecent.includes(seq))).toBe(true);
    expect(s.isDuplicateSequence(200, 'ChatMessage')).toBe(true);
    expect(s.isDuplicateSequence(200, 'ChasitorTyping')).toBe(false);
  });
});
