/**
 * The PostgreSQL password given apart from the URL (ADR 0040): in the config
 * file, in SWITCHBOARD_POSTGRES_PASSWORD or in a file named by
 * SWITCHBOARD_POSTGRES_PASSWORD_FILE; refused when the URL holds one too, when
 * it is empty, or when the URL cannot take it. No refusal quotes it.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { refusal, useConfigFiles } from './config-files.test-support.js';
import { loadConfig, validateConfig } from './load-config.js';

const { dir, file: configFile, secret } = useConfigFiles('pg-password');

const PASSWORD = 'pa55 w@rd:/%41-apart';
const BARE_URL = 'postgres://switchboard@db:5432/switchboard';
const postgres = (storage: Record<string, unknown>) => ({ storage: { kind: 'postgres', ...storage } });

describe('storage.postgresPassword', () => {
  it('is read from the config file, SWITCHBOARD_POSTGRES_PASSWORD (over the file) or SWITCHBOARD_POSTGRES_PASSWORD_FILE', () => {
    expect(validateConfig(postgres({ postgresUrl: BARE_URL, postgresPassword: PASSWORD }), 'test').storage.postgresPassword).toBe(PASSWORD);
    const file = configFile('with-password.yaml', `storage:\n  kind: postgres\n  postgresUrl: ${BARE_URL}\n  postgresPassword: from-the-file\n`);
    expect(loadConfig(file, {}, {}).storage.postgresPassword).toBe('from-the-file');
    expect(loadConfig(file, { SWITCHBOARD_POSTGRES_PASSWORD: PASSWORD }, {}).storage.postgresPassword).toBe(PASSWORD);
    // One final newline dropped, as for every _FILE form; the rest (a space at the end) is the password.
    const fromFile = loadConfig(file, { SWITCHBOARD_POSTGRES_PASSWORD_FILE: secret(`${PASSWORD} \n`) }, {});
    expect(fromFile.storage).toMatchObject({ postgresUrl: BARE_URL, postgresPassword: `${PASSWORD} ` });
    const fromEnv = loadConfig(undefined, { SWITCHBOARD_STORAGE: 'postgres', SWITCHBOARD_POSTGRES_URL: BARE_URL, SWITCHBOARD_POSTGRES_PASSWORD_FILE: secret(PASSWORD) }, {});
    expect(fromEnv.storage).toMatchObject({ kind: 'postgres', postgresUrl: BARE_URL, postgresPassword: PASSWORD });
  });

  it('refuses a password in the URL and one given apart, wherever each came from, quoting neither', () => {
    const inUrl = 'postgres://switchboard:url-secret-1@db:5432/switchboard';
    const both = /^\/storage\/postgresPassword: is given, and storage\.postgresUrl holds a password too: give the password one way/;
    for (const [what, fn] of [
      ['file', () => validateConfig(postgres({ postgresUrl: inUrl, postgresPassword: PASSWORD }), 'test')],
      ['variables', () => loadConfig(undefined, { SWITCHBOARD_STORAGE: 'postgres', SWITCHBOARD_POSTGRES_URL: inUrl, SWITCHBOARD_POSTGRES_PASSWORD: PASSWORD }, {})],
      ['_FILE forms', () => loadConfig(undefined, { SWITCHBOARD_STORAGE: 'postgres', SWITCHBOARD_POSTGRES_URL_FILE: secret(inUrl), SWITCHBOARD_POSTGRES_PASSWORD_FILE: secret(PASSWORD) }, {})],
      ['query parameter', () => validateConfig(postgres({ postgresUrl: `${BARE_URL}?password=url-secret-1`, postgresPassword: PASSWORD }), 'test')],
    ] as const) {
      const err = refusal(fn);
      expect(err.problems, what).toEqual([expect.stringMatching(both)]);
      expect(err.message, what).not.toContain('url-secret-1');
      expect(err.message, what).not.toContain(PASSWORD);
    }
    // The source line names where both came from.
    const err = refusal(() => loadConfig(undefined, { SWITCHBOARD_STORAGE: 'postgres', SWITCHBOARD_POSTGRES_URL: inUrl, SWITCHBOARD_POSTGRES_PASSWORD: PASSWORD }, {}));
    expect(err.message.split('\n')[0]).toBe('invalid config environment (SWITCHBOARD_STORAGE, SWITCHBOARD_POSTGRES_URL, SWITCHBOARD_POSTGRES_PASSWORD):');
    // A URL whose user info has an empty password holds none.
    expect(validateConfig(postgres({ postgresUrl: 'postgres://switchboard:@db/switchboard', postgresPassword: PASSWORD }), 'test').storage.postgresPassword).toBe(PASSWORD);
  });

  it('refuses an empty one from any source: PostgreSQL has no empty password, so it is a secret that did not arrive', () => {
    const empty = /^\/storage\/postgresPassword: is empty/;
    expect(refusal(() => validateConfig(postgres({ postgresUrl: BARE_URL, postgresPassword: '' }), 'test')).problems).toEqual([expect.stringMatching(empty)]);
    expect(refusal(() => loadConfig(undefined, { SWITCHBOARD_POSTGRES_PASSWORD: '' }, {})).problems).toEqual([expect.stringMatching(empty)]);
    for (const text of ['', '\n', '\r\n']) {
      expect(refusal(() => loadConfig(undefined, { SWITCHBOARD_POSTGRES_PASSWORD_FILE: secret(text) }, {})).problems, JSON.stringify(text)).toEqual([expect.stringMatching(empty)]);
    }
  });

  it('refuses the variable and its _FILE both set, and a _FILE it cannot read', () => {
    expect(refusal(() => loadConfig(undefined, { SWITCHBOARD_POSTGRES_PASSWORD: PASSWORD, SWITCHBOARD_POSTGRES_PASSWORD_FILE: secret(PASSWORD) }, {})).problems)
      .toEqual(['SWITCHBOARD_POSTGRES_PASSWORD and SWITCHBOARD_POSTGRES_PASSWORD_FILE are both set: give the value one way, unset the other']);
    // Set to nothing still counts as set, as alone (where it is refused as empty).
    expect(refusal(() => loadConfig(undefined, { SWITCHBOARD_POSTGRES_PASSWORD: '', SWITCHBOARD_POSTGRES_PASSWORD_FILE: secret(PASSWORD) }, {})).problems)
      .toEqual(['SWITCHBOARD_POSTGRES_PASSWORD and SWITCHBOARD_POSTGRES_PASSWORD_FILE are both set: give the value one way, unset the other']);
    const missing = join(dir, 'no-such-password');
    expect(refusal(() => loadConfig(undefined, { SWITCHBOARD_POSTGRES_PASSWORD_FILE: missing }, {})).problems)
      .toEqual([`SWITCHBOARD_POSTGRES_PASSWORD_FILE: cannot read ${missing}: no such file (ENOENT)`]);
  });

  it('refuses a connection string it cannot go into (not a URL, or no host for user info)', () => {
    for (const url of ['host=db dbname=switchboard user=switchboard', '/var/run/postgresql switchboard', 'postgres:///switchboard?host=/var/run/postgresql', 'mysql://db/switchboard']) {
      expect(refusal(() => validateConfig(postgres({ postgresUrl: url, postgresPassword: PASSWORD }), 'test')).problems, url)
        .toEqual([expect.stringMatching(/^\/storage\/postgresPassword: needs storage\.postgresUrl to be a postgres:\/\/ URL with a host/)]);
    }
  });
});
