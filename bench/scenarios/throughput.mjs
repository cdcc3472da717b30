// Scenario 3 — throughput: a closed loop over C chats. Each chat sends one
// message as the visitor and waits until the answer reaches its own poll before
// sending the next. On Switchboard the answer comes from the agent side (the
// in-process echo bot); on the bare servers the published message comes
// straight back. Reports delivered messages/s and server CPU µs per delivered message.
import { ClientPool, nextMessageId, sleep } from '../lib/load-generator.mjs';
import { MessageLedger, summarizeLatencies } from '../lib/stats.mjs';
import { pidsByCommand, startCpuWindow } from '../lib/process-stats.mjs';
import { startPollLoops, waitUntil } from '../lib/poll-loops.mjs';

const ANSWER_TIMEOUT_MS = 10_000;

export async function throughput(target, { chats, warmupSeconds, seconds, holdSeconds, addresses, log }) {
  if (target.unavailable) return { skipped: target.unavailable };
  try {
    await target.start({ holdSeconds });
  } catch (err) {
    return { skipped: `server did not start: ${err.message.slice(0, 300)}` };
  }
  const pool = new ClientPool({ host: target.host, port: target.port, addresses });
  let loops = null;
  try {
    const { channels, failures, errors } = await target.openChannels(pool, chats, 'echo');
    if (channels.length === 0) return { skipped: `no chat could be set up: ${errors.join('; ')}` };

    const ledger = new MessageLedger();
    const waiters = new Map(); // id -> resolve
    let measuring = false;
    let deliveredInWindow = 0;
    loops = startPollLoops({
      target,
      pool,
      channels,
      deadlineMs: (warmupSeconds + seconds) * 1000 + 60_000,
      onIds(ids, endedAt) {
        for (const id of ids) {
          const latency = ledger.recordDelivery(id, endedAt);
          if (latency !== null && measuring) deliveredInWindow += 1;
          waiters.get(id)?.();
          waiters.delete(id);
        }
      },
    });
    await sleep(300);

    const sendFailures = { count: 0, samples: [] };
    let stalls = 0;
    let stopped = false;
    const hardStop = performance.now() + (warmupSeconds + seconds) * 1000 + 30_000;
    async function chatLoop(channel) {
      while (!stopped && performance.now() < hardStop) {
        const id = nextMessageId('t');
        let answered = null;
        const answer = new Promise((resolve) => {
          answered = resolve;
          waiters.set(id, resolve);
        });
        ledger.registerSend(id, performance.now());
        const { ok, res } = await target.visitorSend(pool, channel, id);
        if (!ok) {
          waiters.delete(id);
          if (!ledger.isDelivered(id)) ledger.sent.delete(id);
          sendFailures.count += 1;
          if (sendFailures.samples.length < 5) sendFailures.samples.push(`${res.status} ${res.error ?? res.body.slice(0, 120)}`);
          await sleep(50);
          continue;
        }
        const timer = setTimeout(() => answered('timeout'), ANSWER_TIMEOUT_MS);
        if ((await answer) === 'timeout') stalls += 1;
        clearTimeout(timer);
      }
    }
    const chatLoops = channels.map((channel) => chatLoop(channel));
    await sleep(warmupSeconds * 1000);
    const dbPids = target.name.endsWith('postgres') ? () => pidsByCommand('postgres') : () => [];
    measuring = true;
    const cpu = startCpuWindow(target.serverPids, dbPids);
    const latencyStart = ledger.latencies.length;
    await sleep(seconds * 1000);
    const usage = cpu.end();
    measuring = false;
    const windowLatencies = ledger.latencies.slice(latencyStart);
    stopped = true;
    await Promise.all(chatLoops);
    await waitUntil(() => ledger.pending() === 0, 5000);
    const counts = ledger.counts();
    const perMessage = (micros) => (deliveredInWindow ? Math.round(micros / deliveredInWindow) : null);
    const result = {
      chats: channels.length,
      setupFailures: failures,
      setupErrors: errors,
      seconds,
      deliveredInWindow,
      messagesPerSecond: Math.round((deliveredInWindow / usage.wallMs) * 1000),
      serverCpuMicrosPerMessage: perMessage(usage.serverCpuMicros),
      clientCpuMicrosPerMessage: perMessage(usage.clientCpuMicros),
      databaseCpuMicrosPerMessage: target.name.endsWith('postgres') ? perMessage(usage.extraCpuMicros) : null,
      serverCpuPercent: Math.round((usage.serverCpuMicros / 1000 / usage.wallMs) * 100),
      clientCpuPercent: Math.round((usage.clientCpuMicros / 1000 / usage.wallMs) * 100),
      otherCpuPercent: usage.otherCpuPercent,
      roundTripMs: summarizeLatencies(windowLatencies),
      messages: counts,
      sendFailures,
      stalls,
      polls: loops.stats,
    };
    log(`  ${target.name}: ${result.messagesPerSecond} msg/s, server ${result.serverCpuMicrosPerMessage} µs/msg (${result.serverCpuPercent}% CPU), client ${result.clientCpuMicrosPerMessage} µs/msg (${result.clientCpuPercent}%), lost ${counts.lost}, dup ${counts.duplicated}`);
    return result;
  } finally {
    if (loops) await loops.stop();
    pool.destroy();
    await target.stop();
  }
}
