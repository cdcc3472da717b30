/**
 * Where a chat stands after a reload, read from its transcript: a conference participant's
 * chat that the holder ended reads as it did live, "Ended by the agent", not "Ended" (no way
 * to tell) nor "Ended by you" (the participant did not end it).
 */
import { describe, expect, it } from 'vitest';
import { ENDED, endedLabel, LEFT, standing } from './chat-standing.ts';
import type { ChatEventWire } from './wire-types.ts';

const HOLDER = '005000000000011';
const ME = '005000000000012';

let offset = 0;
function ev(type: string, data: Record<string, unknown> = {}): ChatEventWire {
  offset += 1;
  return { offset, type, actor: 'system', at: offset, data } as ChatEventWire;
}

const joined = [ev('ChatEstablished', { userId: HOLDER }), ev('AgentJoinedConference', { agentId: ME, name: 'Blair Agent' })];
const endedByHolder = ev('ChatEnded', { reason: 'agent' });

describe('standing of a conference participant', () => {
  it('the holder ended the chat: "Ended by the agent"', () => {
    expect(standing({ state: 'ended', agentId: null }, [...joined, endedByHolder], ME)).toEqual({ kind: 'ended', label: ENDED.byAgent });
  });

  it('the visitor ended it: "Ended by the visitor"', () => {
    expect(standing({ state: 'ended', agentId: null }, [...joined, ev('ChasitorChatEnded')], ME)).toEqual({ kind: 'ended', label: ENDED.byVisitor });
  });

  it('left the conference before the end: "Left the conference", the end unheard', () => {
    const events = [...joined, ev('AgentLeftConference', { agentId: ME, name: 'Blair Agent' }), endedByHolder];
    expect(standing({ state: 'ended', agentId: null }, events, ME)).toEqual({ kind: 'left', label: LEFT.leftConference });
  });

  it('the holder itself still reads "Ended by you"', () => {
    expect(standing({ state: 'ended', agentId: null }, [...joined, endedByHolder], HOLDER)).toEqual({ kind: 'ended', label: ENDED.byYou });
  });

  it('live, the label for a non-holder is "Ended by the agent"', () => {
    expect(endedLabel(endedByHolder, false, ME)).toBe(ENDED.byAgent);
  });
});
