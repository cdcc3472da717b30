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
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Sqlite = require(workerData.driverPath);
const db = new Sqlite(workerData.file);
db.pragma('busy_timeout = 1000');
let stopping = false;
let checkpoints = 0;
function checkpoint() {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
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

export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly ready: Promise<void>;
  private stopped: Promise<CheckpointResult> | null = null;

  constructor(file: string, intervalMs: number) {
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, intervalMs, driverPath } });
    // The checkpointer must never keep the process alive on its own.
    this.worker.unref();
    this.ready = new Promise((resolve, reject) => {
      const onMessage = (m: { kind: string }) => {
        if (m.kind === 'ready') {
          this.worker.off('error', reject);
          this.worker.off('message', onMessage);
          resolve();
        }
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', reject);
    });
    // A failed checkpointer only lets the WAL grow; it must not take the server down.
    this.worker.on('error', () => undefined);
  }

  /** Resolves once the worker has its connection open (start-up fails loudly otherwise). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  /** Runs a checkpoint now and reports it (tests, diagnostics). */
  checkpointNow(): Promise<CheckpointResult> {
    return this.request('now', 'result');
  }

  /** Runs a last checkpoint, closes the worker's connection and ends the thread. */
  stop(): Promise<CheckpointResult> {
    this.stopped ??= this.request('stop', 'stopped').finally(() => void this.worker.terminate());
    return this.stopped;
  }

  private request(message: string, kind: string): Promise<CheckpointResult> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: { kind: string; result: CheckpointResult }) => {
        if (m.kind !== kind) return;
        this.worker.off('message', onMessage);
        this.worker.off('exit', onExit);
        resolve(m.result);
      };
      const onExit = () => reject(new Error('WAL checkpointer exited'));
      this.worker.on('message', onMessage);
      this.worker.once('exit', onExit);
      this.worker.postMessage(message);
    });
  }
}
