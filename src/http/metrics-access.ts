/**
 * Who may read /metrics when `server.metricsToken` is set: a scraper that sends
 * `Authorization: Bearer <token>`, as Prometheus does with `authorization:` in a
 * scrape config (ADR 0026). Anything else is the catalogue's 401, whose answer
 * carries the `WWW-Authenticate: Bearer` challenge.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { fail } from '../protocol/errors.js';

/** Checks a request's Authorization header; throws UNAUTHENTICATED unless it carries the token. */
export type MetricsAccess = (authorization: string | undefined) => void;

/**
 * The check for one token. Both sides are hashed before they are compared, so
 * the comparison takes the same time whatever was sent, its length included
 * (timingSafeEqual alone needs equal lengths, and returning early on a length
 * mismatch would tell a guesser the token's length).
 */
export function metricsAccess(token: string): MetricsAccess {
  const expected = digest(token);
  return (authorization) => {
    const presented = bearerCredential(authorization);
    if (presented === undefined) fail('UNAUTHENTICATED', 'send Authorization: Bearer <token> (server.metricsToken)');
    if (!timingSafeEqual(digest(presented), expected)) fail('UNAUTHENTICATED', 'wrong token');
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
