/**
 * `SWITCHBOARD_X_FILE=/path`: a secret variable's value read from a file
 * (Docker secrets, Kubernetes secret volumes), through the loader as `serve` uses it.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { refusal, useConfigFiles } from './config-files.test-support.js';
import { loadConfig } from './load-config.js';
import { SECRET_FILE_MAX_BYTES, SECRET_VARS } from './secret-files.js';

const { dir, file: configFile, secret } = useConfigFiles('secrets');

const TOKEN = 'file-token-0123456789abcdef';
const URL_ = 'postgres://switchboard:pa55-from-file@db:5432/switchboard';

describe('secrets from files (SWITCHBOARD_X_FILE)', () => {
  it('covers every variable that carries a secret, and nothing else', () => {
    expect([...SECRET_VARS]).toEqual(['SWITCHBOARD_POSTGRES_URL', 'SWITCHBOARD_POSTGRES_PASSWORD', 'SWITCHBOARD_METRICS_TOKEN']);
  });

  it('reads the value from the file, over the config file, as the variable itself would', () => {
    const env = { SWITCHBOARD_STORAGE: 'postgres', SWITCHBOARD_POSTGRES_URL_FILE: secret(`${URL_}\n`), SWITCHBOARD_METRICS_TOKEN_FILE: secret(`${TOKEN}\n`) };
    const config = loadConfig(undefined, env, {});
    expect(config.storage.postgresUrl).toBe(URL_);
    expect(config.server.metricsToken).toBe(TOKEN);
    const file = configFile('with-values.yaml', `server:\n  metricsToken: ${'f'.repeat(20)}\nstorage:\n  postgresUrl: postgres://other/db\n`);
    expect(loadConfig(file, env, {})).toMatchObject({ server: { metricsToken: TOKEN }, storage: { postgresUrl: URL_ } });
  });

  it('removes one trailing newline (\\n or \\r\\n) and nothing else', () => {
    const url = (text: string) => loadConfig(undefined, { SWITCHBOARD_POSTGRES_URL_FILE: secret(text) }, {}).storage.postgresUrl;
    expect(url(URL_)).toBe(URL_);
    expect(url(`${URL_}\n`)).toBe(URL_);
    expect(url(`${URL_}\r\n`)).toBe(URL_);
    expect(url(`${URL_}\n\n`)).toBe(`${URL_}\n`);
    expect(url(`${URL_}\r`)).toBe(`${URL_}\r`);
    expect(url(`${URL_} \n`)).toBe(`${URL_} `);
    expect(url(`${URL_}\t`)).toBe(`${URL_}\t`);
    // Leading whitespace is kept too, so the value is no longer a postgres:// URL and is refused as one.
    for (const text of [` ${URL_}\n`, `\t${URL_}`]) {
      expect(refusal(() => url(text)).problems).toEqual([expect.stringMatching(/^\/storage\/postgresUrl: is not a postgres:\/\/ URL/)]);
    }
    // What is kept is checked as the variable's value would be: a token with a second newline is refused.
    expect(loadConfig(undefined, { SWITCHBOARD_METRICS_TOKEN_FILE: secret(`${TOKEN}\r\n`) }, {}).server.metricsToken).toBe(TOKEN);
    expect(refusal(() => loadConfig(undefined, { SWITCHBOARD_METRICS_TOKEN_FILE: secret(`${TOKEN}\n\n`) }, {})).problems)
      .toEqual([expect.stringMatching(/^\/server\/metricsToken: may hold only printable ASCII characters/)]);
  });

  it('refuses the variable and its _FILE both set, naming both', () => {
    for (const name of SECRET_VARS) {
      const err = refusal(() => loadConfig(undefined, { [name]: name === 'SWITCHBOARD_METRICS_TOKEN' ? TOKEN : URL_, [`${name}_FILE`]: secret('x') }, {}));
      expect(err.problems).toEqual([`${name} and ${name}_FILE are both set: give the value one way, unset the other`]);
      expect(err.message).not.toContain(TOKEN);
      expect(err.message).not.toContain('pa55-from-file');
    }
    // The metrics token's variable set to nothing counts as set (as it does alone, where it is refused) ...
    expect(refusal(() => loadConfig(undefined, { SWITCHBOARD_METRICS_TOKEN: '', SWITCHBOARD_METRICS_TOKEN_FILE: secret(TOKEN) }, {})).problems)
      .toEqual(['SWITCHBOARD_METRICS_TOKEN and SWITCHBOARD_METRICS_TOKEN_FILE are both set: give the value one way, unset the other']);
    // ... the PostgreSQL URL's counts as unset, as it always has.
    expect(loadConfig(undefined, { SWITCHBOARD_POSTGRES_URL: '', SWITCHBOARD_POSTGRES_URL_FILE: secret(URL_) }, {}).storage.postgresUrl).toBe(URL_);
  });

  it('refuses a file it cannot read, naming the variable and the path', () => {
    const missing = join(dir, 'no-such-secret');
    const err = refusal(() => loadConfig(undefined, { SWITCHBOARD_METRICS_TOKEN_FILE: missing }, {}));
    expect(err.problems).toEqual([`SWITCHBOARD_METRICS_TOKEN_FILE: cannot read ${missing}: no such file (ENOENT)`]);
    expect(err.message.split('\n')[0]).toBe('invalid config environment (SWITCHBOARD_METRICS_TOKEN_FILE):');
    const folder = join(dir, 'a-directory');
    mkdirSync(folder);
    expect(refusal(() => loadConfig(undefined, { SWITCHBOARD_POSTGRES_URL_FILE: folder }, {})).problems)
      .toEqual([`SWITCHBOARD_POSTGRES_URL_FILE: cannot read ${folder}: it is a directory (EISDIR)`]);
    // Every problem at once, so a deployment with two broken secrets is fixed in one go.
    expect(refusal(() => loadConfig(undefined, { SWITCHBOARD_POSTGRES_URL_FILE: folder, SWITCHBOARD_METRICS_TOKEN_FILE: missing }, {})).problems).toHaveLength(2);
  });

  it('refuses a file longer than a secret can be, and reads no further (a device never ends)', () => {
    const big = secret('x'.repeat(SECRET_FILE_MAX_BYTES + 1));
    expect(refusal(() => loadConfig(undefined, { SWITCHBOARD_METRICS_TOKEN_FILE: big }, {})).problems)
      .toEqual([`SWITCHBOARD_METRICS_TOKEN_FILE: ${big} is longer than ${SECRET_FILE_MAX_BYTES} bytes: not a secret (a device or a log file?)`]);
    expect(refusal(() => loadConfig(undefined, { SWITCHBOARD_POSTGRES_URL_FILE: '/dev/zero' }, {})).problems)
      .toEqual([`SWITCHBOARD_POSTGRES_URL_FILE: /dev/zero is longer than ${SECRET_FILE_MAX_BYTES} bytes: not a secret (a device or a log file?)`]);
  });

  it('refuses a _FILE variable set to nothing: there is no file to read', () => {
    for (const name of SECRET_VARS) {
      expect(refusal(() => loadConfig(undefined, { [`${name}_FILE`]: '' }, {})).problems)
        .toEqual([`${name}_FILE: is empty: give the path of the file that holds ${name}, or unset it`]);
    }
  });

  it('treats an empty file as the variable set to nothing: the metrics token is refused, the PostgreSQL URL is unset', () => {
    for (const empty of ['', '\n', '\r\n']) {
      const refused = refusal(() => loadConfig(undefined, { SWITCHBOARD_METRICS_TOKEN_FILE: secret(empty) }, {}));
      expect(refused.problems, JSON.stringify(empty)).toEqual([expect.stringMatching(/^\/server\/metricsToken: is empty/)]);
      expect(loadConfig(undefined, { SWITCHBOARD_POSTGRES_URL_FILE: secret(empty) }, {}).storage.postgresUrl).toBeUndefined();
      expect(refusal(() => loadConfig(undefined, { SWITCHBOARD_STORAGE: 'postgres', SWITCHBOARD_POSTGRES_URL_FILE: secret(empty) }, {})).problems)
        .toEqual(['/storage/postgresUrl: required when storage.kind is postgres']);
    }
  });

  it('names the _FILE variable, never the value, when what it held is refused', () => {
    const short = 'sekrit-in-a-file';
    const err = refusal(() => loadConfig(undefined, { SWITCHBOARD_METRICS_TOKEN_FILE: secret(`${short.slice(0, 12)}\n`) }, {}));
    expect(err.message.split('\n')[0]).toBe('invalid config environment (SWITCHBOARD_METRICS_TOKEN_FILE):');
    expect(err.message).not.toContain(short.slice(0, 12));
    const searchPath = refusal(() => loadConfig(undefined, { SWITCHBOARD_POSTGRES_URL_FILE: secret('postgres://u:pa55-from-file@db/x?options=-csearch_path=y') }, {}));
    expect(searchPath.problems).toEqual([expect.stringMatching(/^\/storage\/postgresUrl: sets search_path/)]);
    expect(searchPath.message).not.toContain('pa55-from-file');
  });

  it('every _FILE form is a row of the environment table in docs/configuration.md (and so in --help)', () => {
    const docs = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    for (const name of SECRET_VARS) expect(docs).toMatch(new RegExp(`^\\s*\\| \`${name}_FILE\` \\|`, 'm'));
  });
});
