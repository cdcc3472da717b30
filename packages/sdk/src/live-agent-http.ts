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
}

export interface LaRequest {
  method: 'GET' | 'POST';
  /** `Prefix/Noun`, appended to `<baseUrl>/chat/rest/`. */
  path: string;
  query?: Record<string, string | number>;
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  /** Aborts the request (the client stopped); the promise then rejects with an AbortError. */
  signal?: AbortSignal;
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
  if (r.signal?.aborted) ac.abort();
  r.signal?.addEventListener('abort', onAbort);
  const headers = { ...r.headers };
  if (r.body !== undefined) headers['Content-Type'] = 'application/json';
  try {
    const res = await fetchImpl(url, {
      method: r.method,
      headers,
      body: r.body === undefined ? undefined : JSON.stringify(r.body),
      signal: ac.signal,
      ...(r.credentials ? { credentials: r.credentials } : {}),
    });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    if (timedOut) throw new NetworkTimeoutError(`${r.method} ${r.path}: no answer within ${r.timeoutMs} ms`);
    throw err;
  } finally {
    clearTimeout(timer);
    r.signal?.removeEventListener('abort', onAbort);
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
