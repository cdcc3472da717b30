import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../ports/records.js';
import { ChatOutcomes, type ChatOutcomeListener } from './chat-outcomes.js';

const record = (over: Partial<SessionRecord>): SessionRecord => ({
  request: { orgId: 'org-a', buttonId: 'b-entry' }, routedButtonId: null, queuedAt: 1_000, establishedAt: null, endedAt: null, endReason: null, ...over,
} as SessionRecord);

describe('ChatOutcomes', () => {
  it('tells each listener where the chat went through, how long it waited and talked; a throwing listener does not stop the others', () => {
    const errors: unknown[] = [];
    const outcomes = new ChatOutcomes((err) => errors.push(err));
    const heard: string[] = [];
    const broken: ChatOutcomeListener = { requested: () => { throw new Error('dashboard down'); }, answered: () => undefined, ended: () => undefined };
    outcomes.listen(broken);
    outcomes.listen({
      requested: (at, outcome) => heard.push(`requested ${at.org} ${at.button} ${outcome}`),
      answered: (at, waitMs) => heard.push(`answered ${at.button} ${waitMs}`),
      ended: (at, reason, talkMs) => heard.push(`ended ${at.button} ${reason} ${talkMs}`),
    });
    outcomes.requested(record({}), 'unavailable');
    // After routing (an override, a transfer to a button) the button is the one it went through.
    outcomes.answered(record({ routedButtonId: 'b-routed' }), 4_500);
    outcomes.ended(record({ routedButtonId: 'b-routed', establishedAt: 4_500, endedAt: 64_500, endReason: 'agent' }));
    outcomes.ended(record({ endedAt: 2_000, endReason: 'client' }));
    // A clock moved back (the emulator's rewind) never gives a negative time.
    outcomes.answered(record({ queuedAt: 9_000 }), 8_000);
    // A session without a chat request, or one not ended yet, is nobody's outcome.
    outcomes.requested(record({ request: null }), 'queued');
    outcomes.ended(record({}));
    expect(heard).toEqual(['requested org-a b-entry unavailable', 'answered b-routed 3500', 'ended b-routed agent 60000', 'ended b-entry client null', 'answered b-entry 0']);
    expect(errors).toEqual([new Error('dashboard down')]);
  });
});
