/**
 * Moves SQLite's WAL checkpoints off the event loop (docs/adr/0009).
 *
 * SQLite's automatic checkpoint runs inside whichever commit crosses the
 * threshold: that commit copies ~1,000 pages back into the database file and,
 * with synchronous=NORMAL, fsyncs it — tens of milliseconds during which every
 * held poll and send waits. Here the writer connection has autocheckpoint off
 * and a worker thread with its own connection runs PASSIVE checkpoints, which
 * never take the writer's lock: the hot path only appends to the WAL.
 *
 * The worker is plain JavaScript evaluated from a string so it runs the same
 * from TypeScript sources (tests) and from dist/ (npm start); it is given the
 * resolved better-sqlite3 path because an eval'd worker has no module location.
 *
 * With autocheckpoint off, this thread is the only thing that keeps the WAL
 * bounded: a thread that dies (a native fault, an out-of-memory in the worker)
 * is logged and replaced after a back-off, and stop() never waits on a thread
 * that is gone (SIGTERM must finish).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Clock, TimerHandle } from '../../ports/clock.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.driverPath);
const db = new Sqlite(workerData.file);
db.pragma('busy_timeout = 1000');
let stopping = false;
let checkpoints = 0;
function checkpoint(mode = 'PASSIVE') {
  try {
    const [r] = db.pragma('wal_checkpoint(' + mode + ')');
    checkpoints += 1;
    return r;
  } catch (err) {
    // SQLITE_BUSY only means another checkpoint or a recovery ran; the next tick retries.
    return { busy: 1, log: -1, checkpointed: -1, error: String(err && err.message || err) };
  }
}
const timer = setInterval(() => { if (!stopping) checkpoint(); }, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'now') parentPort.postMessage({ kind: 'result', result: checkpoint(), checkpoints });
  // After personal data was deleted: copy everything back and cut the log to zero bytes,
  // so the deleted rows' old text is no longer in the -wal file.
  if (m === 'truncate') parentPort.postMessage({ kind: 'result', result: checkpoint('TRUNCATE'), checkpoints });
  if (m === 'stop') {
    stopping = true;
    clearInterval(timer);
    const result = checkpoint();
    db.close();
    parentPort.postMessage({ kind: 'stopped', result, checkpoints });
  }
});
parentPort.postMessage({ kind: 'ready' });
`;

export interface CheckpointResult {
  busy: number;
  /** Frames in the WAL. */
  log: number;
  /** Frames copied back into the database so far. */
  checkpointed: number;
  error?: string;
}

/** Where the checkpointer reports a thread that died and its replacement. */
export interface CheckpointerLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WalCheckpointerOptions {
  logger?: CheckpointerLogger;
  /** Timers for the restart back-off (the Clock port; tests drive it). */
  timers: Pick<Clock, 'setTimeout'>;
}

/** Back-off before the first replacement thread; doubles per consecutive failure, up to RESTART_MAX_MS. */
const RESTART_FIRST_MS = 1_000;
const RESTART_MAX_MS = 60_000;
/**
 * Consecutive replacements before giving up: a thread that dies again and again
 * (a file it cannot open) would otherwise log and respawn for ever.
 */
const MAX_CONSECUTIVE_RESTARTS = 8;
/** A thread alive this long after it was ready counts as healthy: the back-off starts over. */
const HEALTHY_AFTER_MS = 10 * 60_000;

export class WalCheckpointer {
  /** The running thread; null between a crash and its replacement, after giving up, and after stop(). */
  private worker: Worker | null = null;
  private readonly ready: Promise<void>;
  private stopping = false;
  private stopped: Promise<CheckpointResult | null> | null = null;
  private restartTimer: TimerHandle | null = null;
  private healthyTimer: TimerHandle | null = null;
  private consecutiveRestarts = 0;
  /** Threads started to replace one that exited unexpectedly (tests, diagnostics). */
  restarts = 0;
  /** No more restarts after too many crashes in a row: the WAL now grows until the server restarts (/readyz says so). */
  gaveUp = false;

  constructor(
    private readonly file: string,
    private readonly intervalMs: number,
    private readonly opts: WalCheckpointerOptions,
  ) {
    this.ready = this.spawn();
  }

  /** Resolves once the first worker has its connection open (start-up fails loudly otherwise). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  /** The running thread, for tests that end it as a crash would. */
  get thread(): Worker | null {
    return this.worker;
  }

  /** Runs a checkpoint now and reports it (tests, diagnostics). */
  checkpointNow(mode: 'passive' | 'truncate' = 'passive'): Promise<CheckpointResult> {
    const worker = this.worker;
    if (!worker) return Promise.reject(new Error('WAL checkpointer thread not running'));
    return this.request(worker, mode === 'truncate' ? 'truncate' : 'now', 'result');
  }

  /**
   * Runs a last checkpoint, closes the worker's connection and ends the thread.
   * Resolves null at once when no thread runs: the WAL stays, and the next open
   * of the database checkpoints it.
   */
  stop(): Promise<CheckpointResult | null> {
    if (!this.stopped) {
      this.stopping = true;
      this.restartTimer?.cancel();
      this.restartTimer = null;
      this.healthyTimer?.cancel();
      this.healthyTimer = null;
      const worker = this.worker;
      this.stopped = worker ? this.request(worker, 'stop', 'stopped').finally(() => void worker.terminate()) : Promise.resolve(null);
    }
    return this.stopped;
  }

  private spawn(): Promise<void> {
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file: this.file, intervalMs: this.intervalMs, driverPath } });
    this.worker = worker;
    // The checkpointer must never keep the process alive on its own.
    worker.unref();
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: { kind: string }) => {
        if (m.kind !== 'ready') return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        worker.off('exit', onExit);
        resolve();
      };
      const onExit = (code: number) => reject(new Error(`WAL checkpointer thread exited (code ${code}) before it was ready`));
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', onExit);
    });
    // A failed checkpointer only lets the WAL grow; it must not take the server down.
    worker.on('error', (err) => this.opts.logger?.error({ err }, 'WAL checkpointer thread failed'));
    // Registered before any request's listener, so `worker` is null by the time those run.
    worker.once('exit', (code) => this.exited(worker, code));
    void ready.then(() => {
      if (this.worker !== worker || this.stopping) return;
      this.healthyTimer = this.opts.timers.setTimeout(() => { this.consecutiveRestarts = 0; }, HEALTHY_AFTER_MS);
    }, () => undefined);
    return ready;
  }

  private exited(worker: Worker, code: number): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.healthyTimer?.cancel();
    this.healthyTimer = null;
    if (this.stopping) return;
    const log = this.opts.logger;
    if (this.consecutiveRestarts >= MAX_CONSECUTIVE_RESTARTS) {
      this.gaveUp = true;
      log?.error({ code, file: this.file, restarts: this.consecutiveRestarts }, 'WAL checkpointer thread exited again: no more restarts, the WAL now grows until the server restarts');
      return;
    }
    const delayMs = Math.min(RESTART_MAX_MS, RESTART_FIRST_MS * 2 ** this.consecutiveRestarts);
    this.consecutiveRestarts += 1;
    log?.error({ code, file: this.file, restartInMs: delayMs }, 'WAL checkpointer thread exited unexpectedly: starting a new one (the WAL grows meanwhile)');
    this.restartTimer = this.opts.timers.setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.restarts += 1;
      this.spawn().then(
        () => log?.warn({ file: this.file }, 'WAL checkpointer thread started again'),
        () => undefined, // its exit is handled (and logged) by exited()
      );
    }, delayMs);
  }

  private request(worker: Worker, message: string, kind: string): Promise<CheckpointResult> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: { kind: string; result: CheckpointResult }) => {
        if (m.kind !== kind) return;
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        resolve(m.result);
      };
      const onExit = () => {
        worker.off('message', onMessage);
        reject(new Error('WAL checkpointer exited'));
      };
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      worker.postMessage(message);
    });
  }
}
