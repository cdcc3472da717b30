// One place that turns a target name into a target object.
import { baselineTarget, nchanTarget } from './pubsub-target.mjs';
import { switchboardTarget } from './switchboard-target.mjs';
import { clusterTarget } from './cluster-target.mjs';

export const TARGET_NAMES = ['baseline', 'nchan', 'switchboard-sqlite', 'switchboard-postgres', 'switchboard-postgres-2-orgs', 'switchboard-cluster'];

/** @param context {runDir, fdLimit, cpuProfileDir} */
export function makeTarget(name, context) {
  switch (name) {
    case 'baseline':
      return baselineTarget(context);
    case 'nchan':
      return nchanTarget(context);
    case 'switchboard-sqlite':
      return switchboardTarget({ ...context, storage: 'sqlite' });
    case 'switchboard-postgres':
      return switchboardTarget({ ...context, storage: 'postgres' });
    case 'switchboard-postgres-2-orgs':
      return clusterTarget({ ...context, shards: false });
    case 'switchboard-cluster':
      return clusterTarget({ ...context, shards: true });
    default:
      throw new Error(`unknown target ${name}`);
  }
}
