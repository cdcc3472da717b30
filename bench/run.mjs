// Benchmark runner: every scenario of issue 5 against the bare baseline, Nchan
// (when installed) and Switchboard (when built), in one run on one machine.
//   node bench/run.mjs --quick            (< 3 minutes)
//   node bench/run.mjs                    (full mode)
//   options: --only idle,latency,throughput,restart,failover   --targets baseline,nchan,switchboard-sqlite,switchboard-postgres,switchboard-cluster
//            --cpu-prof (Switchboard runs under node --cpu-prof)
//   A run narrowed by --only or --targets is written to bench/.run/ (not results/), so it never
//   replaces the committed full picture; pass --save to write it to bench/results/ under its own name.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeTarget } from './targets/make-target.mjs';
import { benchDatabaseName, dropPostgresDatabase } from './targets/postgres-database.mjs';
import { commandLine, machineInfo } from './lib/machine-info.mjs';
import { evaluateTargets } from './lib/target-checks.mjs';
import { combineRepetitions } from './lib/repetitions.mjs';
import { ratio } from './lib/stats.mjs';
import { renderMarkdown } from './report.mjs';

const BENCH_DIR = import.meta.dirname;
const REPO_ROOT = path.join(BENCH_DIR, '..');

const MODES = {
  quick: {
    idle: { polls: 5000, holdSeconds: 10 },
    latency: { chats: 2000, rates: [500, 2000, 5000], secondsPerRate: 3, holdSeconds: 25, repetitions: 1 },
    // cluster: the two-org rows (one node, then two shard nodes) on PostgreSQL, ADR 0066.
    throughput: { chats: 200, warmupSeconds: 1, seconds: 4, holdSeconds: 25, storages: ['sqlite', 'postgres'], cluster: true },
    restart: { sessions: 2000, holdSeconds: 25, sessionGraceSeconds: 600, storages: ['sqlite'] },
    // Only with --only failover: quick mode stays under 3 minutes.
    failover: { sessions: 2000, holdSeconds: 25, sessionGraceSeconds: 600, storages: ['sqlite'], onlyWhenSelected: true },
  },
  full: {
    idle: { polls: 19_000, holdSeconds: 25 },
    latency: { chats: 2000, rates: [500, 2000, 5000], secondsPerRate: 10, holdSeconds: 25, repetitions: 3 },
    throughput: { chats: 200, warmupSeconds: 2, seconds: 15, holdSeconds: 25, storages: ['sqlite', 'postgres'], cluster: true },
    // The stored visitors never poll: a grace of 10 minutes keeps them live however long storing
    // them takes (the default 40 + 20 s ended the oldest before the kill when PostgreSQL took 49 s).
    restart: { sessions: 10_000, holdSeconds: 25, sessionGraceSeconds: 600, storages: ['sqlite', 'postgres'] },
    // Same S as restart: its time to serve is the one each failover figure is set against.
    failover: { sessions: 10_000, holdSeconds: 25, sessionGraceSeconds: 600, storages: ['sqlite', 'postgres'] },
  },
};

/** Re-executes this script with the soft fd limit raised to the hard limit (once). */
function raiseFdLimitOrReexec() {
  const soft = Number(execFileSync('sh', ['-c', 'ulimit -Sn']).toString().trim());
  const hard = execFileSync('sh', ['-c', 'ulimit -Hn']).toString().trim();
  const hardNumber = hard === 'unlimited' ? 1_048_576 : Number(hard);
  if (soft >= hardNumber || process.env.BENCH_FD_RAISED) return soft;
  const quoted = [process.execPath, ...process.execArgv, ...process.argv.slice(1)].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const result = spawnSync('sh', ['-c', `ulimit -n ${hardNumber} && exec ${quoted}`], { stdio: 'inherit', env: { ...process.env, BENCH_FD_RAISED: '1' } });
  process.exit(result.status ?? 1);
}

const log = (line) => process.stderr.write(`${line}\n`);

/**
 * The failover's time to serve beside the restart's for the same store in the same run
 * (its baseline): the restart counts from the new process's spawn, the failover from the kill.
 */
function withRestartBaseline(failoverResult, restartResult) {
  if (failoverResult.skipped) return failoverResult;
  const restartMs = restartResult && !restartResult.skipped ? restartResult.servedAgainMs : null;
  return {
    ...failoverResult,
    restartServedAgainMs: restartMs ?? null,
    servedRatioToRestart: ratio(failoverResult.killToServedMs, restartMs),
    ...(restartMs == null ? { restartNote: restartResult?.skipped ?? 'restart scenario not run (add restart to --only)' } : {}),
  };
}

/**
 * The cluster row beside the one-node row of the same two orgs in the same run (its own
 * baseline): delivered msgs/s (higher is better) and server CPU per message, as ratios.
 */
function withOneNodeBaseline(clusterResult, oneNodeResult) {
  if (clusterResult.skipped) return clusterResult;
  const oneNode = oneNodeResult && !oneNodeResult.skipped ? oneNodeResult : null;
  return {
    ...clusterResult,
    oneNode: oneNode ? { messagesPerSecond: oneNode.messagesPerSecond, serverCpuMicrosPerMessage: oneNode.serverCpuMicrosPerMessage } : null,
    ratioToOneNode: {
      messagesPerSecond: ratio(clusterResult.messagesPerSecond, oneNode?.messagesPerSecond),
      serverCpuMicrosPerMessage: ratio(clusterResult.serverCpuMicrosPerMessage, oneNode?.serverCpuMicrosPerMessage),
    },
    ...(oneNode ? {} : { oneNodeNote: oneNodeResult?.skipped ?? 'one-node row not run' }),
  };
}

async function main() {
  const fdLimit = raiseFdLimitOrReexec();
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      targets: { type: 'string' },
      save: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
    },
  });
  const mode = values.quick ? 'quick' : 'full';
  const plan = MODES[mode];
  const only = values.only ? new Set(values.only.split(',')) : null;
  const wanted = (name) => !only || only.has(name);
  const onlyTargets = values.targets ? new Set(values.targets.split(',')) : null;
  const partial = Boolean(only || onlyTargets);
  const runDir = path.join(BENCH_DIR, '.run', `${mode}-${process.pid}`);
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  const cpuProfileDir = values['cpu-prof'] ? path.join(BENCH_DIR, '.run', 'profiles') : null;
  if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });

  const startedAt = Date.now();
  // The 1/5/15-minute load averages: on a shared machine they say how disturbed the figures are.
  const loadAverage = () => os.loadavg().map((v) => Math.round(v * 100) / 100);
  const loadAtStart = loadAverage();
  const notes = [];
  // This run's PostgreSQL database (BENCH_POSTGRES_DATABASE, or one named after this process):
  // created and dropped by each scenario, and dropped again at the end below.
  const postgresDatabase = benchDatabaseName();
  const context = { runDir, fdLimit, cpuProfileDir, postgresDatabase };
  const skippedByOption = { unavailable: 'not selected (--targets)' };
  const pick = (name) => (!onlyTargets || onlyTargets.has(name) ? makeTarget(name, context) : { name, ...skippedByOption });
  const baseline = pick('baseline');
  const nchan = pick('nchan');
  const sqlite = pick('switchboard-sqlite');
  const postgres = pick('switchboard-postgres');
  // The cluster row and its one-node row go together (--targets switchboard-cluster picks both).
  const clusterPicked = !onlyTargets || onlyTargets.has('switchboard-cluster') || onlyTargets.has('switchboard-postgres-2-orgs');
  const pickCluster = (name) => (clusterPicked ? makeTarget(name, context) : { name, ...skippedByOption });
  const twoOrgs = pickCluster('switchboard-postgres-2-orgs');
  const cluster = pickCluster('switchboard-cluster');
  /** A scenario process killed at its time limit could not drop its database: the run does. */
  const dropDatabase = async () => {
    if (postgres.unavailable && cluster.unavailable) return;
    const problem = await dropPostgresDatabase(postgresDatabase);
    if (problem) log(`bench: could not drop ${postgresDatabase}: ${problem}`);
  };
  let jobCounter = 0;
  let runningGroup = null;
  const killGroup = (pgid) => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // ESRCH: the group has ended already.
    }
  };
  // Detached scenario processes do not get the terminal's Ctrl-C: pass it on to the running one's group.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      if (runningGroup) killGroup(runningGroup);
      // Bounded: the drop's connection gives up after 3 s, and this exits after 5 s whatever happens.
      setTimeout(() => process.exit(130), 5_000).unref();
      void dropDatabase().finally(() => process.exit(130));
    });
  }
  /** Runs one scenario against one target in its own process (bounded in time). */
  const isolated = (scenario, target, params, timeoutMs) => {
    if (target.unavailable) return Promise.resolve({ skipped: target.unavailable });
    jobCounter += 1;
    const jobPath = path.join(runDir, `job-${jobCounter}.json`);
    const resultPath = path.join(runDir, `result-${jobCounter}.json`);
    writeFileSync(jobPath, JSON.stringify({ scenario, target: target.name, context, params }));
    return new Promise((resolve) => {
      // BENCH_CLIENT_CPUS (diagnosis): a `taskset -c` CPU list for the load generator; the servers it starts get BENCH_SERVER_CPUS or the same list.
      const childArgs = [path.join(BENCH_DIR, 'lib', 'scenario-child.mjs'), jobPath, resultPath];
      // Its own process group (detached), whose id is its pid: a scenario process killed at its time
      // limit takes the servers it started with it (a standby left behind would wait for ever).
      const child = spawn(...(process.env.BENCH_CLIENT_CPUS ? ['taskset', ['-c', process.env.BENCH_CLIENT_CPUS, process.execPath, ...childArgs]] : [process.execPath, childArgs]), { stdio: ['ignore', 'inherit', 'inherit'], detached: true });
      runningGroup = child.pid;
      const timer = setTimeout(() => killGroup(child.pid), timeoutMs);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        runningGroup = null;
        // Servers still running after the scenario process ended (it crashed, or was killed) go too.
        killGroup(child.pid);
        if (existsSync(resultPath)) resolve(JSON.parse(readFileSync(resultPath, 'utf8')));
        else resolve({ skipped: `scenario process ended without a result (${signal ?? `exit ${code}`}${signal === 'SIGKILL' ? `, time limit ${timeoutMs} ms` : ''})` });
      });
    });
  };
  if (nchan.unavailable) notes.push(`Nchan not measured: ${nchan.unavailable}.`);
  if (sqlite.unavailable) notes.push(`Switchboard not measured: ${sqlite.unavailable}.`);
  log(`bench: ${mode} mode, fd limit ${fdLimit}, run dir ${path.relative(REPO_ROOT, runDir)}`);
  if (nchan.unavailable) log(`bench: Nchan skipped — ${nchan.unavailable}`);
  if (sqlite.unavailable) log(`bench: Switchboard skipped — ${sqlite.unavailable}`);

  const scenarios = {};
  const addresses = (connections) => Math.min(30, Math.ceil(connections / 2500) + 2);

  if (wanted('idle')) {
    const polls = Math.min(plan.idle.polls, fdLimit - 500);
    if (polls < plan.idle.polls) notes.push(`Idle capacity capped at ${polls} polls by the fd limit ${fdLimit}.`);
    log(`[1/5] idle capacity: ${polls} held polls, hold ${plan.idle.holdSeconds} s`);
    scenarios.idleCapacity = {};
    for (const target of [baseline, nchan, sqlite]) {
      scenarios.idleCapacity[target.name] = await isolated('idleCapacity', target, { ...plan.idle, polls, addresses: addresses(polls) }, 180_000);
    }
  }
  if (wanted('latency')) {
    // BENCH_RATES=500,2000 narrows the rates (for profiling one step); BENCH_REPETITIONS sets the turns.
    const p = {
      ...plan.latency,
      ...(process.env.BENCH_RATES ? { rates: process.env.BENCH_RATES.split(',').map(Number) } : {}),
      ...(process.env.BENCH_REPETITIONS ? { repetitions: Math.max(1, Number(process.env.BENCH_REPETITIONS)) } : {}),
    };
    log(`[2/5] delivery latency: ${p.chats} chats, ${p.rates.join(' / ')} msgs/s × ${p.secondsPerRate} s, ${p.repetitions} repetition(s), servers taking turns`);
    const runs = {};
    for (let repetition = 1; repetition <= p.repetitions; repetition++) {
      if (p.repetitions > 1) log(`  repetition ${repetition}/${p.repetitions}`);
      for (const target of [baseline, nchan, sqlite]) {
        (runs[target.name] ??= []).push(await isolated('deliveryLatency', target, { ...p, addresses: addresses(p.chats) }, 300_000));
      }
    }
    scenarios.deliveryLatency = Object.fromEntries(Object.entries(runs).map(([name, r]) => [name, combineRepetitions(r)]));
  }
  if (wanted('throughput')) {
    const p = plan.throughput;
    log(`[3/5] throughput: closed loop, ${p.chats} chats, ${p.seconds} s`);
    scenarios.throughput = {};
    const targets = [baseline, nchan, ...(p.storages.includes('sqlite') ? [sqlite] : []), ...(p.storages.includes('postgres') ? [postgres] : [])];
    for (const target of targets) {
      scenarios.throughput[target.name] = await isolated('throughput', target, { ...p, addresses: 4 }, 180_000);
    }
    if (p.cluster) {
      // Back to back, so both see the same machine: one node serving both orgs, then two shard nodes.
      log(`  cluster (ADR 0066): ${p.chats} chats over two orgs, one node, then two shard nodes on one PostgreSQL database`);
      scenarios.throughput[twoOrgs.name] = await isolated('throughput', twoOrgs, { ...p, addresses: 4 }, 180_000);
      const clusterResult = await isolated('throughput', cluster, { ...p, addresses: 4 }, 180_000);
      scenarios.throughput[cluster.name] = withOneNodeBaseline(clusterResult, scenarios.throughput[twoOrgs.name]);
      if (!clusterResult.skipped) {
        const cores = os.cpus().length;
        notes.push(`Cluster (ADR 0066): switchboard-postgres-2-orgs is one node serving two orgs; switchboard-cluster is two shard nodes (one org each) on the same PostgreSQL database, the same chats split the same way (half per org, each chat on its org's node), measured back to back; its "× one node" figures are against that row. Server CPU is the sum of both nodes' processes (per node: its CPU and the messages of its org's chats). ${cores <= 4 ? `On this ${cores}-core machine both nodes, PostgreSQL and the load generator share the same ${cores} cores, so the cluster row measures what sharding costs (CPU per message, the shared database), not what it scales out to: a second node brings no core of its own here.` : `Both nodes, PostgreSQL and the load generator share this ${cores}-core machine: the row measures what sharding costs, not the scale-out of nodes on machines of their own.`}`);
      }
    }
  }
  if (wanted('restart')) {
    const p = plan.restart;
    log(`[4/5] start-up and recovery: ${p.sessions} sessions in the store`);
    scenarios.restartRecovery = {};
    const targets = [baseline, ...(p.storages.includes('sqlite') ? [sqlite] : []), ...(p.storages.includes('postgres') ? [postgres] : [])];
    for (const target of targets) {
      scenarios.restartRecovery[target.name] = await isolated('restartRecovery', target, { ...p, addresses: addresses(p.sessions) }, 300_000);
    }
  }

  if (wanted('failover') && !(plan.failover.onlyWhenSelected && !only?.has('failover'))) {
    const p = plan.failover;
    log(`[5/5] failover: ${p.sessions} sessions in the store, a hot standby waiting, SIGKILL to the active node`);
    scenarios.failover = {};
    const targets = [...(p.storages.includes('sqlite') ? [sqlite] : []), ...(p.storages.includes('postgres') ? [postgres] : [])];
    for (const target of targets) {
      const result = await isolated('failover', target, { ...p, addresses: addresses(p.sessions) }, 300_000);
      scenarios.failover[target.name] = withRestartBaseline(result, scenarios.restartRecovery?.[target.name]);
    }
  }

  notes.push(
    'Server CPU is read from /proc/<pid>/stat (all threads; nginx: master + workers), client CPU from process.cpuUsage() of the single load-generator process; both share the same cores.',
    'Nchan runs with one worker process (like one Node process); its poll timeout answer is 408 (Nchan\'s behaviour), counted as the correct timeout answer for Nchan.',
    'Throughput: on the bare servers a visitor publishes to its own channel and the message comes straight back (1 POST + 1 poll response per delivered message). On Switchboard the visitor POSTs ChatMessage, which is delivered to the bench agent on its stream socket (a WebSocket frame); the agent answers with a command frame on the same socket, and the answer is delivered to the visitor\'s poll: each round trip is two delivered messages, each sent once and delivered once (both counted in lost/dup), each durable in the store before it is acknowledged. Per message the server does one HTTP request or one socket frame in, one poll answer or one socket frame out, and its storage; "server µs/round trip" gives the same CPU per visitor round trip.',
    'Delivery latency: the agent sends over its stream socket (command frames, answered once durable); BENCH_AGENT_TRANSPORT=rest measures POST /agent/v1/chats/:id/messages instead.',
    'Memory per held poll on Switchboard includes the visitor session created by SessionId (the baseline has no session state); "excl. session" subtracts RSS measured after the sessions were created and before the polls.',
    'Profiling: `node bench/run.mjs --quick --cpu-prof` runs Switchboard under `node --cpu-prof` (profiles in bench/.run/profiles).',
  );
  const clientBound = Object.values(scenarios.deliveryLatency ?? {}).flatMap((r) => r.steps ?? []).filter((s) => s.clientCpuPercent >= 90);
  if (clientBound.length) notes.push(`The load generator was CPU-bound (≥ 90% of a core) in ${clientBound.length} latency step(s), mostly at 5,000 msgs/s: those latencies include client-side queueing and the achieved rate is below the target rate.`);

  await dropDatabase();

  const windows = [
    ...Object.values(scenarios.deliveryLatency ?? {}).flatMap((r) => r.steps ?? []),
    ...Object.values(scenarios.throughput ?? {}),
  ].filter((w) => (w.otherCpuPercent ?? 0) >= 15);
  if (windows.length) notes.push(`Other processes used ≥ 15% of a core during ${windows.length} measurement window(s) (see "other CPU"): those figures are disturbed by the shared machine; re-run on a quiet machine before quoting them.`);

  const date = new Date(startedAt).toISOString().slice(0, 10);
  const results = {
    meta: { mode, date, startedAt: new Date(startedAt).toISOString(), durationMs: Date.now() - startedAt, command: commandLine(REPO_ROOT), fdLimit, machine: machineInfo(REPO_ROOT), loadAverage: { atStart: loadAtStart, atEnd: loadAverage() }, plan },
    scenarios,
    checks: evaluateTargets(scenarios),
    notes,
  };
  const resultsDir = partial && !values.save ? runDir : path.join(BENCH_DIR, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const name = partial ? `${date}-${mode}-${[...(only ?? ['all'])].join('+')}-${[...(onlyTargets ?? ['all'])].join('+')}` : `${date}-${mode}`;
  const jsonPath = path.join(resultsDir, `${name}.json`);
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  const mdPath = path.join(resultsDir, partial ? `${name}.md` : 'latest.md');
  writeFileSync(mdPath, renderMarkdown(results));
  log(`bench: done in ${Math.round(results.meta.durationMs / 1000)} s → ${path.relative(REPO_ROOT, jsonPath)}, ${path.relative(REPO_ROOT, mdPath)}`);
  for (const c of results.checks) log(`  ${c.pass === null ? 'n/a ' : c.pass ? 'pass' : 'FAIL'}  ${c.name}: ${c.value ?? ''} ${c.note}`);
}

await main();
