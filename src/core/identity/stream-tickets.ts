/**
 * Stream tickets: short-lived, single-use stand-ins for a bearer credential in the
 * URL of the agent stream (ADR 0028). Browsers cannot set headers on WebSocket or
 * EventSource, so the credential has to travel in the URL, and URLs are printed by
 * devtools and kept by proxies and access logs: a ticket found there is already
 * spent, or dead within 30 s, where an access token would have been good for 15
 * minutes and an API key until revoked.
 *
 * Tickets live in this process's memory only: the client redeems one at once, on the
 * node that issued it (one node per store, ADR 0017). A restart forgets them; the
 * client then asks for another.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../ports/clock.js';
import { fail, SwitchboardError } from '../../protocol/errors.js';

/** How long a ticket can be redeemed after it was issued. */
export const STREAM_TICKET_TTL_MS = 30_000;

/**
 * Tickets one user may have been issued in the last {@link STREAM_TICKET_TTL_MS},
 * used or not: twice the stream connections a user may hold (MAX_CONNECTIONS_PER_USER,
 * 20), so every tab of a user whose network blipped can reconnect, twice.
 */
export const MAX_TICKETS_PER_USER = 40;

/** Tickets the whole process holds at most (~500 bytes each: a few MB). */
export const MAX_TICKETS = 10_000;

interface Ticket {
  userId: string;
  /** The credential the ticket was issued for: the stream checks its commands against it. */
  credential: string;
  expiresAt: number;
  used: boolean;
}

export interface StreamTicketLimits {
  ttlMs: number;
  perUser: number;
  total: number;
}

/** What a redeemed ticket stands for. */
export interface RedeemedTicket {
  userId: string;
  credential: string;
}

export class StreamTickets {
  /**
   * Every ticket until it expires, used ones included (so that a second use can be
   * told apart from a ticket that never was). One lifetime for all, so insertion
   * order is expiry order and the expired ones are always at the front.
   */
  private readonly tickets = new Map<string, Ticket>();
  /** Per user, the expiry of each of its tickets still held, oldest first. */
  private readonly perUser = new Map<string, number[]>();
  private readonly limits: StreamTicketLimits;

  constructor(
    private readonly clock: Clock,
    limits: Partial<StreamTicketLimits> = {},
  ) {
    this.limits = { ttlMs: STREAM_TICKET_TTL_MS, perUser: MAX_TICKETS_PER_USER, total: MAX_TICKETS, ...limits };
  }

  /**
   * A new ticket for `userId`, standing for `credential` (already authenticated by the
   * caller). RATE_LIMITED, with Retry-After, when the user or the process holds as
   * many as it may: memory stays bounded whatever a client asks for in a loop.
   */
  issue(userId: string, credential: string): { ticket: string; expiresInSeconds: number } {
    this.sweep();
    const now = this.clock.now();
    const mine = this.perUser.get(userId) ?? [];
    if (mine.length >= this.limits.perUser) {
      throw new SwitchboardError('RATE_LIMITED', `${this.limits.perUser} stream tickets issued to this user in the last ${this.limits.ttlMs / 1000} s`, secondsUntil(mine[0]!, now));
    }
    if (this.tickets.size >= this.limits.total) {
      const oldest = this.tickets.values().next().value as Ticket;
      throw new SwitchboardError('RATE_LIMITED', 'too many stream tickets outstanding on this server', secondsUntil(oldest.expiresAt, now));
    }
    // 256 bits: guessing one within its 30 s is out of reach, so a ticket needs no other secret.
    const ticket = `sbt_${randomBytes(32).toString('base64url')}`;
    const expiresAt = now + this.limits.ttlMs;
    this.tickets.set(ticket, { userId, credential, expiresAt, used: false });
    mine.push(expiresAt);
    this.perUser.set(userId, mine);
    return { ticket, expiresInSeconds: Math.round(this.limits.ttlMs / 1000) };
  }

  /**
   * Spends a ticket. UNAUTHENTICATED (the same 401 as a bad token) when it was used
   * before (`ticket already used`) or is unknown or past its time (`ticket unknown or
   * expired`). Any presentation spends it, a refused one too.
   */
  redeem(ticket: string): RedeemedTicket {
    const t = this.tickets.get(ticket);
    this.sweep();
    if (!t || t.expiresAt <= this.clock.now()) fail('UNAUTHENTICATED', 'ticket unknown or expired');
    if (t.used) fail('UNAUTHENTICATED', 'ticket already used');
    t.used = true;
    return { userId: t.userId, credential: t.credential };
  }

  /** Forgets every ticket (the emulator's reset: a fresh start holds none). */
  clear(): void {
    this.tickets.clear();
    this.perUser.clear();
  }

  /** Tickets held now, used ones included (tests, and the bound this class keeps). */
  get size(): number {
    return this.tickets.size;
  }

  /** Drops the expired tickets, which are all at the front. */
  private sweep(): void {
    const now = this.clock.now();
    for (const [key, t] of this.tickets) {
      if (t.expiresAt > now) break;
      this.tickets.delete(key);
      const mine = this.perUser.get(t.userId);
      mine?.shift();
      if (mine?.length === 0) this.perUser.delete(t.userId);
    }
  }
}

function secondsUntil(at: number, now: number): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}
