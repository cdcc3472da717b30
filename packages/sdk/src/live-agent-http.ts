/**
 * One Live Agent REST exchange: headers, JSON body, a client-side time limit,
 * and an answer that is never thrown for a status (only for a network failure).
 * Uses only fetch/AbortController, so it runs in browsers and Node alike.
 */
import type { Timer } from './backoff.js';

export type FetchLike = typeof fetch;

export interface LaAnswer {
  status: number;
  text: string;
  /** The `Retry-After` header (a standby's 503 has one); null without one. */
  retryAfter?: string | null;
}

export interface LaRequest {
  /** HEAD: a probe that the server answers at once (ADR 0019), never a held poll. */
  method: 'GET' | 'POST' | 'HEAD';
  /** `Prefix/Noun`, appended to `<baseUrl>/chat/rest/`. */
  path: string;
  query?: Record<string, string | number>;
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  /**
   * Any of them aborts the request (the client stopped, or replaced its poll): the promise
   * then rejects at once with an AbortError, even with a `fetch` that ignores the signal,
   * and an answer that still comes is dropped.
   */
  signals?: AbortSignal[];
  credentials?: 'include' | 'same-origin' | 'omit';
}

/** Thrown when our own time limit cut the request: treated like any network failure. */
export class NetworkTimeoutError extends Error {
  override readonly name = 'NetworkTimeout';
}

export async function laRequest(fetchImpl: FetchLike, baseUrl: string, r: LaRequest): Promise<LaAnswer> {
  let url = `${baseUrl.replace(/\/+$/, '')}/chat/rest/${r.path}`;
  if (r.query) url += `?${new URLSearchParams(Object.entries(r.query).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
  const ac = new AbortController();
  let timedOut = false;
  const timer: Timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, r.timeoutMs);
  const onAbort = (): void => ac.abort();
  const signals = r.signals ?? [];
  for (const s of signals) {
    if (s.aborted) ac.abort();
    s.addEventListener('abort', onAbort);
  }
  const headers = { ...r.headers };
  if (r.body !== undefined) headers['Content-Type'] = 'application/json';
  const answer = (async (): Promise<LaAnswer> => {
    const res = await fetchImpl(url, {
      method: r.method,
      headers,
      body: r.body === undefined ? undefined : JSON.stringify(r.body),
      signal: ac.signal,
      ...(r.credentials ? { credentials: r.credentials } : {}),
    });
    return { status: res.status, text: await res.text(), retryAfter: res.headers.get('Retry-After') };
  })();
  // Registered after fetchImpl has registered its own listener, so a fetch that honours the
  // signal has cancelled the request by the time the caller hears of the abort. One that does
  // not is not waited for: its answer, if it ever comes, settles a race already over.
  const aborted = new Promise<never>((_, reject) => {
    const fail = (): void => reject(ac.signal.reason);
    if (ac.signal.aborted) fail();
    else ac.signal.addEventListener('abort', fail, { once: true });
  });
  answer.catch(() => undefined);
  aborted.catch(() => undefined);
  try {
    return await Promise.race([answer, aborted]);
  } catch (err) {
    if (timedOut) throw new NetworkTimeoutError(`${r.method} ${r.path}: no answer within ${r.timeoutMs} ms`);
    throw err;
  } finally {
    clearTimeout(timer);
    for (const s of signals) s.removeEventListener('abort', onAbort);
  }
}

/** Parses a JSON answer body; undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
