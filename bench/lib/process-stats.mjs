// Server-side CPU and memory read straight from /proc, so the figures cover the
// whole process (all threads) and cost the server nothing to report.
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

let ticksPerSecond = 100;
try {
  ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
} catch {
  // getconf missing: Linux has used 100 for USER_HZ on every mainstream arch.
}

/** CPU time (user + system) of one process in microseconds, or null when it is gone. */
export function processCpuMicros(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1e6) / ticksPerSecond;
  } catch {
    return null;
  }
}

/** CPU micros per thread name of one process (main thread, V8 GC helpers, libuv pool, workers). */
export function threadCpuMicros(pid) {
  const out = {};
  let tids = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const key = tid === String(pid) ? 'main' : name;
      out[key] = (out[key] ?? 0) + ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
    } catch {
      // thread exited
    }
  }
  return out;
}

/** Resident set size of one process in bytes (VmRSS), or null when it is gone. */
export function processRssBytes(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Direct children of a process (used for nginx workers). */
export function childPids(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text ? text.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

/** PIDs whose command name is exactly `comm` (read-only scan, e.g. postgres backends). */
export function pidsByCommand(comm) {
  const out = [];
  let entries = [];
  try {
    entries = execFileSync('ls', ['/proc']).toString().split('\n');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) out.push(Number(entry));
    } catch {
      // process exited between listing and reading
    }
  }
  return out;
}

/** Sum of CPU micros over a set of pids (missing pids count as 0). */
export function totalCpuMicros(pids) {
  let sum = 0;
  for (const pid of pids) sum += processCpuMicros(pid) ?? 0;
  return sum;
}

/** Sum of RSS bytes over a set of pids. */
export function totalRssBytes(pids) {
  let sum = 0;
  for (const pid of pids) sum += processRssBytes(pid) ?? 0;
  return sum;
}

/** Busy CPU time of the whole machine in microseconds (all cores, from /proc/stat). */
export function machineBusyMicros() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user + nice + system + irq + softirq + (steal || 0)) * 1e6) / ticksPerSecond;
  } catch {
    return null;
  }
}

/**
 * Starts a CPU window over the server pids and the client (this process).
 * `end()` returns server and client CPU in microseconds and the wall time.
 */
export function startCpuWindow(getServerPids, extraPids = () => []) {
  const wallStart = performance.now();
  // Per pid too: a target with several server processes (the cluster's shard nodes) reports each.
  const pidStart = new Map(getServerPids().map((pid) => [pid, processCpuMicros(pid) ?? 0]));
  const serverStart = totalCpuMicros(getServerPids());
  const mainPid = getServerPids()[0];
  const threadsStart = mainPid ? threadCpuMicros(mainPid) : {};
  const extraStart = totalCpuMicros(extraPids());
  const clientStart = process.cpuUsage();
  const machineStart = machineBusyMicros();
  return {
    end() {
      const client = process.cpuUsage(clientStart);
      const wallMs = performance.now() - wallStart;
      const serverCpuMicros = totalCpuMicros(getServerPids()) - serverStart;
      const serverCpuMicrosByPid = Object.fromEntries([...pidStart].map(([pid, start]) => [pid, (processCpuMicros(pid) ?? start) - start]));
      // Where the server's CPU went, by thread name, as % of one core over the window.
      const threadsEnd = mainPid ? threadCpuMicros(mainPid) : {};
      const serverThreadsPercent = {};
      for (const [name, micros] of Object.entries(threadsEnd)) {
        const used = micros - (threadsStart[name] ?? 0);
        if (used > 0) serverThreadsPercent[name] = Math.round((used / 1000 / wallMs) * 1000) / 10;
      }
      const extraCpuMicros = totalCpuMicros(extraPids()) - extraStart;
      const clientCpuMicros = client.user + client.system;
      const machine = machineStart === null ? null : machineBusyMicros() - machineStart;
      // CPU used by processes outside the measurement (other jobs on a shared machine).
      const otherCpuPercent = machine === null ? null : Math.max(0, Math.round(((machine - serverCpuMicros - extraCpuMicros - clientCpuMicros) / 1000 / wallMs) * 100));
      return {
        wallMs,
        otherCpuPercent,
        serverCpuMicros,
        serverCpuMicrosByPid,
        serverThreadsPercent,
        extraCpuMicros,
        clientCpuMicros,
      };
    },
  };
}
