// Which stored sessions a node serves again after a restart or a failover: a visitor
// message on each of up to SAMPLE random old sessions (the first one, the probe, left out),
// counted by answer status (200 = served; 403 = the session is gone).
import { runBounded } from './load-generator.mjs';

export const SAMPLE = 500;

/** Returns {sampled, outcomes, survived}. */
export async function sampleOldSessions(target, pool, channels, label) {
  const sample = channels.slice(1).sort(() => Math.random() - 0.5).slice(0, SAMPLE);
  const outcomes = {};
  await runBounded(sample.length, 32, async (i) => {
    const { res } = await target.visitorSend(pool, sample[i], `${label} ${i}`, sample[i].slot);
    const key = String(res.status || res.error);
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  });
  return { sampled: sample.length, outcomes, survived: outcomes['200'] ?? 0 };
}
