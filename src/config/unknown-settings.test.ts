/**
 * Unknown keys in a config file: `check-config` fails on each, `serve` warns and
 * starts, except for one that stands for a secret setting (ADR 0041), which
 * stops the start: `/metrics` must not be left open by a misspelled `metricsToken`.
 */
import { describe, expect, it } from 'vitest';
import { refusal, useConfigFiles } from './config-files.test-support.js';
import { ConfigError, loadConfig } from './load-config.js';
import { unknownSettingProblems, unknownSettings } from './unknown-settings.js';

const { file: yaml } = useConfigFiles('unknown');

const TOKEN = 'c0ffee5eed4b1d8c2e9f7a6b5c4d3e2f';
const STOP = 'a secret there would be ignored, so the server does not start';


describe('an unknown key that stands for a secret setting', () => {
  it('is a close misspelling, a _FILE-style key or the right key in the wrong place', () => {
    const slips: [Record<string, unknown>, string][] = [
      [{ server: { metricToken: TOKEN } }, 'server.metricToken: unknown setting (did you mean server.metricsToken?)'],
      [{ server: { metrics_token: TOKEN } }, 'server.metrics_token: unknown setting (did you mean server.metricsToken?)'],
      [{ server: { MetricsToken: TOKEN } }, 'server.MetricsToken: unknown setting (did you mean server.metricsToken?)'],
      [{ server: { metricsTokne: TOKEN } }, 'server.metricsTokne: unknown setting (did you mean server.metricsToken?)'],
      [{ server: { metricsTokenFile: '/run/secrets/t' } }, 'server.metricsTokenFile: unknown setting (did you mean server.metricsToken?)'],
      [{ metricsToken: TOKEN }, 'metricsToken: unknown setting (did you mean server.metricsToken?)'],
      [{ storage: { metricsToken: TOKEN } }, 'storage.metricsToken: unknown setting (did you mean server.metricsToken?)'],
      [{ storage: { postgresURL: 'postgres://db/x' } }, 'storage.postgresURL: unknown setting (did you mean storage.postgresUrl?)'],
      [{ storage: { postgres_password: 'x' } }, 'storage.postgres_password: unknown setting (did you mean storage.postgresPassword?)'],
      [{ storage: { postgresPasword: 'x' } }, 'storage.postgresPasword: unknown setting (did you mean storage.postgresPassword?)'],
    ];
    for (const [raw, start] of slips) {
      expect(unknownSettingProblems(raw), JSON.stringify(raw)).toEqual([{ text: `${start}: ${STOP}`, secret: true }]);
    }
  });

  it('or names a secret in a server-wide section (server, storage, settings, the top level)', () => {
    for (const raw of [{ storage: { password: 'x' } }, { server: { authToken: 'x' } }, { server: { bearer_token: 'x' } }, { settings: { apiSecret: 'x' } }, { credentials: 'x' }]) {
      const [problem] = unknownSettingProblems(raw);
      expect(problem, JSON.stringify(raw)).toEqual({ secret: true, text: expect.stringContaining(`unknown setting that names a secret: ${STOP} (the secret settings are server.metricsToken, storage.postgresUrl, storage.postgresPassword)`) });
    }
  });

  it('is not any other unknown key: those stay warnings (a misspelled agent password leaves that agent unable to log in, nothing open)', () => {
    const raw = { server: { metricz: true, hots: '0.0.0.0' }, settings: { pollHoldSecs: 3 }, orgs: [{ id: '00D000000000009', agents: [{ id: '005000000000009', name: 'A', pasword: 'plain:x' }] }] };
    expect(unknownSettingProblems(raw).map((u) => u.secret)).toEqual([false, false, false, false]);
    expect(unknownSettings(raw)).toEqual([
      'server.metricz: unknown setting (did you mean metrics?)',
      'server.hots: unknown setting (did you mean host?)',
      'settings.pollHoldSecs: unknown setting (did you mean pollHoldSeconds?)',
      'orgs[0].agents[0].pasword: unknown setting (did you mean password?)',
    ]);
  });

  it('counts `constructor` and `__proto__` as unknown too (they are no settings, whatever Object.prototype has)', () => {
    const raw = JSON.parse('{"__proto__": {"x": 1}, "settings": {"constructor": {"prototype": {}}}, "orgs": [{"id": "00D000000000009", "agents": [{"id": "005000000000009", "name": "A", "__proto__": {"role": "admin"}}]}]}') as unknown;
    expect(unknownSettings(raw)).toEqual([
      '__proto__: unknown setting',
      'settings.constructor: unknown setting',
      'orgs[0].agents[0].__proto__: unknown setting',
    ]);
  });

  it('stops serve\'s config loading, never quoting the value; the other unknown keys do not', () => {
    const slip = yaml('slip.yaml', `server:\n  host: 0.0.0.0\n  metricToken: ${TOKEN}\nstorage:\n  kind: memory\n`);
    const err = refusal(() => loadConfig(slip, {}, {}));
    expect(err.problems).toEqual([`server.metricToken: unknown setting (did you mean server.metricsToken?): ${STOP}`]);
    expect(err.message.split('\n')[0]).toBe(`invalid config ${slip}:`);
    expect(err.message).not.toContain(TOKEN);
    // Also when the variable gives the token: the file's key is a secret nobody uses.
    expect(() => loadConfig(slip, { SWITCHBOARD_METRICS_TOKEN: TOKEN }, {})).toThrow(ConfigError);
    const typo = yaml('typo.yaml', 'server:\n  hots: 0.0.0.0\nsettings:\n  pollHoldSecs: 3\nstorage:\n  kind: memory\n');
    expect(loadConfig(typo, {}, {}).storage.kind).toBe('memory');
  });

  it('is named first when the config is refused for another reason, which it may well explain', () => {
    // The misspelt hold leaves the default 25 s, which a short clientPollTimeoutSeconds then refuses.
    const ci = yaml('ci.yaml', 'settings:\n  pollHldSeconds: 1\n  clientPollTimeoutSeconds: 5\nstorage:\n  kind: memory\n');
    expect(refusal(() => loadConfig(ci, {}, {})).problems).toEqual([
      'settings.pollHldSeconds: unknown setting (did you mean pollHoldSeconds?)',
      '/settings/pollHoldSeconds: 25 must be less than clientPollTimeoutSeconds (5), which tells clients to give up on a poll not answered by then',
    ]);
    // And beside a schema error.
    const schema = yaml('schema.yaml', 'settings:\n  pollHoldSecs: 3\n  clientPollTimeoutSeconds: "soon"\nstorage:\n  kind: memory\n');
    const problems = refusal(() => loadConfig(schema, {}, {})).problems;
    expect(problems[0]).toBe('settings.pollHoldSecs: unknown setting (did you mean pollHoldSeconds?)');
    expect(problems.slice(1).join('\n')).toMatch(/clientPollTimeoutSeconds/);
  });
});
