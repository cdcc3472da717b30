// Starts a server as a child process, waits for its "listening on" line and
// stops it by pid (SIGTERM, then SIGKILL after a bounded wait).
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/**
 * Spawns `command args` and resolves once stdout matches `readyPattern`.
 * Returns {child, pid, readyMs, logPath, stop()}; rejects with the log tail on
 * exit or timeout.
 */
export function startServerProcess({ command, args, cwd, env, readyPattern = /listening on http:\/\//, timeoutMs = 30_000, logPath }) {
  return new Promise((resolve, reject) => {
    const spawnedAt = performance.now();
    // BENCH_SERVER_CPUS (diagnosis): a `taskset -c` CPU list for the server, e.g. to keep it off the load generator's core.
    const pinned = process.env.BENCH_SERVER_CPUS ? ['taskset', ['-c', process.env.BENCH_SERVER_CPUS, command, ...args]] : [command, args];
    const child = spawn(pinned[0], pinned[1], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = logPath ? createWriteStream(logPath) : null;
    let tail = '';
    let ready = false;
    const remember = (chunk) => {
      log?.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    };
    const timer = setTimeout(() => {
      if (ready) return;
      child.kill('SIGKILL');
      reject(new Error(`server did not start within ${timeoutMs} ms: ${tail}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk) => {
      remember(chunk);
      if (!ready && readyPattern.test(tail)) {
        ready = true;
        clearTimeout(timer);
        resolve({
          child,
          pid: child.pid,
          readyMs: performance.now() - spawnedAt,
          logPath,
          stop: (options) => stopProcess(child, options),
        });
      }
    });
    child.stderr.on('data', remember);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      log?.end();
      if (!ready) {
        clearTimeout(timer);
        reject(new Error(`server exited (${code ?? signal}) before it was ready: ${tail}`));
      }
    });
  });
}

/** Sends `signal` to the child and waits (bounded) for it to exit; returns ms taken. */
export function stopProcess(child, { signal = 'SIGTERM', graceMs = 10_000 } = {}) {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve(0);
      return;
    }
    const killTimer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killTimer);
      resolve(performance.now() - startedAt);
    });
    child.kill(signal);
  });
}
