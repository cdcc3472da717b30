/**
 * Domain failures as values. Each has a stable code; `src/http/error-catalogue.ts`
 * is the only place that turns a code into a status and a body.
 */
export type ErrorCode =
  | 'VERSION_MISSING'
  | 'VERSION_INVALID'
  | 'VERSION_UNSUPPORTED'
  | 'BODY_MALFORMED_JSON'
  | 'BODY_INVALID'
  | 'BODY_TOO_LARGE'
  | 'BODY_ENCODING_UNSUPPORTED'
  | 'BODY_ENCODING_INVALID'
  | 'MESSAGE_TOO_LONG'
  | 'SESSION_INVALID'
  | 'AFFINITY_INVALID'
  | 'RESOURCE_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'RECOVERY_NOT_PENDING'
  | 'POLL_REPLACED'
  | 'CHAT_NOT_STARTED'
  | 'UNKNOWN_DEPLOYMENT'
  | 'QUERY_INVALID'
  | 'REQUEST_MALFORMED'
  | 'HEADERS_TOO_LARGE'
  | 'REQUEST_TIMEOUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'CHAT_NO_LONGER_YOURS'
  | 'HOLDER_ONLY'
  | 'CONFERENCE_FULL'
  | 'CONFERENCE_INVITE_PENDING'
  | 'LAST_ADMIN'
  | 'RATE_LIMITED'
  | 'UPGRADE_REQUIRED'
  | 'NODE_STANDBY'
  | 'MISDIRECTED_REQUEST'
  | 'FILE_TRANSFER_DISABLED'
  | 'FILE_REQUEST_PENDING'
  | 'FILE_ALREADY_UPLOADED'
  | 'FILE_TOKEN_INVALID'
  | 'FILE_TOO_LARGE'
  | 'FILE_MISSING'
  | 'UPLOADS_BUSY'
  | 'IP_RANGE_INVALID'
  | 'BLOCK_IN_CONFIG'
  | 'QUICK_TEXT_IN_CONFIG'
  | 'QUICK_TEXT_LIMIT'
  | 'BUTTON_CLOSED'
  | 'OFFLINE_MESSAGES_UNAVAILABLE'
  | 'INTERNAL';

export class SwitchboardError extends Error {
  readonly code: ErrorCode;
  /** Short human detail appended to the catalogue text (e.g. a field path). */
  readonly detail: string | undefined;

  /** Sent as Retry-After (seconds) with the answer, for RATE_LIMITED and UPLOADS_BUSY. */
  readonly retryAfterSeconds: number | undefined;

  /**
   * A fault the emulator was told to inject (docs/emulator.md): answered like the real one, but
   * logged at info and marked, so a CI job's log scan does not take it for the server failing.
   */
  readonly injected: boolean;

  constructor(code: ErrorCode, detail?: string, retryAfterSeconds?: number, injected = false) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'SwitchboardError';
    this.code = code;
    this.detail = detail;
    this.retryAfterSeconds = retryAfterSeconds;
    this.injected = injected;
  }
}

export function fail(code: ErrorCode, detail?: string): never {
  throw new SwitchboardError(code, detail);
}
