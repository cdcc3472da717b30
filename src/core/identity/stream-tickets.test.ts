/**
 * The ticket store's bounds, with a fake clock: however a client asks (in a loop,
 * from many users), the process holds no more tickets than its limits, and what
 * it holds goes when it expires.
 */
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { SwitchboardError } from '../../protocol/errors.js';
import { StreamTickets } from './stream-tickets.js';

function refusal(run: () => unknown): SwitchboardError {
  try {
    run();
  } catch (err) {
    if (err instanceof SwitchboardError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('StreamTickets', () => {
  it('holds no more than its total across users, and says when one frees up', () => {
    const clock = new FakeClock();
    const tickets = new StreamTickets(clock, { total: 5, perUser: 3 });
    for (let i = 0; i < 5; i++) {
      tickets.issue(`user-${i}`, 'credential');
      clock.advance(1_000);
    }
    const full = refusal(() => tickets.issue('user-9', 'credential'));
    expect(full).toMatchObject({ code: 'RATE_LIMITED', detail: 'too many stream tickets outstanding on this server', retryAfterSeconds: 25 });
    expect(tickets.size).toBe(5);
    clock.advance(25_000);
    tickets.issue('user-9', 'credential');
    expect(tickets.size).toBe(5);
  });

  it('a client asking in a loop, using each ticket at once, holds at most its share', () => {
    const clock = new FakeClock();
    const tickets = new StreamTickets(clock, { perUser: 4 });
    let refused = 0;
    for (let i = 0; i < 10_000; i++) {
      try {
        tickets.redeem(tickets.issue('greedy', 'credential').ticket);
      } catch (err) {
        expect(err).toMatchObject({ code: 'RATE_LIMITED' });
        refused += 1;
      }
      clock.advance(10);
      expect(tickets.size).toBeLessThanOrEqual(4);
    }
    // 100 s of asking: four tickets per 30 s went through.
    expect(10_000 - refused).toBe(4 * Math.ceil(100_000 / 30_000));
  });

  it('redeems once, for the user and credential it was issued for', () => {
    const clock = new FakeClock();
    const tickets = new StreamTickets(clock);
    const { ticket } = tickets.issue('u1', 'the-token');
    expect(tickets.redeem(ticket)).toEqual({ userId: 'u1', credential: 'the-token' });
    expect(refusal(() => tickets.redeem(ticket))).toMatchObject({ code: 'UNAUTHENTICATED', detail: 'ticket already used' });
    expect(refusal(() => tickets.redeem('sbt_other'))).toMatchObject({ code: 'UNAUTHENTICATED', detail: 'ticket unknown or expired' });
    clock.advance(30_000);
    expect(refusal(() => tickets.redeem(ticket))).toMatchObject({ code: 'UNAUTHENTICATED', detail: 'ticket unknown or expired' });
    expect(tickets.size).toBe(0);
  });
});
