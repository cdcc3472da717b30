import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../ports/records.js';
import { transfersInProgress } from './transfers-in-progress.js';

const ORG = '00D000000000001';

function record(id: string, extra: Partial<SessionRecord>): SessionRecord {
  return {
    id, chatState: 'waiting', request: { orgId: ORG, visitorName: `V ${id}` }, queueKey: '573000000000001', routedButtonId: '573000000000001', ...extra,
  } as SessionRecord; // only the fields the list reads
}

describe('transfersInProgress', () => {
  it('gives `since: null` for a transfer recorded before the record kept it, first in the list', () => {
    const listed = transfersInProgress([
      record('new', { transferFrom: 'a1', transferTo: 'a2', transferSince: 5000, chatState: 'offered' }),
      record('old', { transferFrom: 'a1', queueKey: `skill:${ORG}:billing` }),
    ], ORG);
    expect(listed).toEqual([
      { chatId: 'old', visitorName: 'V old', from: 'a1', target: { skill: 'billing' }, state: 'waiting', since: null },
      { chatId: 'new', visitorName: 'V new', from: 'a1', target: { agentId: 'a2' }, state: 'offered', since: 5000 },
    ]);
  });

  it('leaves out chats of other orgs, chats not under transfer, and ended ones', () => {
    expect(transfersInProgress([
      record('other', { transferFrom: 'a1', request: { orgId: '00D000000000002', visitorName: 'X' } as SessionRecord['request'] }),
      record('plain', {}),
      record('ended', { transferFrom: 'a1', chatState: 'ended' }),
      record('button', { transferFrom: 'a1', transferSince: 1 }),
    ], ORG).map((t) => [t.chatId, t.target])).toEqual([['button', { buttonId: '573000000000001' }]]);
  });
});
