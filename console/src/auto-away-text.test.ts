import { describe, expect, it } from 'vitest';
import { autoAwayText } from './auto-away-text.ts';

describe('auto away text', () => {
  it('says why the agent is away and how to get chats again', () => {
    expect(autoAwayText('offer-timeout')).toBe('You were set to Away: an offer timed out. Set Online to receive chats.');
    expect(autoAwayText('offer-declined')).toBe('You were set to Away: you declined an offer. Set Online to receive chats.');
  });
});
