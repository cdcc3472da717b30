// What the figures were measured on: machine, Node version, commit, command.
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

function git(args, cwd) {
  try {
    return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return null;
  }
}

export function machineInfo(repoRoot) {
  const commit = git(['rev-parse', '--short', 'HEAD'], repoRoot);
  const dirty = commit ? git(['status', '--porcelain', '--', 'src', 'bench'], repoRoot) : null;
  return {
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    commit: commit ? (dirty ? `${commit} (+ uncommitted changes)` : commit) : 'uncommitted',
  };
}

/** The command as a user would type it. */
export function commandLine(repoRoot) {
  const script = path.relative(repoRoot, process.argv[1]) || process.argv[1];
  const args = process.argv.slice(2);
  // The BENCH_* knobs change what is measured (rates, repetitions, a diagnostic baseline), so they
  // are part of the command that produced a result.
  const knobs = Object.keys(process.env).filter((k) => k.startsWith('BENCH_')).sort().map((k) => `${k}=${shellWord(process.env[k])}`);
  if (process.env.npm_lifecycle_event === 'bench') return [...knobs, 'npm run bench', ...(args.length ? ['--', ...args] : [])].join(' ');
  return [...knobs, 'node', script, ...args].join(' ');
}

function shellWord(value) {
  return /^[\w.,:/=+-]*$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}
