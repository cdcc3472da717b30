/** What an AgentClient is built with. */
import type { RetryOptions } from './backoff.js';
import type { WebSocketClass } from './agent-stream.js';
import type { FetchLike } from './live-agent-http.js';

export interface AgentClientOptions {
  /** Server root, e.g. `https://chat.example.com`. */
  baseUrl: string;
  fetch?: FetchLike;
  /**
   * The WebSocket class for connect(): the browser's by default; in Node 20 pass
   * the `ws` package's (`import WebSocket from 'ws'`).
   */
  WebSocket?: WebSocketClass;
  /**
   * Retry timing of idempotent calls and of stream reconnects. `giveUpAfterMs` (default 30000)
   * bounds a call's retries and the first connect(): it rejects when the stream could not be
   * opened in that time (a stream that was open once reconnects for as long as it takes).
   */
  retry?: RetryOptions;
  /**
   * A request with no answer after this long is abandoned (default 30000 ms), and
   * retried when the call is safe to repeat: a chat's actions run one after another,
   * so one request left hanging would stall every later one of that chat.
   */
  requestTimeoutMs?: number;
  /**
   * How often the stream sends a heartbeat (default 20000 ms). The server answers
   * each one; a socket that brings back nothing for two intervals is taken for
   * dead (a half-open connection after a network change or sleep) and reconnected.
   */
  heartbeatMs?: number;
}
