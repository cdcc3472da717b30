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
   * {@link StoreInUseError} when it stays taken.
   */
  acquire(waitMs: number): Promise<void>;
  /** Lets the lock go (shutdown). */
  release(): Promise<void>;
}

export class StoreInUseError extends Error {
  constructor(where: string, waitedMs: number) {
    super(`another Switchboard node is using ${where} (waited ${Math.round(waitedMs / 1000)} s for it to stop): one node per store`);
    this.name = 'StoreInUseError';
  }
}

/** Tries `attempt` until it returns true or `waitMs` passes. */
export async function retryLock(attempt: () => Promise<boolean> | boolean, waitMs: number, where: string): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (await attempt()) return;
    const waited = Date.now() - started;
    if (waited >= waitMs) throw new StoreInUseError(where, waited);
    await new Promise((r) => setTimeout(r, Math.min(250, waitMs - waited)));
  }
}
