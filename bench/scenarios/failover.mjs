// Scenario 5 — failover to a hot standby (ADR 0048): S live sessions in the
// store, a standby already waiting on the same store and config (its own port),
// one visitor message accepted (200) just before the active node is killed with
// SIGKILL. Reports the time from the kill to the standby's /readyz 200 and to the
// first old session served again, how many sampled old sessions survived, and
// whether the message accepted before the kill arrived exactly once afterwards.
// run.mjs sets these times beside the restart scenario's for the same store.
import { ClientPool, nextMessageId, sleep } from '../lib/load-generator.mjs';
import { sampleOldSessions } from '../lib/sample-sessions.mjs';

/** Every wait after the kill ends by this (the takeover is well under 2 s on this machine). */
const TAKEOVER_TIMEOUT_MS = 60_000;
const PROBE_EVERY_MS = 10;
/** How long the marker's echo may take after the takeover (the bot may still be greeting S chats). */
const MARKER_TIMEOUT_MS = 90_000;
/** After the marker's echo arrived: how long one more poll waits for a duplicate. */
const DUPLICATE_WATCH_MS = 3_000;

/** Polls `probe` every PROBE_EVERY_MS until it returns a final answer or the timeout; → {ms, last}. */
async function timeUntil(since, probe) {
  let last = null;
  while (performance.now() - since < TAKEOVER_TIMEOUT_MS) {
    const outcome = await probe();
    last = outcome.res;
    if (outcome.done) return { ms: outcome.ok ? performance.now() - since : null, last };
    await sleep(PROBE_EVERY_MS);
  }
  return { ms: null, last };
}

export async function failover(target, { sessions, holdSeconds, sessionGraceSeconds, addresses, log }) {
  if (target.unavailable) return { skipped: target.unavailable };
  if (!target.startStandby) return { skipped: 'no standby mode' };
  try {
    await target.start({ holdSeconds, sessionGraceSeconds });
  } catch (err) {
    return { skipped: `server did not start: ${err.message.slice(0, 300)}` };
  }
  let pool = new ClientPool({ host: target.host, port: target.port, addresses });
  let standbyPool = null;
  try {
    // The marker's session: greeting drained, so its ack is known and a poll after the takeover
    // returns only what came after it. First, so that its greeting is not queued behind S others.
    const markerSetup = await target.openChannels(pool, 1, 'echo');
    const marker = markerSetup.channels[0];
    if (!marker) throw new Error(`marker session not opened: ${markerSetup.errors.join('; ')}`);
    const setupStart = performance.now();
    const { channels, failures, errors } = await target.openChannels(pool, sessions, 'store');
    const setupMs = performance.now() - setupStart;
    log(`  ${target.name}: ${channels.length} sessions stored in ${Math.round(setupMs)} ms (${failures} failed)`);

    const standby = await target.startStandby();
    standbyPool = new ClientPool({ host: target.host, port: standby.port, addresses });
    const standbyReadyz = await standbyPool.request({ path: '/readyz', timeoutMs: 5_000 });
    log(`  ${target.name}: standby on port ${standby.port} standing by after ${Math.round(standby.readyMs)} ms (/readyz ${standbyReadyz.status} ${standbyReadyz.body.trim()})`);

    const markerId = nextMessageId('failover');
    const accepted = await target.visitorSend(pool, marker, markerId);
    const { killedAt, exited } = target.killActive();
    pool.destroy();

    // Both clocks run from the kill, side by side: the readiness a balancer sees, and the
    // first visitor request on an old session that succeeds (as the restart scenario probes).
    const probe = channels[0];
    const [ready, served] = await Promise.all([
      timeUntil(killedAt, async () => {
        const res = await standbyPool.request({ path: '/readyz', timeoutMs: 2_000 });
        return { res, done: res.status === 200, ok: true };
      }),
      timeUntil(killedAt, async () => {
        const { ok, res } = await target.visitorSend(standbyPool, probe, 'failover probe', probe.slot);
        // 503 NODE_STANDBY (still standing by) and refused connections (the port handed from the
        // standby's responder to the server) are tried again; any other answer is final.
        const retry = !ok && (res.status === 0 || res.status === 503);
        return { res, done: !retry, ok };
      }),
    ]);
    const killedSignal = await exited;
    target.promoteStandby();
    log(`  ${target.name}: killed (${killedSignal}); /readyz 200 after ${ready.ms === null ? '–' : Math.round(ready.ms)} ms, old session served after ${served.ms === null ? '–' : Math.round(served.ms)} ms`);

    const { sampled, outcomes, survived } = await sampleOldSessions(target, standbyPool, channels, 'failover check');

    // The echo bot answers the marker verbatim: its answer on the visitor's poll (from the
    // ack before the kill) shows the message was kept, and how many times it arrives.
    let seen = 0;
    let markerError = null;
    const pollDeadline = performance.now() + MARKER_TIMEOUT_MS;
    while (seen === 0 && performance.now() < pollDeadline) {
      const result = await target.poll(standbyPool, marker, { timeoutMs: Math.max(1_000, pollDeadline - performance.now()) });
      if (result.kind === 'error') {
        markerError = `${result.res.status} ${result.res.error ?? result.res.body.slice(0, 120)}`;
        if (result.res.status !== 0 && result.res.status !== 503) break;
        await sleep(100);
        continue;
      }
      seen += result.ids.filter((id) => id === markerId).length;
    }
    if (seen > 0) {
      // Anything more of it would come now (a cut poll is no loss: its events stay unacknowledged).
      const more = await target.poll(standbyPool, marker, { timeoutMs: DUPLICATE_WATCH_MS });
      seen += more.ids.filter((id) => id === markerId).length;
    }
    return {
      persistent: target.persistent,
      sessions: channels.length,
      setupFailures: failures,
      setupErrors: errors,
      setupMs: Math.round(setupMs),
      standbyStartMs: Math.round(standby.readyMs),
      standbyReadyzBefore: `${standbyReadyz.status} ${standbyReadyz.body.trim().slice(0, 40)}`,
      killedSignal,
      killToReadyMs: ready.ms === null ? null : Math.round(ready.ms),
      killToServedMs: served.ms === null ? null : Math.round(served.ms),
      probeFailure: served.ms === null ? `${served.last?.status} ${served.last?.error ?? served.last?.body?.slice(0, 120)}` : null,
      sampled,
      sampleOutcomes: outcomes,
      sessionsLostInSample: sampled - survived,
      marker: { acceptedStatus: accepted.res.status, seenAfterTakeover: seen, error: seen ? null : markerError },
      // One message sent (the marker); only a 200 counts as accepted, and then it must arrive once.
      messages: { sent: 1, lost: accepted.ok && seen === 0 ? 1 : 0, duplicated: Math.max(0, seen - 1) },
    };
  } finally {
    pool.destroy();
    standbyPool?.destroy();
    await target.stop();
  }
}
