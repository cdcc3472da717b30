import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARS, loadConfig } from './load-config.js';
import { unknownEnvVarProblems } from './unknown-env-vars.js';

describe('unknown SWITCHBOARD_* environment variables', () => {
  it('a slip for a secret variable stops the start and names the variable meant', () => {
    for (const slip of ['SWITCHBOARD_METRIC_TOKEN', 'SWITCHBOARD_METRICS_TOKEN_PATH', 'SWITCHBOARD_POSTGRES_PASWORD', 'SWITCHBOARD_POSTGRESS_URL_FILE']) {
      let err: unknown;
      try {
        loadConfig(undefined, { [slip]: 'x' }, {});
      } catch (e) {
        err = e;
      }
      expect(err, slip).toBeInstanceOf(ConfigError);
      expect(String((err as Error).message), slip).toMatch(new RegExp(`${slip}: unknown environment variable \\(did you mean SWITCHBOARD_`));
    }
  });

  it('any other unknown one is a warning with the nearest known name; the server still starts', () => {
    const env = { SWITCHBOARD_LOG_LEVLE: 'debug', SWITCHBOARD_AGENT_TOKEN: 'a client tool of the user', SWITCHBOARD_STORAGE: 'memory' };
    expect(() => loadConfig(undefined, env, {})).not.toThrow();
    expect(unknownEnvVarProblems(env, ENV_VARS)).toEqual([
      { text: 'SWITCHBOARD_AGENT_TOKEN: unknown environment variable, ignored', secret: false },
      { text: 'SWITCHBOARD_LOG_LEVLE: unknown environment variable, ignored (did you mean SWITCHBOARD_LOG_LEVEL?)', secret: false },
    ]);
  });

  it('known variables, the CLI\'s and the test suites\' are not reported', () => {
    const env = Object.fromEntries([...ENV_VARS, 'SWITCHBOARD_CONFIG', 'SWITCHBOARD_PORT_FILE', 'SWITCHBOARD_BASE_URL', 'SWITCHBOARD_POLL_HOLD_SECONDS', 'SWITCHBOARD_TEST_POSTGRES_URL', 'PATH'].map((n) => [n, '1']));
    expect(unknownEnvVarProblems(env, ENV_VARS)).toEqual([]);
  });
});

describe('SWITCHBOARD_LOCK_WAIT_SECONDS', () => {
  it('takes a fraction of a second, as storage.lockWaitSeconds does', () => {
    expect(loadConfig(undefined, { SWITCHBOARD_LOCK_WAIT_SECONDS: '1.5' }, {}).storage.lockWaitSeconds).toBe(1.5);
    expect(loadConfig(undefined, { SWITCHBOARD_LOCK_WAIT_SECONDS: '20' }, {}).storage.lockWaitSeconds).toBe(20);
    expect(() => loadConfig(undefined, { SWITCHBOARD_LOCK_WAIT_SECONDS: '-1' }, {})).toThrow(/is not a number of seconds/);
    expect(() => loadConfig(undefined, { SWITCHBOARD_LOCK_WAIT_SECONDS: '4000' }, {})).toThrow(ConfigError);
  });
});

describe('SWITCHBOARD_LOCK_LOST_EXIT_SECONDS', () => {
  it('sets storage.lockLostExitSeconds (ADR 0073): 10 by default, 0 for never, a fraction too', () => {
    expect(loadConfig(undefined, {}, {}).storage.lockLostExitSeconds).toBe(10);
    expect(loadConfig(undefined, { SWITCHBOARD_LOCK_LOST_EXIT_SECONDS: '0' }, {}).storage.lockLostExitSeconds).toBe(0);
    expect(loadConfig(undefined, { SWITCHBOARD_LOCK_LOST_EXIT_SECONDS: '2.5' }, {}).storage.lockLostExitSeconds).toBe(2.5);
    expect(() => loadConfig(undefined, { SWITCHBOARD_LOCK_LOST_EXIT_SECONDS: '-1' }, {})).toThrow(/is not a number of seconds/);
    expect(() => loadConfig(undefined, { SWITCHBOARD_LOCK_LOST_EXIT_SECONDS: '4000' }, {})).toThrow(ConfigError);
  });
});
