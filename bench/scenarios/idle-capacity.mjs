// Scenario 1 — idle capacity: N sessions each holding one long poll. Reports
// server RSS growth per held poll, idle CPU while they are held, and whether
// every poll is answered correctly (timeout status, empty body) at its hold.
import { ClientPool, sleep } from '../lib/load-generator.mjs';
import { startCpuWindow, totalRssBytes } from '../lib/process-stats.mjs';

const CONNECT_WINDOW = 256; // polls written but not yet flushed (bounds SYN bursts)
const EARLY_TOLERANCE_MS = 250;
const LATE_TOLERANCE_MS = 2000;

export async function idleCapacity(target, { polls, holdSeconds, addresses, log }) {
  if (target.unavailable) return { skipped: target.unavailable };
  const holdMs = holdSeconds * 1000;
  const started = await target.start({ holdSeconds });
  const pool = new ClientPool({ host: target.host, port: target.port, addresses });
  try {
    await sleep(500);
    const rssStart = totalRssBytes(target.serverPids());
    const { channels, failures, errors } = await target.openChannels(pool, polls, 'idle');
    await sleep(300);
    const rssSessions = totalRssBytes(target.serverPids());

    const sentAt = new Array(channels.length);
    let unflushed = 0;
    let wake = null;
    const flushed = (i) => {
      if (sentAt[i] !== undefined) return;
      sentAt[i] = performance.now();
      unflushed -= 1;
      wake?.();
      wake = null;
    };
    const openStart = performance.now();
    const results = [];
    for (let i = 0; i < channels.length; i += 1) {
      while (unflushed >= CONNECT_WINDOW) await new Promise((resolve) => (wake = resolve));
      unflushed += 1;
      results.push(
        target.poll(pool, channels[i], { timeoutMs: holdMs + 20_000, onFlushed: () => flushed(i) }).then((r) => {
          flushed(i); // a request that failed before it was written
          return r;
        }),
      );
    }
    while (unflushed > 0) await new Promise((resolve) => (wake = resolve));
    const openMs = performance.now() - openStart;
    log(`  ${target.name}: ${channels.length} polls written in ${Math.round(openMs)} ms`);

    await sleep(1000);
    const rssHeld = totalRssBytes(target.serverPids());
    const clientRss = process.memoryUsage().rss;
    const idleUntil = sentAt[0] + holdMs - 1000;
    const cpu = startCpuWindow(target.serverPids);
    await sleep(Math.max(0, idleUntil - performance.now()));
    const idle = cpu.end();

    const answers = await Promise.all(results);
    const tally = { correct: 0, wrongStatus: 0, early: 0, late: 0, errors: 0, statusSamples: {} };
    let maxLateMs = 0;
    answers.forEach((answer, i) => {
      const elapsed = answer.res.endedAt - sentAt[i];
      if (answer.kind === 'timeout') {
        maxLateMs = Math.max(maxLateMs, elapsed - holdMs);
        if (elapsed < holdMs - EARLY_TOLERANCE_MS) tally.early += 1;
        else if (elapsed > holdMs + LATE_TOLERANCE_MS) tally.late += 1;
        else tally.correct += 1;
      } else {
        if (answer.res.status === 0) tally.errors += 1;
        else tally.wrongStatus += 1;
        const key = String(answer.res.status || answer.res.error);
        tally.statusSamples[key] = (tally.statusSamples[key] ?? 0) + 1;
      }
    });

    const held = channels.length;
    return {
      polls: held,
      sessionFailures: failures,
      sessionErrors: errors,
      holdSeconds,
      startupMs: Math.round(started.readyMs),
      openMs: Math.round(openMs),
      rssStartBytes: rssStart,
      rssHeldBytes: rssHeld,
      bytesPerHeldPoll: held ? Math.round((rssHeld - rssStart) / held) : null,
      bytesPerPollExcludingSession: held ? Math.round((rssHeld - rssSessions) / held) : null,
      idleServerCpuPercent: round2((idle.serverCpuMicros / 1000 / idle.wallMs) * 100),
      idleClientCpuPercent: round2((idle.clientCpuMicros / 1000 / idle.wallMs) * 100),
      idleWindowMs: Math.round(idle.wallMs),
      otherCpuPercent: idle.otherCpuPercent,
      clientRssBytes: clientRss,
      answers: { ...tally, maxLateMs: Math.round(maxLateMs) },
      allAnsweredCorrectly: tally.correct === polls && failures === 0,
    };
  } finally {
    pool.destroy();
    await target.stop();
  }
}

function round2(value) {
  return Math.round(value * 100) / 100;
}
