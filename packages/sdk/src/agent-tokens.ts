/**
 * The agent's tokens: the access token every call sends, and the refresh token
 * that replaces it shortly before it expires (and when a call or the stream is
 * told it expired).
 */
import { unrefTimer, type Timer } from './backoff.js';
import { SwitchboardHttpError } from './errors.js';
import type { TokenPair } from './types.js';

/** A refresh: done, refused (log in again), or the server could not be asked now. */
export type RefreshOutcome = 'ok' | 'refused' | 'unavailable';

/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

export class AgentTokens {
  accessToken: string | undefined;
  /** None with useToken(): such a token is not refreshed. */
  refreshToken: string | undefined;
  private refreshing: Promise<RefreshOutcome> | null = null;
  private refreshTimer: Timer | undefined;

  /**
   * `exchange` trades a refresh token for a new pair (POST /auth/refresh); `adopted` is told
   * of every new pair (the client keeps its limits, the open socket takes the new token).
   */
  constructor(
    private readonly exchange: (refreshToken: string) => Promise<TokenPair>,
    private readonly adopted: (pair: TokenPair) => void,
  ) {}

  /** Takes a new pair (login, resumeSession(), refresh) and schedules its refresh. */
  adopt(pair: TokenPair): void {
    this.accessToken = pair.accessToken;
    this.refreshToken = pair.refreshToken;
    this.adopted(pair);
    clearTimeout(this.refreshTimer);
    const inMs = Math.max(5_000, pair.expiresIn * 1000 - Math.min(REFRESH_MARGIN_MS, (pair.expiresIn * 1000) / 5));
    this.refreshTimer = setTimeout(() => {
      void this.refresh().then((ok) => {
        // Could not refresh now (server away): try again soon; the stream reauthenticates on its own too.
        if (!ok && this.refreshToken) {
          this.refreshTimer = setTimeout(() => void this.refresh(), 10_000);
          unrefTimer(this.refreshTimer);
        }
      });
    }, inMs);
    unrefTimer(this.refreshTimer);
  }

  /** An access token obtained elsewhere, never refreshed. */
  useToken(accessToken: string): void {
    this.stopRefreshing();
    this.accessToken = accessToken;
    this.refreshToken = undefined;
  }

  /** Logged out: no token any more. */
  forget(): void {
    this.stopRefreshing();
    this.accessToken = undefined;
    this.refreshToken = undefined;
  }

  stopRefreshing(): void {
    clearTimeout(this.refreshTimer);
  }

  /** Exchanges the refresh token for a new pair; false when there is none, it was refused, or the server could not be asked. */
  async refresh(): Promise<boolean> {
    return (await this.refreshOutcome()) === 'ok';
  }

  /** Like refresh(), telling a refusal (log in again) from a server that could not be asked now. */
  refreshOutcome(): Promise<RefreshOutcome> {
    if (!this.refreshToken) return Promise.resolve('refused');
    this.refreshing ??= this.exchange(this.refreshToken)
      .then((pair) => {
        this.adopt(pair);
        return 'ok' as const;
      }, (err: unknown) => (err instanceof SwitchboardHttpError && (err.status === 400 || err.status === 401 || err.status === 403) ? 'refused' as const : 'unavailable' as const))
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }
}
