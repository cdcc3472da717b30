// Scenario 2 — delivery latency: C chats each holding a long poll; the agent
// side sends to random chats at fixed rates (open loop). Latency is measured
// from the moment the agent's send starts to the moment the visitor's poll
// response is complete; every message carries a unique id, so lost and
// duplicated messages are counted exactly.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ClientPool, nextMessageId, sleep } from '../lib/load-generator.mjs';
import { MessageLedger, summarizeLatencies } from '../lib/stats.mjs';
import { startCpuWindow } from '../lib/process-stats.mjs';
import { startPollLoops, waitUntil } from '../lib/poll-loops.mjs';

const MAX_SENDS_IN_FLIGHT = 2000;
// A step's CPU window closes after DRAIN_MS; messages still on their way then are
// waited for up to LATE_DRAIN_MS more and reported as late, not lost: an
// overloaded server delivers its backlog eventually, and only what never arrives is lost.
const DRAIN_MS = Number(process.env.BENCH_DRAIN_MS ?? 10_000);
const LATE_DRAIN_MS = Number(process.env.BENCH_LATE_DRAIN_MS ?? 60_000);
/** Diagnosis only (bench/diagnostics/README.md): where the client's side of every delivery is written. */
const PROBE_DIR = process.env.BENCH_PROBE_DIR;

export async function deliveryLatency(target, { chats, rates, secondsPerRate, holdSeconds, addresses, log }) {
  if (target.unavailable) return { skipped: target.unavailable };
  await target.start({ holdSeconds });
  const pool = new ClientPool({ host: target.host, port: target.port, addresses });
  let loops = null;
  try {
    if (target.agentApiUnavailableReason) {
      const reason = await target.agentApiUnavailableReason(pool);
      if (reason) return { skipped: reason };
    }
    const setupStart = performance.now();
    const { channels, failures, errors } = await target.openChannels(pool, chats, 'agent');
    log(`  ${target.name}: ${channels.length} chats ready in ${Math.round(performance.now() - setupStart)} ms (${failures} failed)`);
    if (channels.length === 0) return { skipped: `no chat could be set up: ${errors.join('; ')}` };

    const ledgerOf = new Map(); // message id -> ledger of the rate step that sent it
    loops = startPollLoops({
      target,
      pool,
      channels,
      deadlineMs: (rates.length * (secondsPerRate + (DRAIN_MS + LATE_DRAIN_MS) / 1000) + 60) * 1000,
      onIds(ids, endedAt) {
        for (const id of ids) {
          const ledger = ledgerOf.get(id);
          if (ledger) ledger.recordDelivery(id, endedAt);
        }
      },
    });
    await sleep(500); // let every poll reach the server before the first send

    // Warm-up (not reported): opens the agent's keep-alive connections and lets the JIT settle.
    const warmup = await runRate({ target, pool, channels, rate: rates[0], seconds: 1, ledger: new MessageLedger(), ledgerOf });
    const steps = [];
    for (const rate of rates) {
      const ledger = new MessageLedger();
      if (PROBE_DIR) ledger.trace = [];
      const step = await runRate({ target, pool, channels, rate, seconds: secondsPerRate, ledger, ledgerOf });
      steps.push(step);
      log(`  ${target.name} @ ${rate}/s: p50 ${step.latencyMs.p50} p99 ${step.latencyMs.p99} max ${step.latencyMs.max} ms, late ${step.messages.late}, lost ${step.messages.lost}, dup ${step.messages.duplicated}`);
    }
    return { chats: channels.length, setupFailures: failures, setupErrors: errors, warmupMessages: warmup.messages, steps, polls: loops.stats };
  } finally {
    if (loops) await loops.stop();
    pool.destroy();
    await target.stop();
  }
}

async function runRate({ target, pool, channels, rate, seconds, ledger, ledgerOf }) {
  const total = Math.round(rate * seconds);
  const ackLatencies = [];
  const sendFailures = { count: 0, samples: [] };
  let inFlight = 0;
  let sent = 0;
  let lateSends = 0; // sends held back because MAX_SENDS_IN_FLIGHT was reached
  const metricsBefore = await target.serverMetrics?.(pool);
  const cpu = startCpuWindow(target.serverPids);
  const t0 = performance.now();
  while (sent < total && performance.now() - t0 < seconds * 1000 * 3) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    while (sent < due) {
      if (inFlight >= MAX_SENDS_IN_FLIGHT) {
        lateSends += 1;
        break;
      }
      const channel = channels[Math.floor(Math.random() * channels.length)];
      const id = nextMessageId('l');
      ledgerOf.set(id, ledger);
      ledger.registerSend(id, performance.now());
      inFlight += 1;
      sent += 1;
      target.agentSend(pool, channel, id, sent).then(({ ok, res }) => {
        inFlight -= 1;
        if (ok) {
          ackLatencies.push(res.endedAt - res.startedAt);
        } else {
          sendFailures.count += 1;
          if (sendFailures.samples.length < 5) sendFailures.samples.push(`${res.status} ${res.error ?? res.body.slice(0, 120)}`);
          // A send that was refused is not a lost message: it was never accepted.
          if (!ledger.isDelivered(id)) ledger.sent.delete(id);
        }
      });
    }
    await sleep(1);
  }
  const sendMs = performance.now() - t0;
  const allDelivered = () => inFlight === 0 && ledger.pending() === 0;
  await waitUntil(allDelivered, DRAIN_MS);
  const usage = cpu.end();
  const metricsAfter = await target.serverMetrics?.(pool);
  const pendingAtDrain = ledger.pending();
  if (pendingAtDrain > 0) await waitUntil(allDelivered, LATE_DRAIN_MS);
  const counts = ledger.counts();
  // Diagnosis (bench/diagnostics): the client's side of every delivery, to line up with the servers' probes.
  if (ledger.trace) writeFileSync(path.join(PROBE_DIR, `client-${target.name}-${rate}-${Date.now()}.json`), JSON.stringify(ledger.trace));
  counts.late = pendingAtDrain - counts.lost;
  const round = (v) => Math.round(v * 100) / 100;
  // Server-side delivery time (append → poll answer), from the histogram: the
  // bucket bound holding each quantile (an upper bound), to tell server and client apart.
  const bucketQuantile = (q) => {
    const before = new Map(metricsBefore.deliveryBuckets.map((b) => [b.le, b.count]));
    const window = metricsAfter.deliveryBuckets.map((b) => ({ le: b.le, count: b.count - (before.get(b.le) ?? 0) }));
    const total = window.at(-1)?.count ?? 0;
    const hit = window.find((b) => b.count >= q * total);
    return total && hit ? (hit.le === Infinity ? '>30000' : hit.le * 1000) : null;
  };
  const serverSide = metricsBefore && metricsAfter ? {
    deliveryMsAtMost: { p50: bucketQuantile(0.5), p99: bucketQuantile(0.99), p999: bucketQuantile(0.999) },
    eventLoopDelayMs: { p50: round(metricsAfter.eventLoopDelayMs.p50), p99: round(metricsAfter.eventLoopDelayMs.p99), max: round(metricsAfter.eventLoopDelayMs.max) },
    gcPauses: metricsAfter.gc.count - metricsBefore.gc.count,
    gcMs: round((metricsAfter.gc.seconds - metricsBefore.gc.seconds) * 1000),
    commits: metricsAfter.commitBatches - metricsBefore.commitBatches,
  } : null;
  return {
    serverSide: serverSide && { ...serverSide, threadsPercent: usage.serverThreadsPercent },
    rate,
    seconds,
    attempted: sent,
    achievedRate: Math.round((sent / sendMs) * 1000),
    lateSends,
    sendFailures,
    messages: counts,
    latencyMs: summarizeLatencies(ledger.latencies),
    ackLatencyMs: summarizeLatencies(ackLatencies),
    serverCpuMicrosPerMessage: counts.delivered ? Math.round(usage.serverCpuMicros / counts.delivered) : null,
    clientCpuMicrosPerMessage: counts.delivered ? Math.round(usage.clientCpuMicros / counts.delivered) : null,
    serverCpuPercent: Math.round((usage.serverCpuMicros / 1000 / usage.wallMs) * 100),
    clientCpuPercent: Math.round((usage.clientCpuMicros / 1000 / usage.wallMs) * 100),
    otherCpuPercent: usage.otherCpuPercent,
  };
}
