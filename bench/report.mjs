// Renders a results JSON as the Markdown table in bench/results/latest.md.
// Standalone: node bench/report.mjs bench/results/<date>-<mode>.json
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fmtBytes, messageCounts } from './lib/target-checks.mjs';
import { ratio } from './lib/stats.mjs';
import { p99RatiosByRepetition } from './lib/repetitions.mjs';

const SB_NAME = 'switchboard-sqlite';

const ORDER = ['baseline', 'nchan', 'switchboard-sqlite', 'switchboard-postgres', 'switchboard-postgres-2-orgs', 'switchboard-cluster'];
const dash = '–';

function rows(byTarget) {
  return Object.entries(byTarget ?? {}).sort(([a], [b]) => ORDER.indexOf(a) - ORDER.indexOf(b));
}
function x(value) {
  return value == null ? dash : `${value}×`;
}
function n(value) {
  return value == null ? dash : String(value);
}
function pct(value) {
  return value == null ? dash : `${value}%`;
}
function table(header, body) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
function skippedRow(name, result, width) {
  return [name, `skipped: ${result.skipped}`, ...Array(width - 2).fill('')];
}
function loadAverage(meta) {
  const l = meta.loadAverage;
  return l ? `${l.atStart.join(' / ')} → ${l.atEnd.join(' / ')}` : dash;
}
function lostDup(scenario, result) {
  const counts = messageCounts(scenario, result);
  if (!counts.length) return [dash, dash];
  return [counts.reduce((s, c) => s + c.lost, 0), counts.reduce((s, c) => s + c.duplicated, 0)];
}

/** The cluster rows against each other: two shard nodes vs one node, same two orgs, same run. */
function clusterSection(oneNode, cluster) {
  const perNode = (r) => (r.nodes ?? []).map((node) => `${node.node}: ${node.messagesPerSecond} msgs/s, ${node.serverCpuPercent}% CPU, ${n(node.serverCpuMicrosPerMessage)} µs/msg, ${n(node.deliveredPerCommit)} msgs/commit`).join('; ') || dash;
  const row = (name, r, ratios) =>
    r?.skipped || !r
      ? skippedRow(name, r ?? { skipped: 'not run' }, 11)
      : [name, r.nodes?.length ?? 1, r.messagesPerSecond, x(ratios?.messagesPerSecond), n(r.serverCpuMicrosPerMessage), x(ratios?.serverCpuMicrosPerMessage), n(r.databaseCpuMicrosPerMessage), `${r.serverCpuPercent}%`, n(r.deliveredPerCommit), perNode(r), r.roundTripMs.p99];
  return [
    '### Cluster mode: two shard nodes vs one node (ADR 0066)',
    '',
    'The same two orgs and the same chats (half per org, each org with its own bench agent), on one PostgreSQL database: one node serving both orgs, then two shard nodes serving one org each, back to back in this run. "× one node" is the cluster row against the one-node row (msgs/s: higher is better; µs/msg: lower is better). Server CPU adds up both nodes; per node: the messages of the chats it serves, its own CPU and its group commits (from its `/metrics`, read just outside the window): at half the rate each node writes smaller batches, which costs CPU per message on the nodes and in PostgreSQL. All of them share the machine\'s cores with PostgreSQL and the load generator (see Notes).',
    '',
    table(
      ['Server', 'Nodes', 'Delivered msgs/s', '× one node', 'server µs/msg (all nodes)', '× one node', 'DB µs/msg', 'server CPU (all nodes)', 'Delivered msgs per group commit', 'Per node', 'round trip p99 ms'],
      [row('switchboard-postgres-2-orgs', oneNode, null), row('switchboard-cluster', cluster, cluster?.ratioToOneNode)],
    ),
    '',
  ];
}

export function renderMarkdown(results) {
  const { meta, scenarios, checks, notes } = results;
  const m = meta.machine;
  const out = [];
  out.push(`# Switchboard benchmark — ${meta.mode} mode — ${meta.date}`, '');
  out.push(
    table(
      ['Machine', 'Node', 'Commit', 'Command', 'fd limit', 'Duration', 'Load average 1/5/15 min (start → end)'],
      [[`${m.cores} cores, ${m.memoryGiB} GiB, ${m.cpuModel} (${m.kernel})`, m.node, m.commit, `\`${meta.command}\``, meta.fdLimit, `${Math.round(meta.durationMs / 1000)} s`, loadAverage(meta)]],
    ),
    '',
  );
  out.push('Ratios are to the bare node:http baseline measured in the same run (lower is better unless noted; the failover figures: to the restart of the same store in the same run). CPU percentages are of one core; "other CPU" is what processes outside the measurement used on the same machine during the window (a shared machine makes figures noisy).', '');

  out.push('## Targets (issue 5)', '');
  out.push(
    table(
      ['Target', 'Measured', 'Limit', 'Result', 'Detail'],
      checks.map((c) => [c.name, c.value == null ? dash : `${c.value}${c.unit === '×' ? '×' : ` ${c.unit}`}`, c.limit == null ? dash : `${c.limit}${c.unit === '×' ? '×' : ` ${c.unit}`}`, c.pass === null ? 'not measured' : c.pass ? 'pass' : `**FAIL**${c.unit === '×' && c.value != null ? ` (${Math.round((c.value / c.limit - 1) * 100)}% over)` : ''}`, c.note]),
    ),
    '',
  );

  const idle = scenarios.idleCapacity;
  if (idle) {
    const base = idle.baseline;
    out.push('## 1. Idle capacity', '');
    out.push(
      table(
        ['Server', 'Held polls', 'RSS / held poll', '× baseline', 'RSS / poll (excl. session)', 'Idle server CPU', 'Idle client CPU', 'Answered correctly at hold', 'Max late'],
        rows(idle).map(([name, r]) =>
          r.skipped
            ? skippedRow(name, r, 9)
            : [name, r.polls, fmtBytes(r.bytesPerHeldPoll), x(ratio(r.bytesPerHeldPoll, base?.bytesPerHeldPoll)), fmtBytes(r.bytesPerPollExcludingSession), `${r.idleServerCpuPercent}%`, `${r.idleClientCpuPercent}%`, `${r.answers.correct}/${r.polls}${r.allAnsweredCorrectly ? '' : ` **(${JSON.stringify(r.answers)})**`}`, `${r.answers.maxLateMs} ms`],
        ),
      ),
      '',
    );
  }

  const latency = scenarios.deliveryLatency;
  if (latency) {
    const base = latency.baseline;
    out.push('## 2. Delivery latency (agent send → visitor poll response)', '');
    const body = [];
    for (const [name, r] of rows(latency)) {
      if (r.skipped) {
        body.push(skippedRow(name, r, 16));
        continue;
      }
      for (const step of r.steps) {
        const b = base?.steps?.find((s) => s.rate === step.rate);
        const { ratios, median } = p99RatiosByRepetition(r, base, step.rate);
        const times = ratios.length > 1 ? `${x(median)} (${ratios.map((v) => `${v}`).join(' / ')})` : x(ratio(step.latencyMs.p99, b?.latencyMs.p99));
        const tallies = (r.repetitions ?? [r]).map((run) => run.steps.find((s) => s.rate === step.rate)?.messages).filter(Boolean);
        const sum = (k) => tallies.reduce((a, m) => a + (m[k] ?? 0), 0);
        body.push([name, `${step.rate}/s (${r.chats} chats)`, step.achievedRate, step.latencyMs.p50, step.latencyMs.p99, step.p99ByRepetition ? step.p99ByRepetition.join(' / ') : step.latencyMs.p99, step.latencyMs.max, times, step.ackLatencyMs.p99, n(step.serverCpuMicrosPerMessage), `${step.serverCpuPercent}%`, `${step.clientCpuPercent}%`, pct(step.otherCpuPercent), sum('late'), sum('lost'), sum('duplicated')]);
      }
    }
    const reps = latency[SB_NAME]?.repetitions?.length ?? base?.repetitions?.length ?? 1;
    if (reps > 1) out.push(`${reps} repetitions, the servers taking turns; each row shows the repetition with the median p99, every repetition's p99, and p99 × baseline as the median of the per-repetition ratios (each repetition against the baseline's turn in the same repetition). Late / lost / dup add up all repetitions.`, '');
    out.push(table(['Server', 'Rate', 'Achieved /s', 'p50 ms', 'p99 ms', 'p99 per repetition ms', 'max ms', 'p99 × baseline', 'send ack p99 ms', 'server µs/msg', 'server CPU', 'client CPU', 'other CPU', 'late (after the drain)', 'lost', 'dup'], body), '');
  }

  const tp = scenarios.throughput;
  if (tp) {
    const base = tp.baseline;
    out.push('## 3. Throughput (closed loop, visitor → agent → visitor)', '');
    out.push(
      table(
        ['Server', 'Chats', 'Deliveries per round trip', 'Delivered msgs/s', '× baseline (higher is better)', 'server µs/msg', '× baseline', 'server µs/round trip', 'client µs/msg', 'DB µs/msg', 'server CPU', 'client CPU', 'other CPU', 'visitor→agent p99 ms', 'round trip p99 ms', 'lost', 'dup'],
        rows(tp).map(([name, r]) =>
          r.skipped
            ? skippedRow(name, r, 17)
            : [name, r.chats, r.deliveriesPerRoundTrip ?? 1, r.messagesPerSecond, x(ratio(r.messagesPerSecond, base?.messagesPerSecond)), n(r.serverCpuMicrosPerMessage), x(ratio(r.serverCpuMicrosPerMessage, base?.serverCpuMicrosPerMessage)), n(r.serverCpuMicrosPerRoundTrip), n(r.clientCpuMicrosPerMessage), n(r.databaseCpuMicrosPerMessage), `${r.serverCpuPercent}%`, `${r.clientCpuPercent}%`, pct(r.otherCpuPercent), n(r.visitorToAgentMs?.p99), r.roundTripMs.p99, ...lostDup('throughput', r)],
        ),
      ),
      '',
    );
    const cluster = tp['switchboard-cluster'];
    const oneNode = tp['switchboard-postgres-2-orgs'];
    if ((cluster && !cluster.skipped) || (oneNode && !oneNode.skipped)) out.push(...clusterSection(oneNode, cluster));
  }

  const restart = scenarios.restartRecovery;
  if (restart) {
    const base = restart.baseline;
    out.push('## 4. Start-up and recovery (restart with live sessions in the store)', '');
    out.push(
      table(
        ['Server', 'Sessions', 'Stop (SIGTERM) ms', 'Spawn → listening ms', 'Spawn → old session served ms', '× baseline', 'Sampled sessions lost'],
        rows(restart).map(([name, r]) =>
          r.skipped
            ? skippedRow(name, r, 7)
            : [name, r.sessions, r.stopMs, r.listeningMs, n(r.servedAgainMs) + (r.probeFailure ? ` (${r.probeFailure})` : ''), x(ratio(r.servedAgainMs, base?.servedAgainMs)), r.persistent ? `${r.sessionsLostInSample}/${r.sampled}` : 'all (in memory)'],
        ),
      ),
      '',
    );
  }

  const failover = scenarios.failover;
  if (failover) {
    out.push('## 5. Failover to a hot standby (SIGKILL to the active node, ADR 0048)', '');
    out.push(
      'A standby (same config and store, `SWITCHBOARD_STANDBY=1`, its own port) waits for the node lock; the active node has S sessions in the store and accepts one visitor message (200) just before it is killed with SIGKILL. Times run from the kill: to the standby\'s `/readyz` 200, and to the first visitor request on an old session that succeeds. The baseline is the restart scenario for the same store in the same run (its time runs from the new process\'s spawn, so it includes Node\'s start-up and not the stop; the failover includes the lock poll of up to 250 ms and not the process start). "Message accepted before the kill" counts the echo bot\'s answer to it on the visitor\'s poll after the takeover (from the ack before the kill): 1 is exactly once.',
      '',
    );
    out.push(
      table(
        ['Server', 'Sessions', 'Standby spawn → standing by ms', 'Kill → /readyz 200 ms', 'Kill → old session served ms', 'Restart: spawn → old session served ms (same run)', 'Failover / restart', 'Sampled sessions lost', 'Message accepted before the kill: status, seen after takeover'],
        rows(failover).map(([name, r]) =>
          r.skipped
            ? skippedRow(name, r, 9)
            : [name, r.sessions, r.standbyStartMs, n(r.killToReadyMs), n(r.killToServedMs) + (r.probeFailure ? ` (${r.probeFailure})` : ''), n(r.restartServedAgainMs) + (r.restartNote ? ` (${r.restartNote})` : ''), x(r.servedRatioToRestart), `${r.sessionsLostInSample}/${r.sampled}`, `${r.marker.acceptedStatus}, ${r.marker.seenAfterTakeover}×${r.marker.error ? ` (${r.marker.error})` : ''}`],
        ),
      ),
      '',
    );
  }

  if (notes?.length) out.push('## Notes', '', ...notes.map((note) => `- ${note}`), '');
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node bench/report.mjs bench/results/<date>-<mode>.json\n');
    process.exit(2);
  }
  const results = JSON.parse(readFileSync(file, 'utf8'));
  const target = path.join(path.dirname(file), 'latest.md');
  writeFileSync(target, renderMarkdown(results));
  process.stdout.write(`wrote ${target}\n`);
}
