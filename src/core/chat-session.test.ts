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
});
