/**
 * The console names every way a chat can end: the past-chats filter offers each endReason the
 * server writes (src/protocol/end-reasons.ts), and no reason the server never writes.
 */
import { describe, expect, it } from 'vitest';
import { END_REASONS as SERVER_END_REASONS } from '../../src/protocol/end-reasons.ts';
import { END_REASONS } from './past-chats.ts';

describe('the console\'s words for how a chat ended', () => {
  it('cover exactly the server\'s endReasons', () => {
    expect(Object.keys(END_REASONS).sort()).toEqual([...SERVER_END_REASONS].sort());
    for (const words of Object.values(END_REASONS)) expect(words.trim().length).toBeGreaterThan(0);
  });
});
