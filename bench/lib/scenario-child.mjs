// Runs one scenario against one server in a fresh process, so every
// measurement starts with a clean load-generator heap and a crash stays local.
// Usage (from run.mjs): node bench/lib/scenario-child.mjs <job.json> <result.json>
import { readFileSync, writeFileSync } from 'node:fs';
import { makeTarget } from '../targets/make-target.mjs';
import { idleCapacity } from '../scenarios/idle-capacity.mjs';
import { deliveryLatency } from '../scenarios/delivery-latency.mjs';
import { throughput } from '../scenarios/throughput.mjs';
import { restartRecovery } from '../scenarios/restart-recovery.mjs';
import { failover } from '../scenarios/failover.mjs';

const SCENARIOS = { idleCapacity, deliveryLatency, throughput, restartRecovery, failover };

const [jobPath, resultPath] = process.argv.slice(2);
const job = JSON.parse(readFileSync(jobPath, 'utf8'));
const target = makeTarget(job.target, job.context);
const log = (line) => process.stderr.write(`${line}\n`);
let result;
try {
  result = await SCENARIOS[job.scenario](target, { ...job.params, log });
} catch (err) {
  log(`  ${target.name}: error: ${err.stack ?? err}`);
  await target.stop().catch(() => {});
  result = { skipped: `error: ${String(err.message ?? err).slice(0, 300)}` };
}
// What the scenario left behind (the PostgreSQL target's database), once its servers are stopped.
await target.stop?.().catch(() => {});
await target.dispose?.().catch(() => {});
writeFileSync(resultPath, JSON.stringify(result));
process.exit(0);
