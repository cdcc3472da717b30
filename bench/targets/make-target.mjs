// One place that turns a target name into a target object.
import { baselineTarget, nchanTarget } from './pubsub-target.mjs';
import { switchboardTarget } from './switchboard-target.mjs';

export const TARGET_NAMES = ['baseline', 'nchan', 'switchboard-sqlite', 'switchboard-postgres'];

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
    default:
      throw new Error(`unknown target ${name}`);
  }
}
