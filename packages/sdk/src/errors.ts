/** A non-2xx answer from the server. `body` is the (short, plain-text) error body. */
export class SwitchboardHttpError extends Error {
  override readonly name = 'SwitchboardHttpError';

  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: ${status} ${body.slice(0, 200)}`);
  }

  /**
   * The chat was this agent's and was taken from it (transferred away, reassigned, taken
   * over, requeued): stop offering its actions. Another 409 (an offer no longer open, a
   * chat that ended) is not this; an agent who never held the chat gets 403. The body's
   * start is the server's catalogue text for CHAT_NO_LONGER_YOURS (docs/errors.md).
   */
  get chatNoLongerYours(): boolean {
    return this.status === 409 && this.body.startsWith(CHAT_NO_LONGER_YOURS);
  }


  /**
   * The error's code in the server's catalogue (docs/errors.md), read from the start of the
   * body, for the codes an SDK caller acts on; undefined for any other answer.
   */
  get code(): ErrorCode | undefined {
    return codeOf(this.status, this.body);
  }

  /**
   * For a 421 MISDIRECTED_REQUEST (a node of a cluster that does not serve the org, ADR 0066): the
   * shard that does, and the URL its clients reach it at when the server's config names one; else undefined.
   */
  get servedBy(): { shard: string; url: string | undefined } | undefined {
    if (this.code !== 'MISDIRECTED_REQUEST') return undefined;
    const m = /served by shard (\S+?)(?: at (\S+))?$/.exec(this.body);
    return m ? { shard: m[1]!, url: m[2] } : undefined;
  }

  /**
   * For a 413 FILE_TOO_LARGE (an upload over the server's `fileTransfer.maxBytes`): that limit in
   * bytes, as the server's reason says it (`File too large: limit N bytes`); else undefined.
   */
  get maxBytes(): number | undefined {
    if (this.code !== 'FILE_TOO_LARGE') return undefined;
    const m = /limit (\d+) bytes/.exec(this.body);
    return m ? Number(m[1]) : undefined;
  }
}

function codeOf(status: number, body: string): ErrorCode | undefined {
  for (const [code, s, text] of KNOWN_CODES) if (status === s && body.startsWith(text)) return code;
  return undefined;
}

const CHAT_NO_LONGER_YOURS = 'Chat is no longer yours';
const NODE_STANDBY = 'This node is a standby: the active node serves';

/**
 * The answer is a hot standby's `503 NODE_STANDBY` (ADR 0048): the node applied nothing,
 * so any request, even one not safe to repeat, may be sent again once it has taken over.
 * Told apart from Live Agent's `503 Invalid Affinity Token` by its body, as the server
 * says its catalogue code on a plain-text answer only there.
 */
export function isNodeStandby(status: number, body: string): boolean {
  return status === 503 && body.startsWith(NODE_STANDBY);
}

/** The wait a `Retry-After: <seconds>` header asks for, in ms; undefined without one (or a date form, not ours). */
export function retryAfterMs(header: string | null | undefined): number | undefined {
  const seconds = header == null || header.trim() === '' ? Number.NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** Catalogue codes (src/http/error-catalogue.ts) the SDK names, with their status and body text; the most specific first. */
export const KNOWN_CODES = [
  ['CHAT_NO_LONGER_YOURS', 409, CHAT_NO_LONGER_YOURS],
  ['LAST_ADMIN', 409, 'Would leave the organization without an enabled admin'],
  // Conferences (ADR 0051), business hours (ADR 0062), blocks (ADR 0055), quick texts (ADR 0059), offline messages (ADR 0063).
  ['HOLDER_ONLY', 403, 'Only the chat\'s holder may do this'],
  ['CONFERENCE_FULL', 409, 'The chat has as many agents as it may'],
  ['CONFERENCE_INVITE_PENDING', 409, 'A conference invitation of this chat is pending'],
  ['BUTTON_CLOSED', 409, 'The button is outside its business hours'],
  ['BLOCK_IN_CONFIG', 409, 'Block is set in the config file'],
  ['QUICK_TEXT_IN_CONFIG', 409, 'Quick text is set in the config file'],
  ['QUICK_TEXT_LIMIT', 409, 'Too many quick texts'],
  ['OFFLINE_MESSAGES_UNAVAILABLE', 409, 'This button takes no offline messages'],
  ['IP_RANGE_INVALID', 400, 'Invalid IP range'],
  ['MESSAGE_TOO_LONG', 400, 'Message text too long'],
  ['QUERY_INVALID', 400, 'Invalid query parameter'],
  ['CONFLICT', 409, 'Conflict'],
  ['NODE_STANDBY', 503, NODE_STANDBY],
  // Cluster mode (ADR 0066): this node does not serve the org; `servedBy` says which shard does.
  ['MISDIRECTED_REQUEST', 421, 'Misdirected Request'],
  // File transfer (docs/agent-api.md and docs/visitor-api.md, "File transfer").
  ['FILE_TRANSFER_DISABLED', 409, 'File transfer is disabled on this server'],
  ['FILE_REQUEST_PENDING', 409, 'A file request is already pending in this chat'],
  ['FILE_ALREADY_UPLOADED', 409, 'File already uploaded for this token'],
  ['FILE_TOKEN_INVALID', 403, 'File token invalid, canceled or not this session\'s'],
  ['FILE_TOO_LARGE', 413, 'File too large'],
  ['FILE_MISSING', 400, 'No file in the upload'],
  ['UPLOADS_BUSY', 503, 'Too many uploads in progress'],
  ['RATE_LIMITED', 429, 'Too Many Requests'],
  ['UNAUTHENTICATED', 401, 'Authentication required'],
  ['FORBIDDEN', 403, 'Forbidden'],
  ['NOT_FOUND', 404, 'Not found'],
  ['BODY_INVALID', 400, 'Invalid request body'],
] as const;

/** A code of the server's error catalogue that {@link SwitchboardHttpError.code} recognises. */
export type ErrorCode = (typeof KNOWN_CODES)[number][0];

/** The client was stopped (end(), disconnect(), the chat ended) before the request could complete. */
export class SwitchboardClosedError extends Error {
  override readonly name = 'SwitchboardClosedError';
}

/** True for what fetch throws when the request never got an answer (not for an abort we asked for). */
export function isNetworkError(err: unknown): boolean {
  return err instanceof TypeError || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'NetworkTimeout'));
}
