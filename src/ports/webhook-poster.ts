/**
 * How a webhook's POST leaves the process (ADR 0065): the sender signs, times and
 * retries; this only carries the request.
 */
export interface WebhookPoster {
  /**
   * POSTs `body` to `url` with `headers`; resolves with the answer's status, a redirect's
   * too (redirects are not followed: the receiver is the URL configured, nowhere else).
   * Rejects on a network error, or when `signal` aborts (the sender's timeout, shutdown).
   */
  post(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<number>;
}
