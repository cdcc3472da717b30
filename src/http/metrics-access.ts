/**
 * Who may read /metrics when `server.metricsToken` is set: a scraper that sends
 * `Authorization: Bearer <token>`, as Prometheus does with `authorization:` in a
 * scrape config (ADR 0026). Anything else is the catalogue's 401, whose answer
 * carries the `WWW-Authenticate: Bearer` challenge. Wrong tokens are limited per
 * client address as wrong passwords are at the login (ADR 0041).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { clientKey, isLoopback, type RateLimiter } from '../core/rate-limiter.js';
import { fail, SwitchboardError } from '../protocol/errors.js';

/**
 * Checks a request's Authorization header, sent from `client` (fastify's
 * `request.ip`: with server.trustProxy, the scraper's own address); throws
 * UNAUTHENTICATED unless it carries the token, RATE_LIMITED after too many wrong ones.
 */
export type MetricsAccess = (authorization: string | undefined, client: string) => void;

/**
 * The check for one token. Both sides are hashed before they are compared, so
 * the comparison takes the same time whatever was sent, its length included
 * (timingSafeEqual alone needs equal lengths, and returning early on a length
 * mismatch would tell a guesser the token's length).
 *
 * With `failures` (settings.failedMetricsTokensPerAddress), every token sent
 * from a non-loopback address takes an attempt before it is compared and gives
 * it back when it was right, as the login does with passwords: past the
 * allowance even the right token gets 429 from there (answering it 200 would
 * tell a guesser who is limited when a guess was right). A request with no
 * bearer token guessed nothing and takes nothing: a scraper left without its
 * credentials keeps getting the 401 that says what is missing.
 */
export function metricsAccess(token: string, failures?: RateLimiter): MetricsAccess {
  const expected = digest(token);
  return (authorization, client) => {
    const presented = bearerCredential(authorization);
    if (presented === undefined) fail('UNAUTHENTICATED', 'send Authorization: Bearer <token> (server.metricsToken)');
    const limiter = failures && !isLoopback(client) ? failures : undefined;
    const key = clientKey(client);
    const waitMs = limiter?.take(key) ?? 0;
    if (waitMs) throw new SwitchboardError('RATE_LIMITED', 'too many wrong metrics tokens from this address', Math.ceil(waitMs / 1000));
    if (!timingSafeEqual(digest(presented), expected)) fail('UNAUTHENTICATED', 'wrong token');
    limiter?.refund(key);
  };
}

/** The credential of `Bearer <credential>` (the scheme in any case, RFC 9110), or undefined for any other header. */
function bearerCredential(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
