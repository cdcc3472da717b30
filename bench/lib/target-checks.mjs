// The targets of issue 5, checked against one run's results. Every check says
// pass / fail / not measured, with the value, the limit and by how much.
import { ratio } from './stats.mjs';
import { p99RatiosByRepetition } from './repetitions.mjs';

const SB = 'switchboard-sqlite';

function check(name, value, limit, unit, pass, note = '') {
  return { name, value, limit, unit, pass, note };
}

function notMeasured(name, why) {
  return { name, value: null, limit: null, unit: '', pass: null, note: why };
}

export function evaluateTargets(scenarios) {
  const checks = [];
  const idle = scenarios.idleCapacity ?? {};
  const sbIdle = idle[SB];
  const baseIdle = idle.baseline;
  if (sbIdle && !sbIdle.skipped && baseIdle && !baseIdle.skipped) {
    const r = ratio(sbIdle.bytesPerHeldPoll, baseIdle.bytesPerHeldPoll);
    checks.push(check('Memory per held poll ≤ 1.5× baseline', r, 1.5, '×', r !== null && r <= 1.5, `${fmtBytes(sbIdle.bytesPerHeldPoll)} vs ${fmtBytes(baseIdle.bytesPerHeldPoll)} (session state included)`));
    checks.push(check('Every idle poll answered correctly at its hold', sbIdle.answers.correct, sbIdle.polls, 'polls', sbIdle.allAnsweredCorrectly, JSON.stringify(sbIdle.answers)));
  } else {
    checks.push(notMeasured('Memory per held poll ≤ 1.5× baseline', sbIdle?.skipped ?? 'idle-capacity not run'));
  }

  const latency = scenarios.deliveryLatency ?? {};
  const sbLat = latency[SB];
  const baseLat = latency.baseline;
  for (const rate of [500, 2000]) {
    const name = `p99 delivery ≤ 1.5× baseline at ${rate} msgs/s${rate === 2000 ? ' and < 50 ms' : ''}`;
    const sbStep = sbLat?.steps?.find((s) => s.rate === rate);
    const baseStep = baseLat?.steps?.find((s) => s.rate === rate);
    if (!sbStep || !baseStep) {
      checks.push(notMeasured(name, sbLat?.skipped ?? 'not measured'));
      continue;
    }
    // With repetitions: the median over repetitions of (Switchboard's p99 / the baseline's p99 in the same turn).
    const { ratios, median } = p99RatiosByRepetition(sbLat, baseLat, rate);
    const r = ratios.length > 1 ? median : ratio(sbStep.latencyMs.p99, baseStep.latencyMs.p99);
    const pass = r !== null && r <= 1.5 && (rate !== 2000 || sbStep.latencyMs.p99 < 50);
    const detail = ratios.length > 1
      ? `median of ${ratios.length} repetitions (${ratios.map((x) => `${x}×`).join(', ')}); p99 ${sbStep.p99ByRepetition.join(' / ')} ms vs ${baseStep.p99ByRepetition.join(' / ')} ms`
      : `${sbStep.latencyMs.p99} ms vs ${baseStep.latencyMs.p99} ms`;
    checks.push(check(name, r, 1.5, '×', pass, detail));
  }

  const tp = scenarios.throughput ?? {};
  const sbTp = tp[SB];
  const baseTp = tp.baseline;
  if (sbTp && !sbTp.skipped && baseTp && !baseTp.skipped) {
    const r = ratio(sbTp.serverCpuMicrosPerMessage, baseTp.serverCpuMicrosPerMessage);
    checks.push(check('Server CPU per delivered message ≤ 2.5× baseline (SQLite)', r, 2.5, '×', r !== null && r <= 2.5, `${sbTp.serverCpuMicrosPerMessage} µs vs ${baseTp.serverCpuMicrosPerMessage} µs`));
  } else {
    checks.push(notMeasured('Server CPU per delivered message ≤ 2.5× baseline (SQLite)', sbTp?.skipped ?? 'throughput not run'));
  }

  // Failover (ADR 0048): nothing the dead node held may be lost, on either store.
  for (const [name, r] of Object.entries(scenarios.failover ?? {})) {
    const checkName = `Failover keeps every sampled session and the message accepted before the kill, once (${name})`;
    if (!r || r.skipped) {
      checks.push(notMeasured(checkName, r?.skipped ?? 'not measured'));
      continue;
    }
    const markerOk = r.marker.acceptedStatus === 200 && r.marker.seenAfterTakeover === 1;
    const pass = r.killToServedMs !== null && r.sessionsLostInSample === 0 && markerOk;
    checks.push(check(checkName, r.sessionsLostInSample, 0, 'sessions lost', pass, `${r.sampled - r.sessionsLostInSample}/${r.sampled} sampled sessions served; message accepted with ${r.marker.acceptedStatus}, seen ${r.marker.seenAfterTakeover}× after the takeover; kill → served ${r.killToServedMs ?? '–'} ms${r.servedRatioToRestart == null ? '' : ` (${r.servedRatioToRestart}× the restart's ${r.restartServedAgainMs} ms)`}`));
  }

  // 0 lost / duplicated, over every Switchboard measurement that ran.
  let lost = 0;
  let duplicated = 0;
  let measured = 0;
  for (const [scenario, byTarget] of Object.entries(scenarios)) {
    for (const [name, result] of Object.entries(byTarget)) {
      if (!name.startsWith('switchboard') || !result || result.skipped) continue;
      for (const counts of messageCounts(scenario, result)) {
        measured += 1;
        lost += counts.lost;
        duplicated += counts.duplicated;
      }
    }
  }
  checks.push(
    measured
      ? check('0 messages lost or duplicated (Switchboard, every scenario)', lost + duplicated, 0, 'messages', lost + duplicated === 0, `lost ${lost}, duplicated ${duplicated}`)
      : notMeasured('0 messages lost or duplicated (Switchboard, every scenario)', 'no Switchboard measurement ran'),
  );
  return checks;
}

/** The message tallies a scenario result carries. */
export function messageCounts(scenario, result) {
  if (scenario === 'deliveryLatency') {
    return (result.repetitions ?? [result]).flatMap((run) => [...(run.warmupMessages ? [run.warmupMessages] : []), ...(run.steps ?? []).map((s) => s.messages)]);
  }
  if (scenario === 'throughput') return result.messages ? [result.messages] : [];
  if (scenario === 'failover') return result.messages ? [result.messages] : [];
  return [];
}

export function fmtBytes(bytes) {
  if (bytes == null) return '–';
  return `${(bytes / 1024).toFixed(1)} KB`;
}
