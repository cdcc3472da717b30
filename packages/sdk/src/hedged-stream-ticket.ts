/**
 * Asking for a stream ticket with hedged requests: one that is not answered
 * soon gets another beside it, and the first ticket wins.
 */
import { unrefTimer, type Timer } from './backoff.js';

/** A stream ticket request unanswered this long gets another beside it. */
export const TICKET_HEDGE_MS = 1_000;
/** Ticket requests in flight at most for one socket. */
export const TICKET_REQUESTS = 3;

/**
 * A single-use ticket from `ask` (POST /stream-ticket). Not retried here: the stream's own
 * backoff asks again. But a request still unanswered after {@link TICKET_HEDGE_MS} gets
 * another one beside it (at most {@link TICKET_REQUESTS}), and the first ticket wins: after a
 * network change the first may sit on a pooled keep-alive connection that is half-open (no
 * answer, no close, until requestTimeoutMs), and a request sent while that one is busy goes
 * out on another. A socket used to open on a new connection by itself; without this,
 * reconnect() would wait out the timeout. A ticket that loses the race expires unused.
 * Rejects with the last error once every request sent failed (a refusal, 401 or 429, or
 * the network): the stream decides what next.
 */
export function hedgedStreamTicket(ask: () => Promise<string>): Promise<string> {
  return new Promise((resolve, reject) => {
    let asked = 0;
    let failed = 0;
    let settled = false;
    let hedge: Timer | undefined;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(hedge);
      return true;
    };
    const send = (): void => {
      asked += 1;
      ask().then(
        (ticket) => { if (finish()) resolve(ticket); },
        (err: unknown) => { if (++failed === asked && finish()) reject(err); },
      );
      if (asked < TICKET_REQUESTS) {
        hedge = setTimeout(() => { if (!settled) send(); }, TICKET_HEDGE_MS);
        unrefTimer(hedge);
      }
    };
    send();
  });
}
