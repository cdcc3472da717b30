/**
 * One node per store: the sessions in a store are served by the node that owns
 * them, from its memory (cursor, held polls, routing). A second process on the
 * same SQLite data directory or the same PostgreSQL database would load
 * the same sessions and write conflicting offsets, so a node holds this lock for
 * its whole life (docs/adr/0017-one-node-per-store.md).
 */
export interface NodeLock {
  /**
   * Takes the lock, trying again until `waitMs` has passed (a rolling deploy
   * starts the new process before the old one has exited). Throws
   * {@link StoreInUseError} when it stays taken. `onWaiting` hears that it is
   * taken (after the first attempt, then every few seconds), so the node can say
   * why it does not start yet.
   */
  acquire(waitMs: number, onWaiting?: LockWaitListener, opts?: LockWaitOptions): Promise<void>;
  /** Lets the lock go (shutdown). */
  release(): Promise<void>;
}

export class StoreInUseError extends Error {
  constructor(where: string, waitedMs: number) {
    super(`another Switchboard node is using ${where} (waited ${secondsOf(waitedMs)} s for it to stop): one node per store`);
    this.name = 'StoreInUseError';
  }
}

/**
 * Seconds to a tenth, without a trailing `.0`: a wait of 1.5 s reads `1.5`, not `2`
 * (whole seconds rounded a short lockWaitSeconds up), and one of 30.02 s reads `30`.
 */
export function secondsOf(ms: number): number {
  return Math.round(ms / 100) / 10;
}

/** The wait was given up (a standby told to stop, ADR 0048): the lock is not held. */
export class LockWaitAbortedError extends Error {
  constructor() {
    super('stopped while waiting for the node lock');
    this.name = 'LockWaitAbortedError';
  }
}

/** Told while a node waits for the lock: how long it has waited, and for what. */
export type LockWaitListener = (waitedMs: number, where: string) => void;

/** How a wait for the lock goes besides its length (a standby's: ADR 0048). */
export interface LockWaitOptions {
  /** Gives the wait up: acquire then rejects with {@link LockWaitAbortedError}. */
  signal?: AbortSignal;
  /** How often `onWaiting` hears again that the lock is still taken (default 5 s). */
  reportEveryMs?: number;
  /**
   * An attempt that failed (the database restarted while a standby waits) is told
   * here and tried again; without it, the failure ends the wait.
   */
  onAttemptFailed?: (err: unknown) => void;
}

/** How often a waiting node says again that it still waits. */
const WAIT_REPORT_EVERY_MS = 5_000;
/** Pause between attempts; after a failed one, longer (the database is away). */
const RETRY_EVERY_MS = 250;
const RETRY_AFTER_FAILURE_MS = 1_000;

/**
 * Tries `attempt` until it returns true or `waitMs` passes (Infinity: until it is
 * taken or `opts.signal` aborts); tells `onWaiting` after the first miss and every
 * `opts.reportEveryMs` (5 s).
 */
export async function retryLock(attempt: () => Promise<boolean> | boolean, waitMs: number, where: string, onWaiting?: LockWaitListener, opts: LockWaitOptions = {}): Promise<void> {
  const started = Date.now();
  const { signal } = opts;
  let reportAt = started;
  for (;;) {
    if (signal?.aborted) throw new LockWaitAbortedError();
    let pause = RETRY_EVERY_MS;
    try {
      if (await attempt()) return;
    } catch (err) {
      if (!opts.onAttemptFailed) throw err;
      opts.onAttemptFailed(err);
      pause = RETRY_AFTER_FAILURE_MS;
    }
    const waited = Date.now() - started;
    if (waited >= waitMs) throw new StoreInUseError(where, waited);
    if (Date.now() >= reportAt) {
      onWaiting?.(waited, where);
      reportAt = Date.now() + (opts.reportEveryMs ?? WAIT_REPORT_EVERY_MS);
    }
    await abortableSleep(Math.min(pause, waitMs - waited), signal);
  }
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
