/**
 * The one place where a failure becomes an HTTP status and a body. Bodies are
 * short plain text: several Live Agent clients compare them verbatim
 * (wire-compat.md), so the visitor-facing texts below are exact.
 * docs/errors.md lists this table; a unit test keeps the two in step.
 */
import type { ErrorCode } from '../protocol/errors.js';

export interface CatalogueEntry {
  status: number;
  message: string;
  /** True when the detail may be appended after the message ("message: detail"). */
  withDetail: boolean;
  /**
   * Sent as WWW-Authenticate with the answer: RFC 9110 requires a challenge on
   * every 401, and every credential the server takes over HTTP is a bearer token.
   */
  challenge?: string;
}

export const ERROR_CATALOGUE: Record<ErrorCode, CatalogueEntry> = {
  VERSION_MISSING: { status: 400, message: 'No version header found', withDetail: false },
  VERSION_INVALID: { status: 400, message: 'Invalid version header', withDetail: true },
  VERSION_UNSUPPORTED: { status: 400, message: 'Unsupported API version', withDetail: true },
  BODY_MALFORMED_JSON: { status: 400, message: 'Malformed JSON body', withDetail: true },
  BODY_INVALID: { status: 400, message: 'Invalid request body', withDetail: true },
  BODY_TOO_LARGE: { status: 413, message: 'Request body too large', withDetail: true },
  BODY_ENCODING_UNSUPPORTED: { status: 415, message: 'Unsupported Content-Encoding', withDetail: true },
  BODY_ENCODING_INVALID: { status: 400, message: 'Malformed request body', withDetail: true },
  MESSAGE_TOO_LONG: { status: 400, message: 'Message text too long', withDetail: true },
  SESSION_INVALID: { status: 403, message: 'Session required but was invalid or not found', withDetail: false },
  AFFINITY_INVALID: { status: 503, message: 'Invalid Affinity Token', withDetail: false },
  RESOURCE_NOT_FOUND: { status: 404, message: 'Resource not found', withDetail: true },
  METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed', withDetail: true },
  RECOVERY_NOT_PENDING: { status: 405, message: 'No session recovery is pending', withDetail: false },
  POLL_REPLACED: { status: 409, message: 'Poll replaced by a newer poll on this session', withDetail: false },
  CHAT_NOT_STARTED: { status: 400, message: 'No chat in this session: send ChasitorInit first', withDetail: false },
  UNKNOWN_DEPLOYMENT: { status: 400, message: 'Unknown organization, deployment or button', withDetail: true },
  QUERY_INVALID: { status: 400, message: 'Invalid query parameter', withDetail: true },
  REQUEST_MALFORMED: { status: 400, message: 'Malformed request', withDetail: true },
  HEADERS_TOO_LARGE: { status: 431, message: 'Request header fields too large', withDetail: false },
  REQUEST_TIMEOUT: { status: 408, message: 'Request timeout', withDetail: true },
  UNAUTHENTICATED: { status: 401, message: 'Authentication required', withDetail: true, challenge: 'Bearer' },
  FORBIDDEN: { status: 403, message: 'Forbidden', withDetail: true },
  NOT_FOUND: { status: 404, message: 'Not found', withDetail: true },
  CONFLICT: { status: 409, message: 'Conflict', withDetail: true },
  CHAT_NO_LONGER_YOURS: { status: 409, message: 'Chat is no longer yours', withDetail: true },
  HOLDER_ONLY: { status: 403, message: 'Only the chat\'s holder may do this', withDetail: true },
  CONFERENCE_FULL: { status: 409, message: 'The chat has as many agents as it may', withDetail: true },
  CONFERENCE_INVITE_PENDING: { status: 409, message: 'A conference invitation of this chat is pending', withDetail: true },
  LAST_ADMIN: { status: 409, message: 'Would leave the organization without an enabled admin', withDetail: true },
  RATE_LIMITED: { status: 429, message: 'Too Many Requests', withDetail: true },
  UPGRADE_REQUIRED: { status: 426, message: 'WebSocket upgrade required', withDetail: true },
  NODE_STANDBY: { status: 503, message: 'This node is a standby: the active node serves', withDetail: false },
  MISDIRECTED_REQUEST: { status: 421, message: 'Misdirected Request', withDetail: true },
  FILE_TRANSFER_DISABLED: { status: 409, message: 'File transfer is disabled on this server', withDetail: false },
  FILE_REQUEST_PENDING: { status: 409, message: 'A file request is already pending in this chat', withDetail: true },
  FILE_ALREADY_UPLOADED: { status: 409, message: 'File already uploaded for this token', withDetail: true },
  FILE_TOKEN_INVALID: { status: 403, message: 'File token invalid, canceled or not this session\'s', withDetail: true },
  FILE_TOO_LARGE: { status: 413, message: 'File too large', withDetail: true },
  FILE_MISSING: { status: 400, message: 'No file in the upload', withDetail: true },
  UPLOADS_BUSY: { status: 503, message: 'Too many uploads in progress', withDetail: true },
  IP_RANGE_INVALID: { status: 400, message: 'Invalid IP range', withDetail: true },
  BLOCK_IN_CONFIG: { status: 409, message: 'Block is set in the config file', withDetail: true },
  QUICK_TEXT_IN_CONFIG: { status: 409, message: 'Quick text is set in the config file', withDetail: true },
  QUICK_TEXT_LIMIT: { status: 409, message: 'Too many quick texts', withDetail: true },
  BUTTON_CLOSED: { status: 409, message: 'The button is outside its business hours', withDetail: true },
  OFFLINE_MESSAGES_UNAVAILABLE: { status: 409, message: 'This button takes no offline messages', withDetail: false },
  INTERNAL: { status: 500, message: 'Internal server error', withDetail: false },
};

/** An error as an HTTP answer: its status, its body and, for a 401, its WWW-Authenticate challenge. */
export function renderError(code: ErrorCode, detail?: string): { status: number; body: string; challenge?: string } {
  const entry = ERROR_CATALOGUE[code];
  const body = entry.withDetail && detail ? `${entry.message}: ${detail}` : entry.message;
  return entry.challenge === undefined ? { status: entry.status, body } : { status: entry.status, body, challenge: entry.challenge };
}
