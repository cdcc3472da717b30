/**
 * The visitor's answer to an agent's file request (FileTransfer Requested): one
 * multipart POST to the `uploadServletUrl` the request named, outside the Live
 * Agent REST prefix, so none of its headers, sequence numbers or recovery apply.
 * The session key, the file token and the org go as form fields, never in the
 * URL (URLs end up in access logs and browser consoles).
 */
import { backoffDelay, sleep, type RetryOptions } from './backoff.js';
import { SwitchboardClosedError, SwitchboardHttpError, isNetworkError, retryAfterMs } from './errors.js';
import type { FetchLike } from './live-agent-http.js';
import { NetworkTimeoutError, isRecord, parseJson } from './live-agent-http.js';
import type { FileUploaded } from './types.js';

/** Options of one upload (VisitorClient.uploadFile). */
export interface UploadOptions {
  /** The content type to send the bytes with (a Blob's own `type` otherwise; default `application/octet-stream`). */
  contentType?: string;
  /** Aborts the upload (it then rejects with the signal's reason). */
  signal?: AbortSignal;
  /** An upload with no answer after this long is abandoned (default 120000 ms: up to 10 MiB on a slow line). */
  timeoutMs?: number;
  /**
   * Called when the server is busy (503 `UPLOADS_BUSY`) or limits this address (429
   * `RATE_LIMITED`) and the upload waits out its `Retry-After` before it is sent again:
   * a page can say so instead of an error.
   */
  onBusyWait?: (wait: UploadBusyWait) => void;
}

/** One wait of an upload the server refused for now (UploadOptions.onBusyWait). */
export interface UploadBusyWait {
  /** 503 or 429. */
  status: number;
  /** `UPLOADS_BUSY` or `RATE_LIMITED`. */
  code: 'UPLOADS_BUSY' | 'RATE_LIMITED';
  /** How long the upload waits before its next try, in ms. */
  waitMs: number;
  /** The try that was refused (1 for the first). */
  attempt: number;
}

/** What one upload needs from the client: where, as whom, how to retry, and when the client stopped. */
export interface UploadRequest {
  url: string;
  chatKey: string;
  fileToken: string;
  organizationId: string;
  data: Blob | Uint8Array;
  name: string;
  fetch: FetchLike;
  retry: RetryOptions | undefined;
  /** Aborted when the visitor client stops. */
  stopped: AbortSignal;
  options: UploadOptions;
}

/** How many times an upload that got no answer at all is sent again. */
const NETWORK_RETRIES = 2;

/**
 * Tries of one upload the server refuses for now (503 UPLOADS_BUSY, 429 RATE_LIMITED), and
 * the most time spent waiting between them: a visitor looking at a "busy" line should hear
 * a definite answer within a minute, not wait without end on a server that stays full.
 */
export const BUSY_TRIES = 3;
export const BUSY_WAIT_LIMIT_MS = 60_000;

/** The wait when a refusal names none (the server always sends one; a proxy may not). */
const BUSY_DEFAULT_WAIT_MS = 1_000;

/**
 * Posts the file. A network failure (no answer) is sent again, at most twice: the server
 * answers an exact retry of the same bytes whose first answer was lost with the same 200
 * (docs/visitor-api.md, "File transfer"). A 503 UPLOADS_BUSY or 429 RATE_LIMITED is sent
 * again, the same bytes, after the answer's `Retry-After`: at most BUSY_TRIES tries in all
 * and BUSY_WAIT_LIMIT_MS of waiting; a wait that would go past it is not started and the
 * refusal rejects at once. Any other answer outside 2xx (and the last refusal) rejects with
 * SwitchboardHttpError: its `status` and the server's reason (`body`); `code` names the
 * file transfer codes (FILE_TOO_LARGE, FILE_TOKEN_INVALID, FILE_ALREADY_UPLOADED).
 */
export async function uploadFile(r: UploadRequest): Promise<FileUploaded> {
  const type = r.options.contentType ?? (isBlob(r.data) && r.data.type ? r.data.type : 'application/octet-stream');
  // A copy as a Blob of our own: a Uint8Array over a shared or resizable buffer is no BlobPart everywhere.
  const blob = isBlob(r.data) ? (r.options.contentType ? new Blob([r.data], { type }) : r.data) : new Blob([new Uint8Array(r.data)], { type });
  let busyTries = 0;
  let waitedMs = 0;
  for (let attempt = 0; ; attempt++) {
    const form = new FormData();
    // The fields before the file: a server that streams the body knows who uploads before the bytes come.
    form.append('chatKey', r.chatKey);
    form.append('fileToken', r.fileToken);
    form.append('orgId', r.organizationId);
    // The exact name as a field too: a part's filename loses characters in some encoders (quotes, line breaks).
    form.append('filename', r.name);
    form.append('file', blob, r.name);
    let res: PostAnswer;
    try {
      res = await post(r, form);
    } catch (err) {
      if (r.stopped.aborted) throw new SwitchboardClosedError(`upload ${r.name}: the chat is over`);
      if (r.options.signal?.aborted || !isNetworkError(err) || attempt >= NETWORK_RETRIES) throw err;
      await sleep(backoffDelay(attempt + 1, r.retry), r.stopped, r.options.signal);
      continue;
    }
    if (res.status < 200 || res.status >= 300) {
      const err = new SwitchboardHttpError(res.status, res.text, `upload ${r.name}`);
      const code = err.code;
      if (code !== 'UPLOADS_BUSY' && code !== 'RATE_LIMITED') throw err;
      busyTries += 1;
      const waitMs = res.retryAfterMs ?? BUSY_DEFAULT_WAIT_MS;
      if (busyTries >= BUSY_TRIES || waitedMs + waitMs > BUSY_WAIT_LIMIT_MS || r.options.signal?.aborted) throw err;
      r.options.onBusyWait?.({ status: res.status, code, waitMs, attempt: busyTries });
      waitedMs += waitMs;
      // Aborted while waiting: the next post() sees the signal and rejects without sending.
      await sleep(waitMs, r.stopped, r.options.signal);
      continue;
    }
    const body = parseJson(res.text);
    if (!isRecord(body) || typeof body['fileId'] !== 'string') throw new SwitchboardHttpError(res.status, res.text, `upload ${r.name}: not a file transfer answer`);
    return body as FileUploaded;
  }
}

interface PostAnswer {
  status: number;
  text: string;
  /** The answer's Retry-After, in ms. */
  retryAfterMs: number | undefined;
}

async function post(r: UploadRequest, form: FormData): Promise<PostAnswer> {
  const limit = r.options.timeoutMs ?? 120_000;
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, limit);
  const signals = [r.stopped, r.options.signal].filter((s): s is AbortSignal => s !== undefined);
  const onAbort = (): void => ac.abort();
  for (const s of signals) {
    if (s.aborted) ac.abort();
    s.addEventListener('abort', onAbort);
  }
  try {
    // No Content-Type of ours: fetch writes the multipart boundary into it.
    const res = await r.fetch(r.url, { method: 'POST', body: form, signal: ac.signal });
    return { status: res.status, text: await res.text(), retryAfterMs: retryAfterMs(res.headers.get('retry-after')) };
  } catch (err) {
    if (timedOut) throw new NetworkTimeoutError(`upload ${r.name}: no answer within ${limit} ms`);
    throw err;
  } finally {
    clearTimeout(timer);
    for (const s of signals) s.removeEventListener('abort', onAbort);
  }
}

function isBlob(v: unknown): v is Blob {
  return typeof Blob !== 'undefined' && v instanceof Blob;
}
