/**
 * What the log may say about a request. Every URL that reaches a log line goes
 * through `redactUrl`: a credential in a URL is as good as the header it stands
 * for, and logs are read (and shipped, and kept) by more people than the server's
 * secrets are. Structured fields that could carry a header are censored by the
 * logger itself (`LOG_REDACTION`, pino's `redact`), whoever logs them.
 */
import type { LoggerOptions } from 'pino';

export const REDACTED = '[REDACTED]';

/**
 * Query parameters whose value is a credential or could be: `access_token` and
 * `ticket` (the agent stream's, for EventSource and WebSocket clients,
 * docs/agent-api.md: a ticket is spent at once, but one logged before its use or
 * by a proxy that retried would still open a stream), and by name anything that
 * reads as a token, key, secret, password, ticket or signature.
 */
const SECRET_PARAM = /token|key|secret|pass|auth|sig|session|credential|code|ticket/i;

/**
 * Path segments that are credentials: what follows `SessionId/` (DELETE
 * /System/SessionId/<sessionKey>: a session key alone reaches its chat), and any
 * segment shaped like a session key (`id!epochMs!opaque`, `!` also percent-encoded).
 */
const SESSION_ID_SEGMENT = /(\/SessionId\/)[^/?#]+/gi;
const KEY_SHAPED_SEGMENT = /(^|\/)[^/?#]*(?:!|%21)[^/?#]*/gi;

/** Longest URL a log line carries (a client can send 8 KB of them). */
const MAX_LOGGED_URL = 300;

/**
 * A request target as a log may show it: the path with session keys replaced by
 * `[REDACTED]`, and the query with the value of every credential-like parameter
 * replaced (its name stays: it says how the client authenticated). Cut at 300
 * characters.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q))
    .replace(SESSION_ID_SEGMENT, `$1${REDACTED}`)
    .replace(KEY_SHAPED_SEGMENT, `$1${REDACTED}`);
  if (q < 0) return path.slice(0, MAX_LOGGED_URL);
  const query = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    return eq >= 0 && SECRET_PARAM.test(safeDecode(name)) ? `${name}=${REDACTED}` : pair;
  });
  return `${path}?${query.join('&')}`.slice(0, MAX_LOGGED_URL);
}

/**
 * A database URL as a log may show it: without its password (in the user info
 * or as a query parameter). A string that is not a URL (libpq's `key=value`
 * form) is not shown at all.
 */
export function redactConnectionUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return REDACTED;
  }
  if (parsed.password) parsed.password = REDACTED;
  for (const name of [...parsed.searchParams.keys()]) if (SECRET_PARAM.test(name)) parsed.searchParams.set(name, REDACTED);
  // URL encodes the brackets of the placeholder; the log reads better with them.
  return parsed.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Headers that carry credentials: never logged, whoever logs a headers object. */
const SECRET_HEADERS = ['authorization', 'cookie', 'set-cookie', 'x-liveagent-session-key', 'x-api-key', 'proxy-authorization'];

/**
 * pino's `redact` for every logger the server makes (main.ts): headers objects at
 * the usual places, and the raw bytes of a request node could not parse (node's
 * parse error carries them as `rawPacket`: every header, credentials included).
 */
export const LOG_REDACTION: NonNullable<LoggerOptions['redact']> = {
  paths: [
    ...['headers', 'req.headers', 'request.headers', 'res.headers'].flatMap((at) => SECRET_HEADERS.map((h) => `${at}["${h}"]`)),
    'err.rawPacket',
    'rawPacket',
  ],
  censor: REDACTED,
};
