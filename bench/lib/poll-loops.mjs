// One long-poll loop per channel, as a visitor runs it: poll, record what
// arrived, poll again. Loops stop by themselves at `stop()` or at the deadline.
import { sleep } from './load-generator.mjs';

/**
 * @param onIds (ids, endedAt, channel) called for each 200 carrying bench ids
 * @returns {stop(): Promise<void>, stats: {polls, timeouts, errors, errorSamples}}
 */
export function startPollLoops({ target, pool, channels, deadlineMs, onIds }) {
  const stats = { polls: 0, timeouts: 0, errors: 0, errorSamples: [] };
  let stopped = false;
  const deadline = performance.now() + deadlineMs;
  async function loop(channel) {
    while (!stopped && performance.now() < deadline) {
      const result = await target.poll(pool, channel, { timeoutMs: 60_000 });
      if (stopped) {
        // Ids in a response that raced with stop() still count as delivered.
        if (result.ids.length) onIds(result.ids, result.res.endedAt, channel);
        return;
      }
      stats.polls += 1;
      if (result.kind === 'messages') {
        if (result.ids.length) onIds(result.ids, result.res.endedAt, channel);
      } else if (result.kind === 'timeout') {
        stats.timeouts += 1;
      } else {
        stats.errors += 1;
        if (stats.errorSamples.length < 5) stats.errorSamples.push(`${result.res.status} ${result.res.error ?? result.res.body.slice(0, 120)}`);
        await sleep(100);
      }
    }
  }
  const loops = channels.map((channel) => loop(channel));
  return {
    stats,
    /** Stops the loops; held polls are cut by destroying the pool's sockets. */
    async stop() {
      stopped = true;
      pool.destroy();
      await Promise.all(loops);
    },
  };
}

/** Waits (bounded) until `isDone()` holds, checking every 20 ms. Returns true if it did. */
export async function waitUntil(isDone, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (isDone()) return true;
    await sleep(20);
  }
  return isDone();
}
