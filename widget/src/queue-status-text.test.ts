import { describe, expect, it } from 'vitest';
import { queueStatusText, waitText } from './queue-status-text.js';

describe('queueStatusText', () => {
  it('tells the place in line, next in line at 1', () => {
    expect(queueStatusText(1, undefined)).toBe('You are next in line (position 1).');
    expect(queueStatusText(3, undefined)).toBe('You are number 3 in line.');
  });

  it('tells no place for position 0 (a chat waiting for one named agent stands in no line)', () => {
    expect(queueStatusText(0, undefined)).toBe('Waiting for your agent to answer.');
    expect(queueStatusText(0, 30)).toBe('Waiting for your agent to answer. Estimated wait: less than a minute.');
  });

  it('adds the estimated wait when known', () => {
    expect(queueStatusText(2, 150)).toBe('You are number 2 in line. Estimated wait: about 3 min.');
    expect(waitText(undefined)).toBe('');
    expect(waitText(-1)).toBe('');
  });
});
