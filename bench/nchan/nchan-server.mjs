// Runs nginx + Nchan from its own prefix and pid file under bench/.run/nchan
// (never the system service). The master runs in the foreground as our child,
// so it is stopped by its own pid.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { NCHAN_MODULE_PATHS, nginxConf } from './nginx-conf.mjs';
import { childPids } from '../lib/process-stats.mjs';
import { sleep, waitForPort } from '../lib/load-generator.mjs';
import { stopProcess } from '../lib/server-process.mjs';

/** Why Nchan cannot run here, or null when nginx and the module are installed. */
export function nchanUnavailableReason() {
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
  } catch {
    return 'nginx is not installed (apt-get install -y nginx libnginx-mod-nchan)';
  }
  if (!NCHAN_MODULE_PATHS.some((p) => existsSync(p))) return 'libnginx-mod-nchan is not installed';
  return null;
}

export async function startNchan({ runDir, port, holdSeconds, fdLimit }) {
  const prefix = path.join(runDir, 'nchan');
  for (const dir of ['tmp/body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi', 'logs']) {
    mkdirSync(path.join(prefix, dir), { recursive: true });
  }
  const modulePath = NCHAN_MODULE_PATHS.find((p) => existsSync(p));
  const confPath = path.join(prefix, 'nginx.conf');
  writeFileSync(confPath, nginxConf({ prefix, port, holdSeconds, modulePath, fdLimit }));
  const startedAt = performance.now();
  const nginxArgs = ['-p', prefix, '-c', confPath, '-e', path.join(prefix, 'error.log')];
  // BENCH_SERVER_CPUS (diagnosis): the same CPU list as the other servers (bench/lib/server-process.mjs).
  const cpus = process.env.BENCH_SERVER_CPUS;
  const child = spawn(cpus ? 'taskset' : 'nginx', cpus ? ['-c', cpus, 'nginx', ...nginxArgs] : nginxArgs, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const listening = await waitForPort('127.0.0.1', port, 10_000);
  if (!listening || child.exitCode !== null) {
    await stopProcess(child, { graceMs: 2000 });
    throw new Error(`nginx did not start: ${stderr.slice(-2000)}`);
  }
  // Workers are forked just after the listen socket opens: wait (bounded) for them.
  for (let i = 0; i < 50 && childPids(child.pid).length === 0; i += 1) await sleep(20);
  return {
    pid: child.pid,
    readyMs: performance.now() - startedAt,
    pids: () => [child.pid, ...childPids(child.pid)],
    stop: () => stopProcess(child, { signal: 'SIGTERM', graceMs: 5000 }),
  };
}
