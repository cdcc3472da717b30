/**
 * One call of the agent API over fetch: the bearer token, a time limit, one
 * refresh and retry on a 401, and retries with backoff for the calls that are
 * safe to repeat (network failures, 502–504), until the client is closed; and
 * for every call, a hot standby's `503 NODE_STANDBY`, which applied nothing.
 */
import type { AgentClientOptions } from './agent-options.js';
import type { AgentTokens } from './agent-tokens.js';
import { backoffDelay, sleep } from './backoff.js';
import { SwitchboardClosedError, SwitchboardHttpError, isNetworkError, isNodeStandby, retryAfterMs } from './errors.js';
import type { FetchLike } from './live-agent-http.js';

export interface CallOptions {
  /** Retry on network failures and 502–504 (only for calls that are safe to repeat). */
  retry?: boolean;
  /** The API the path is under (default `/agent/v1`). */
  root?: string;
  /** Send the bearer token (default true). */
  auth?: boolean;
  /** The call's closer, taken when it was queued (default: the current one). */
  signal?: AbortSignal;
}

/** What a call rejects with once logout() or close() cancelled it. */
export function closedError(what: string): SwitchboardClosedError {
  return new SwitchboardClosedError(`${what}: the client was closed (logout() or close())`);
}

export class AgentRestCall {
  /** `closer()` gives the client's current closer (replaced by each logout() and close()). */
  constructor(
    private readonly opts: AgentClientOptions,
    private readonly fetchImpl: FetchLike,
    private readonly tokens: AgentTokens,
    private readonly closer: () => AbortSignal,
  ) {}

  /** The parsed JSON answer (undefined for an empty one); a status outside 2xx rejects with SwitchboardHttpError. */
  async call<T>(method: string, path: string, body?: unknown, o: CallOptions = {}): Promise<T> {
    const { body: text } = await this.exchange(method, path, body, o, (res) => res.text());
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** The answer's bytes and headers (a download); a status outside 2xx rejects with SwitchboardHttpError. */
  async bytes(method: string, path: string, o: CallOptions = {}): Promise<{ bytes: Uint8Array; headers: Headers }> {
    const { body, headers } = await this.exchange(method, path, undefined, o, async (res) => new Uint8Array(await res.arrayBuffer()));
    return { bytes: body, headers };
  }

  /**
   * One call with its retries, refresh and standby waits; `read` takes the body of a 2xx
   * answer (an error's body is always read as text, for SwitchboardHttpError).
   */
  private async exchange<R>(method: string, path: string, body: unknown, o: CallOptions, read: (res: Response) => Promise<R>): Promise<{ body: R; headers: Headers }> {
    const root = o.root ?? '/agent/v1';
    const url = `${this.opts.baseUrl.replace(/\/+$/, '')}${root}${path}`;
    const started = Date.now();
    const closer = o.signal ?? this.closer();
    let attempt = 0;
    let reauthenticated = false;
    for (;;) {
      if (closer.aborted) throw closedError(`${method} ${root}${path}`);
      const headers: Record<string, string> = {};
      if (o.auth !== false && this.tokens.accessToken) headers['Authorization'] = `Bearer ${this.tokens.accessToken}`;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      let status: number;
      let text = '';
      let ok: { body: R; headers: Headers } | undefined;
      let retryAfter: string | null = null;
      // One signal for fetch: our time limit (a TimeoutError, retried) or the closer (not retried).
      const timeout = AbortSignal.timeout(this.opts.requestTimeoutMs ?? 30_000);
      const ac = new AbortController();
      const onTimeout = (): void => ac.abort(timeout.reason);
      const onClose = (): void => ac.abort(closer.reason);
      timeout.addEventListener('abort', onTimeout);
      closer.addEventListener('abort', onClose);
      try {
        const res = await this.fetchImpl(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: ac.signal });
        status = res.status;
        if (status >= 200 && status < 300) ok = { body: await read(res), headers: res.headers };
        else text = await res.text();
        retryAfter = res.headers.get('Retry-After');
      } catch (err) {
        if (closer.aborted) throw closedError(`${method} ${root}${path}`);
        if (!o.retry || !isNetworkError(err) || Date.now() - started > (this.opts.retry?.giveUpAfterMs ?? 30_000)) throw err;
        await sleep(backoffDelay(++attempt, this.opts.retry), closer);
        continue;
      } finally {
        timeout.removeEventListener('abort', onTimeout);
        closer.removeEventListener('abort', onClose);
      }
      if (ok) return ok;
      if (status === 401 && o.auth !== false && !reauthenticated && this.tokens.refreshToken) {
        reauthenticated = true;
        if (await this.tokens.refresh()) continue;
      }
      // A standby's 503 NODE_STANDBY applied nothing (ADR 0048): any call, even one not safe
      // to repeat (accept, end, transfer), is sent again, not before the Retry-After it asks for.
      const standby = isNodeStandby(status, text);
      if ((standby || (o.retry && status >= 502 && status <= 504)) && Date.now() - started <= (this.opts.retry?.giveUpAfterMs ?? 30_000)) {
        const backoff = backoffDelay(++attempt, this.opts.retry);
        const asked = standby ? Math.min(retryAfterMs(retryAfter) ?? 0, this.opts.retry?.maxMs ?? 15_000) : 0;
        await sleep(Math.max(backoff, asked), closer);
        continue;
      }
      throw new SwitchboardHttpError(status, text, `${method} ${root}${path}`);
    }
  }
}
