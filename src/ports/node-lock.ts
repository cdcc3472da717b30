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
  acquire(waitMs: number, onWaiting?: LockWaitListener): Promise<void>;
  /** Lets the lock go (shutdown). */
  release(): Promise<void>;
}

export class StoreInUseError extends Error {
  constructor(where: string, waitedMs: number) {
    super(`another Switchboard node is using ${where} (waited ${Math.round(waitedMs / 1000)} s for it to stop): one node per store`);
    this.name = 'StoreInUseError';
  }
}

/** Told while a node waits for the lock: how long it has waited, and for what. */
export type LockWaitListener = (waitedMs: number, where: string) => void;

/** How often a waiting node says again that it still waits. */
const WAIT_REPORT_EVERY_MS = 5_000;

/** Tries `attempt` until it returns true or `waitMs` passes; tells `onWaiting` after the first miss and every 5 s. */
export async function retryLock(attempt: () => Promise<boolean> | boolean, waitMs: number, where: string, onWaiting?: LockWaitListener): Promise<void> {
  const started = Date.now();
  let reportAt = started;
  for (;;) {
    if (await attempt()) return;
    const waited = Date.now() - started;
    if (waited >= waitMs) throw new StoreInUseError(where, waited);
    if (Date.now() >= reportAt) {
      onWaiting?.(waited, where);
      reportAt = Date.now() + WAIT_REPORT_EVERY_MS;
    }
    await new Promise((r) => setTimeout(r, Math.min(250, waitMs - waited)));
  }
}
