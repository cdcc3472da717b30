import { describe, expect, it } from 'vitest';
import { backlogText, localDateTimeMs, momentText, replayRefusalText, skipRefusalText } from './webhook-text.ts';

/** A refusal as the SDK throws it (SwitchboardHttpError's status and plain-text body). */
const refused = (status: number, body: string) => Object.assign(new Error(`${status} ${body}`), { status, body });

describe('webhook words', () => {
  it('shows the backlog as a number, the cap as "or more", and a webhook that never ran as such', () => {
    expect(backlogText(0, 'en-US')).toBe('0');
    expect(backlogText(1234, 'en-US')).toBe('1,234');
    expect(backlogText(9999, 'en-US')).toBe('9,999');
    expect(backlogText(10000, 'en-US')).toBe('10,000+');
    expect(backlogText(10000, 'de-DE')).toBe('10.000+');
    expect(backlogText(null, 'en-US')).toBe('Not started yet');
  });

  it('reads a datetime-local value as local time, with or without seconds; nothing else', () => {
    expect(localDateTimeMs('2026-05-01T10:07')).toBe(new Date(2026, 4, 1, 10, 7).getTime());
    expect(localDateTimeMs('2026-05-01T10:07:09')).toBe(new Date(2026, 4, 1, 10, 7, 9).getTime());
    for (const bad of ['', '2026-05-01', '2026-05-01T10:07Z', '2026-13-01T10:07', 'yesterday']) expect(localDateTimeMs(bad), bad).toBeUndefined();
  });

  it('says a replay refusal as what to do: an earlier time (where the webhook stands, in the locale), or one that has passed', () => {
    const stands = Date.UTC(2026, 4, 1, 8, 30, 15);
    const late = refused(409, `Conflict: since is after where webhook crm stands (${new Date(stands).toISOString()}): the chats between have not been delivered yet`);
    expect(replayRefusalText(late, 'en-US')).toBe(`the time is after where the webhook stands (${momentText(stands, 'en-US')}): what came since has not been sent yet, and a replay from it would pass over it. Choose an earlier time.`);
    // Without the time in the text, the words still say what to do.
    expect(replayRefusalText(refused(409, 'Conflict: since is too late'))).toMatch(/^the time is after where the webhook stands: .* Choose an earlier time\.$/);
    expect(replayRefusalText(refused(400, 'Invalid request body: since is in the future'))).toBe('the time is in the future. Choose a time that has passed.');
    // Anything else in the Team view's words.
    expect(replayRefusalText(refused(400, 'Invalid request body: /since must be >= 0'))).toBe('The server refused it: /since must be >= 0.');
    expect(replayRefusalText(refused(404, 'Not found: webhook crm'))).toBe('Not found: webhook crm. Refresh the list.');
    expect(replayRefusalText(new TypeError('Failed to fetch'))).toBe('Cannot reach the server. Check your connection and try again.');
  });

  it('says a skip refusal with the server\'s reason (which chat is next now) and asks for a refresh', () => {
    expect(skipRefusalText(refused(409, 'Conflict: chat c1 is not the next chat of webhook crm (next: c2)')))
      .toBe('chat c1 is not the next chat of webhook crm (next: c2). Refresh to see where the webhook stands.');
    expect(skipRefusalText(refused(403, 'Forbidden'))).toBe('Only admins can do this (your role may have changed: log in again).');
  });
});
