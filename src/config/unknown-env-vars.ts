/**
 * `SWITCHBOARD_*` environment variables the server does not read. A misspelled
 * variable is otherwise ignored without a word, as a misspelled config key was
 * (ADR 0041): one close to a secret's variable (`SWITCHBOARD_METRIC_TOKEN`)
 * stops the start, since the server would run without the secret (an open
 * /metrics); any other is a warning. Only close slips stop it: an unrelated
 * tool's `SWITCHBOARD_AGENT_TOKEN` in the same environment (a client's tests
 * talking to this server) must not.
 */
import { SECRET_VARS } from './secret-files.js';
import { near, type UnknownSetting } from './unknown-settings.js';

/**
 * Variables in the `SWITCHBOARD_` namespace that are not the server's settings but
 * are known: the CLI's own, and those the protocol suite reads when it runs
 * against a server of yours (test/protocol/harness.ts; `SWITCHBOARD_TEST_*` of
 * the repo's tests), which a CI job may export for both.
 */
const READ_ELSEWHERE = new Set(['SWITCHBOARD_CONFIG', 'SWITCHBOARD_PORT_FILE', 'SWITCHBOARD_BASE_URL', 'SWITCHBOARD_POLL_HOLD_SECONDS', 'SWITCHBOARD_KEEP_DATA']);

/** Every unknown `SWITCHBOARD_*` variable of `env`; `known` are the ones loadConfig reads. */
export function unknownEnvVarProblems(env: NodeJS.ProcessEnv, known: readonly string[]): UnknownSetting[] {
  const knownSet = new Set([...known, ...READ_ELSEWHERE]);
  const secretVars = SECRET_VARS.flatMap((v) => [v, `${v}_FILE`]);
  const out: UnknownSetting[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('SWITCHBOARD_') || knownSet.has(name) || name.startsWith('SWITCHBOARD_TEST_')) continue;
    const meant = secretVars.find((v) => near(name, v));
    if (meant) out.push({ text: `${name}: unknown environment variable (did you mean ${meant}?): a secret there would be ignored, so the server does not start`, secret: true });
    else {
      const nearest = [...knownSet].find((v) => near(name, v));
      out.push({ text: `${name}: unknown environment variable, ignored${nearest ? ` (did you mean ${nearest}?)` : ''}`, secret: false });
    }
  }
  return out;
}
