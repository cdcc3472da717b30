// Scenario 3 — throughput: a closed loop over C chats. Each chat sends one
// message as the visitor and waits until the answer reaches its own poll before
// sending the next. On Switchboard the visitor's message is delivered to an
// agent (the bench agent on its stream socket), who answers it; the answer is
// delivered to the visitor's poll: two deliveries per round trip, both counted
// and both checked for loss and duplication. On the bare servers the published
// message comes straight back (one delivery per round trip). Reports delivered
// messages/s and server CPU µs per delivered message, and the same per round trip.
// A target with several server processes (cluster-target.mjs: `serverNodes()`, and a
// `node` on each channel) also gets each node's CPU and deliveries.
import { ClientPool, nextMessageId, sleep } from '../lib/load-generator.mjs';
import { MessageLedger, summarizeLatencies } from '../lib/stats.mjs';
import { pidsByCommand, startCpuWindow } from '../lib/process-stats.mjs';
import { startPollLoops, waitUntil } from '../lib/poll-loops.mjs';

const ANSWER_TIMEOUT_MS = 10_000;

/**
 * Each node's share: its CPU over the window (% of one core) and per message delivered on
 * the chats it serves (both legs of its orgs' round trips).
 */
function perNode(serverNodes, usage, deliveredByNode) {
  return serverNodes.map(({ node, pid }, i) => {
    const micros = usage.serverCpuMicrosByPid[pid] ?? 0;
    const delivered = deliveredByNode[i] ?? 0;
    return {
      node,
      deliveredInWindow: delivered,
      messagesPerSecond: Math.round((delivered / usage.wallMs) * 1000),
      serverCpuMicrosPerMessage: delivered ? Math.round(micros / delivered) : null,
      serverCpuPercent: Math.round((micros / 1000 / usage.wallMs) * 100),
    };
  });
}

export async function throughput(target, { chats, warmupSeconds, seconds, holdSeconds, addresses, log }) {
  if (target.unavailable) return { skipped: target.unavailable };
  try {
    await target.start({ holdSeconds });
  } catch (err) {
    return { skipped: `server did not start: ${err.message.slice(0, 300)}` };
  }
  const pool = new ClientPool({ host: target.host, port: target.port, addresses });
  let loops = null;
  const twoLegs = typeof target.startEchoAgent === 'function';
  try {
    if (twoLegs) {
      const reason = await target.agentApiUnavailableReason(pool);
      if (reason) return { skipped: reason };
    }
    const { channels, failures, errors } = await target.openChannels(pool, chats, twoLegs ? 'agent' : 'echo');
    if (channels.length === 0) return { skipped: `no chat could be set up: ${errors.join('; ')}` };

    const ledger = new MessageLedger();
    const waiters = new Map(); // id -> resolve
    let measuring = false;
    let deliveredInWindow = 0;
    let roundTripsInWindow = 0;
    // Deliveries in the window per server node (multi-node targets), by the node that served the chat.
    const deliveredByNode = [];
    const countForNode = (node) => {
      if (node !== undefined) deliveredByNode[node] = (deliveredByNode[node] ?? 0) + 1;
    };
    const toAgentLatencies = [];
    const sendFailures = { count: 0, samples: [] };
    const noteFailure = (res) => {
      sendFailures.count += 1;
      if (sendFailures.samples.length < 5) sendFailures.samples.push(`${res.status} ${res.error ?? res.body.slice(0, 120)}`);
    };
    // The agent's answer to bench id `bmt…` carries `bmu…`, so both legs are tracked apart.
    const answerOf = (id) => (twoLegs ? id.replace(/^bmt/, 'bmu') : id);
    if (twoLegs) {
      target.startEchoAgent({
        pool,
        onReceived(id, at, node) {
          const latency = ledger.recordDelivery(id, at);
          if (latency === null) return null; // a duplicate (counted) is not answered twice
          if (measuring) {
            deliveredInWindow += 1;
            countForNode(node);
            toAgentLatencies.push(latency);
          }
          const answer = answerOf(id);
          ledger.registerSend(answer, performance.now());
          return answer;
        },
        onSendFailed(answer, res) {
          noteFailure(res);
          if (!ledger.isDelivered(answer)) ledger.sent.delete(answer);
          waiters.get(answer)?.('failed');
          waiters.delete(answer);
        },
      });
    }
    loops = startPollLoops({
      target,
      pool,
      channels,
      deadlineMs: (warmupSeconds + seconds) * 1000 + 60_000,
      onIds(ids, endedAt, channel) {
        for (const id of ids) {
          const latency = ledger.recordDelivery(id, endedAt);
          if (latency !== null && measuring) {
            deliveredInWindow += 1;
            countForNode(channel.node);
          }
          waiters.get(id)?.('answered');
          waiters.delete(id);
        }
      },
    });
    await sleep(300);

    let stalls = 0;
    const roundTrips = [];
    let stopped = false;
    const hardStop = performance.now() + (warmupSeconds + seconds) * 1000 + 30_000;
    async function chatLoop(channel) {
      while (!stopped && performance.now() < hardStop) {
        const id = nextMessageId('t');
        const expected = answerOf(id);
        let answered = null;
        const answer = new Promise((resolve) => {
          answered = resolve;
          waiters.set(expected, resolve);
        });
        const startedAt = performance.now();
        ledger.registerSend(id, startedAt);
        const { ok, res } = await target.visitorSend(pool, channel, id);
        if (!ok) {
          waiters.delete(expected);
          if (!ledger.isDelivered(id)) ledger.sent.delete(id);
          noteFailure(res);
          await sleep(50);
          continue;
        }
        const timer = setTimeout(() => answered('timeout'), ANSWER_TIMEOUT_MS);
        const outcome = await answer;
        clearTimeout(timer);
        if (outcome === 'timeout') stalls += 1;
        else if (outcome !== 'failed') {
          roundTrips.push(performance.now() - startedAt);
          if (measuring) roundTripsInWindow += 1;
        }
      }
    }
    const chatLoops = channels.map((channel) => chatLoop(channel));
    await sleep(warmupSeconds * 1000);
    const onPostgres = target.storage === 'postgres';
    const dbPids = onPostgres ? () => pidsByCommand('postgres') : () => [];
    const serverNodes = target.serverNodes?.() ?? null;
    // Group commits per node (Switchboard's /metrics), read just outside the window: with the
    // deliveries they say how many messages each commit carried (batching falls with the rate).
    const commitsBefore = (await target.commitBatchesByNode?.(pool)) ?? null;
    measuring = true;
    const cpu = startCpuWindow(target.serverPids, dbPids);
    const latencyStart = roundTrips.length;
    await sleep(seconds * 1000);
    const usage = cpu.end();
    measuring = false;
    const commitsAfter = commitsBefore ? await target.commitBatchesByNode(pool) : null;
    const commitsByNode = commitsBefore?.map((before, i) => (before == null || commitsAfter[i] == null ? null : commitsAfter[i] - before)) ?? null;
    const commitsInWindow = commitsByNode && !commitsByNode.includes(null) ? commitsByNode.reduce((a, b) => a + b, 0) : null;
    const perCommit = (delivered, commits) => (commits ? Math.round((delivered / commits) * 10) / 10 : null);
    const windowLatencies = roundTrips.slice(latencyStart);
    stopped = true;
    await Promise.all(chatLoops);
    await waitUntil(() => ledger.pending() === 0, 5000);
    const counts = ledger.counts();
    const perMessage = (micros) => (deliveredInWindow ? Math.round(micros / deliveredInWindow) : null);
    const result = {
      chats: channels.length,
      deliveriesPerRoundTrip: twoLegs ? 2 : 1,
      agent: twoLegs ? `bench agent over ${target.agentTransport === 'rest' ? 'REST sends + stream socket' : 'its stream socket'}` : null,
      roundTripsPerSecond: Math.round((roundTripsInWindow / usage.wallMs) * 1000),
      serverCpuMicrosPerRoundTrip: roundTripsInWindow ? Math.round(usage.serverCpuMicros / roundTripsInWindow) : null,
      visitorToAgentMs: twoLegs ? summarizeLatencies(toAgentLatencies) : null,
      setupFailures: failures,
      setupErrors: errors,
      seconds,
      deliveredInWindow,
      messagesPerSecond: Math.round((deliveredInWindow / usage.wallMs) * 1000),
      serverCpuMicrosPerMessage: perMessage(usage.serverCpuMicros),
      clientCpuMicrosPerMessage: perMessage(usage.clientCpuMicros),
      databaseCpuMicrosPerMessage: onPostgres ? perMessage(usage.extraCpuMicros) : null,
      serverCpuPercent: Math.round((usage.serverCpuMicros / 1000 / usage.wallMs) * 100),
      // The first server process's threads only: left out when the target has several nodes.
      serverThreadsPercent: serverNodes?.length > 1 ? null : usage.serverThreadsPercent,
      clientCpuPercent: Math.round((usage.clientCpuMicros / 1000 / usage.wallMs) * 100),
      otherCpuPercent: usage.otherCpuPercent,
      roundTripMs: summarizeLatencies(windowLatencies),
      messages: counts,
      sendFailures,
      stalls,
      polls: loops.stats,
      commitsInWindow,
      deliveredPerCommit: perCommit(deliveredInWindow, commitsInWindow),
      ...(serverNodes ? { nodes: perNode(serverNodes, usage, deliveredByNode).map((n, i) => ({ ...n, commitsInWindow: commitsByNode?.[i] ?? null, deliveredPerCommit: perCommit(n.deliveredInWindow, commitsByNode?.[i]) })) } : {}),
    };
    log(`  ${target.name}: ${result.messagesPerSecond} msg/s, server ${result.serverCpuMicrosPerMessage} µs/msg (${result.serverCpuPercent}% CPU), client ${result.clientCpuMicrosPerMessage} µs/msg (${result.clientCpuPercent}%), lost ${counts.lost}, dup ${counts.duplicated}`);
    if (result.nodes?.length > 1) for (const n of result.nodes) log(`    node ${n.node}: ${n.messagesPerSecond} msg/s, ${n.serverCpuMicrosPerMessage} µs/msg (${n.serverCpuPercent}% CPU), ${n.deliveredPerCommit ?? '–'} msgs/commit`);
    return result;
  } finally {
    if (loops) await loops.stop();
    pool.destroy();
    await target.stop();
  }
}
