import type { FastifyInstance } from 'fastify';
import type { ChatStore } from '../ports/chat-store.js';
import type { Clock } from '../ports/clock.js';
import type { CommitQueue } from '../core/commit-queue.js';
import { HealthzAnswer, NotReadyAnswer, ReadyzAnswer } from '../protocol/health-types.js';

export interface ReadinessChecks {
  /** The last group commit failed and waits to be written again. */
  writesFailing: () => boolean;
  /** This node holds its store's node lock (PostgreSQL can lose it with its connection, ADR 0017). */
  lockHeld?: () => boolean;
  /** (SQLite) the checkpointer thread crashed too often and is not restarted: the WAL grows. */
  checkpointsStopped?: () => boolean;
  /**
   * How long the store's ping may take (storage.readyTimeoutSeconds). A store that
   * does not answer at all (a SIGSTOPped PostgreSQL, a silent network) would hold the
   * ping for the statement and driver timeouts, 15 s: a probe with a shorter timeout
   * would see a timeout, not a 503 that says why.
   */
  timeoutMs: number;
  clock: Pick<Clock, 'setTimeout'>;
  /** How long the group commit's writes wait (CommitQueue.waits). */
  commitWaits?: CommitQueue['waits'];
  /**
   * storage.writeStuckSeconds, in ms: a write waiting longer is stuck (0: not checked).
   * The store still answers a ping then (a row lock, a locked table, a disk that hangs
   * on writes only), so without this a node whose every commit hangs said "ready".
   */
  writeStuckMs?: number;
}

/** Default of ReadinessChecks.timeoutMs. */
export const DEFAULT_READY_TIMEOUT_MS = 2_000;

/**
 * /healthz: the process serves. /readyz: the store answers within the bound, and
 * takes writes, and no write has waited longer than its bound, and this node holds
 * its node lock, and (SQLite) the WAL is still checkpointed.
 */
export function registerHealthRoutes(app: FastifyInstance, store: ChatStore, checks: ReadinessChecks): void {
  const { writesFailing, lockHeld = () => true, checkpointsStopped = () => false } = checks;
  const stuckMs = checks.writeStuckMs ?? 0;
  /**
   * `store write stuck` while a write has waited longer than the bound (an
   * asynchronous store: PostgreSQL behind a lock); `store write slow` for as long
   * again after one that took longer ended (SQLite: its write holds the process while
   * it waits, so a probe only gets in between two such writes). The window ends by
   * itself: a node that nobody writes to any more (the balancer took it out) is not
   * held unready for ever by the last write it saw.
   */
  const writeStall = (): NotReadyAnswer | null => {
    if (stuckMs <= 0 || !checks.commitWaits) return null;
    const { unwrittenMs, last } = checks.commitWaits();
    if (unwrittenMs !== null && unwrittenMs > stuckMs) return 'store write stuck';
    if (last !== null && last.waitedMs > stuckMs && last.endedAgoMs < stuckMs) return 'store write slow';
    return null;
  };
  // One ping at a time: probes of a stalled store share the one in flight instead
  // of taking a pooled connection each, for as long as the store stays silent.
  let inFlight: Promise<boolean> | null = null;
  const ping = (): Promise<boolean> => (inFlight ??= store.ping().finally(() => { inFlight = null; }));
  const pingWithin = (ms: number): Promise<boolean | 'timeout'> => new Promise((resolve) => {
    const timer = checks.clock.setTimeout(() => resolve('timeout'), ms);
    ping().then((ok) => { timer.cancel(); resolve(ok); }, () => { timer.cancel(); resolve(false); });
  });

  // The response schemas (src/protocol/health-types.ts) document the texts; a string body
  // with text/plain is sent as it is, and the types below keep the code to those texts.
  const healthy: HealthzAnswer = 'ok';
  const ready: ReadyzAnswer = 'ready';
  app.get('/healthz', { schema: { response: { 200: HealthzAnswer } } }, (_req, reply) => { void reply.type('text/plain').send(healthy); });
  app.get('/readyz', { schema: { response: { 200: ReadyzAnswer, 503: NotReadyAnswer } } }, async (_req, reply) => {
    const ok = await pingWithin(checks.timeoutMs);
    const problem: NotReadyAnswer | null = ok === 'timeout' ? 'store not answering' : !ok ? 'store unavailable' : writesFailing() ? 'store refuses writes' : writeStall() ?? (!lockHeld() ? 'node lock lost'
      : checkpointsStopped() ? 'WAL checkpoints stopped' : null);
    void reply.code(problem ? 503 : 200).type('text/plain').send(problem ?? ready);
  });
}
