/** Retry timing shared by the visitor loop and the agent stream. */
export interface RetryOptions {
  /** First retry delay in ms (default 500). */
  baseMs?: number;
  /** Longest delay in ms (default 15000). */
  maxMs?: number;
  /** Give up after failing this long without a single success, in ms (default 120000). */
  giveUpAfterMs?: number;
}

export type Timer = ReturnType<typeof setTimeout>;

/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half is
 * random, so clients that lost the server at the same moment do not all come
 * back at the same moment, and no retry comes sooner than half the step.
 */
export function backoffDelay(attempt: number, opts: RetryOptions = {}): number {
  const base = opts.baseMs ?? 500;
  const max = opts.maxMs ?? 15_000;
  const step = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return step / 2 + Math.random() * (step / 2);
}

/** Resolves after `ms`, or at once when any of `signals` aborts. */
export function sleep(ms: number, ...signals: Array<AbortSignal | undefined>): Promise<void> {
  return new Promise((resolve) => {
    if (signals.some((s) => s?.aborted)) return resolve();
    const done = () => {
      clearTimeout(timer);
      for (const s of signals) s?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const s of signals) s?.addEventListener('abort', done);
  });
}

/** Lets a Node timer not keep the process alive; a no-op in browsers. */
export function unrefTimer(t: Timer): void {
  (t as { unref?: () => void }).unref?.();
}
