// Scenario 4 — start-up and recovery: S live sessions in the store, the server
// is stopped (SIGTERM) and started again on the same data. Reports the time
// from spawn to "listening", the time from spawn until an old session is served
// again, and how many sampled old sessions survived (403 = lost).
import { ClientPool, sleep } from '../lib/load-generator.mjs';
import { sampleOldSessions } from '../lib/sample-sessions.mjs';
import { totalRssBytes } from '../lib/process-stats.mjs';

const SERVE_TIMEOUT_MS = 60_000;

export async function restartRecovery(target, { sessions, holdSeconds, sessionGraceSeconds, addresses, log }) {
  if (target.unavailable) return { skipped: target.unavailable };
  try {
    await target.start({ holdSeconds, sessionGraceSeconds });
  } catch (err) {
    return { skipped: `server did not start: ${err.message.slice(0, 300)}` };
  }
  let pool = new ClientPool({ host: target.host, port: target.port, addresses });
  try {
    const setupStart = performance.now();
    const { channels, failures, errors } = await target.openChannels(pool, sessions, 'store');
    const setupMs = performance.now() - setupStart;
    log(`  ${target.name}: ${channels.length} sessions stored in ${Math.round(setupMs)} ms (${failures} failed)`);
    const rssBefore = totalRssBytes(target.serverPids());
    pool.destroy();
    const stopMs = await target.stop();

    const spawnAt = performance.now();
    const restarted = await target.start({ holdSeconds, sessionGraceSeconds, reuseData: true });
    pool = new ClientPool({ host: target.host, port: target.port, addresses });
    // Time to serve again: the first visitor request on an old session that succeeds.
    const probe = channels[0];
    let servedMs = null;
    let lastProbe = null;
    while (performance.now() - spawnAt < SERVE_TIMEOUT_MS) {
      lastProbe = await target.visitorSend(pool, probe, 'restart probe', probe.slot);
      if (lastProbe.ok) {
        servedMs = performance.now() - spawnAt;
        break;
      }
      if (lastProbe.res.status === 403 || lastProbe.res.status === 503) break; // answered, but the session is gone
      await sleep(20);
    }
    const { sampled, outcomes, survived } = await sampleOldSessions(target, pool, channels, 'restart check');
    return {
      persistent: target.persistent,
      sessions: channels.length,
      setupFailures: failures,
      setupErrors: errors,
      setupMs: Math.round(setupMs),
      rssBeforeRestartBytes: rssBefore,
      stopMs: Math.round(stopMs ?? 0),
      listeningMs: Math.round(restarted.readyMs),
      servedAgainMs: servedMs === null ? null : Math.round(servedMs),
      probeFailure: servedMs === null ? `${lastProbe?.res.status} ${lastProbe?.res.body?.slice(0, 120)}` : null,
      sampled,
      sampleOutcomes: outcomes,
      // An in-memory server answers an unknown channel like a new one: everything it held is gone.
      sessionsLostInSample: target.persistent ? sampled - survived : sampled,
    };
  } finally {
    pool.destroy();
    await target.stop();
  }
}
