/** The options of a VisitorClient (re-exported by visitor-client.ts). */
import type { RetryOptions } from './backoff.js';
import type { FetchLike } from './live-agent-http.js';
import type { PrechatDetail } from './types.js';

export interface VisitorClientOptions {
  /** Server root, e.g. `https://chat.example.com` (the client appends `/chat/rest/...`). */
  baseUrl: string;
  organizationId: string;
  deploymentId: string;
  buttonId: string;
  /** X-LIVEAGENT-API-VERSION (default 34). */
  apiVersion?: number;
  fetch?: FetchLike;
  visitorName?: string;
  prechatDetails?: PrechatDetail[];
  /** Ask for QueueUpdate messages (default true). */
  receiveQueueUpdates?: boolean;
  visitorId?: string;
  retry?: RetryOptions;
  /**
   * What to do after `503 Invalid Affinity Token`: `reconnect` (later API versions,
   * `System/ReconnectSession` with the last offset; default) or `resync` (v34,
   * `System/ResyncSession`, then ChasitorSessionData and ChasitorResyncState).
   */
  recovery?: 'resync' | 'reconnect';
  /** Browsers: `include` sends the `liveagent_vid` cookie cross-origin. */
  credentials?: 'include' | 'same-origin' | 'omit';
  /** Extra ChasitorInit fields (`buttonOverrides`, `agentId`, `doFallback`, `prechatEntities`, ...). */
  initExtras?: Record<string, unknown>;
}
