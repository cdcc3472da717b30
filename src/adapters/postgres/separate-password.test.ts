/**
 * The PostgreSQL password given apart from the URL (storage.postgresPassword,
 * ADR 0040) against the machine's real PostgreSQL: a role of the test's own with a
 * password, a database it owns, a whole server started on it.
 *
 * The server here trusts every connection from 127.0.0.1 (pg_hba `trust`): it never
 * asks for a password, so a connection made with the wrong one, or with none,
 * succeeds as well, and connecting proves nothing. What is checked instead is the
 * password every connection the server opens carries (the store's pool, its
 * migration connection, the node lock's), against the SCRAM-SHA-256 verifier
 * PostgreSQL stores for the role: only the role's own password matches it.
 */
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoOrg } from '../../config/demo-deployment.js';
import { loadConfig } from '../../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../../main.js';
import { adminQuery, PG_TEST_URL, scratchDatabase } from './scratch-database.test-support.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const database = scratchDatabase('sb_pgpass');
const ROLE = `sb_pgpass_${process.pid}`;
// Characters a URL would need escaped: the password must arrive as written.
const PASSWORD = 'c0rrect h0rse@b@ttery:st/ple%41';

/** The role's SCRAM-SHA-256 verifier, as PostgreSQL keeps it (pg_authid.rolpassword). */
async function storedVerifier(): Promise<string> {
  const client = new pg.Client({ connectionString: PG_TEST_URL });
  await client.connect();
  try {
    const res = await client.query<{ rolpassword: string }>('select rolpassword from pg_authid where rolname = $1', [ROLE]);
    return res.rows[0]!.rolpassword;
  } finally {
    await client.end();
  }
}

/** True when `password` is the one the verifier was made from (RFC 5802's StoredKey and ServerKey). */
function matchesVerifier(password: string, verifier: string): boolean {
  const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (!m) throw new Error(`not a SCRAM-SHA-256 verifier: ${verifier.slice(0, 16)}…`);
  const salted = pbkdf2Sync(password, Buffer.from(m[2]!, 'base64'), Number(m[1]), 32, 'sha256');
  const storedKey = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest('base64');
  const serverKey = createHmac('sha256', salted).update('Server Key').digest('base64');
  return storedKey === m[3] && serverKey === m[4];
}

/** Records the password of every pg connection opened while it is installed; the connection itself is made as usual. */
function recordConnections(): { passwords: (string | null)[]; uninstall: () => void } {
  const passwords: (string | null)[] = [];
  const proto = pg.Client.prototype as unknown as { connect: (...args: unknown[]) => unknown };
  const connect = proto.connect;
  proto.connect = function (this: { connectionParameters: { password: string | null } }, ...args: unknown[]) {
    passwords.push(this.connectionParameters.password);
    return connect.apply(this, args);
  };
  return { passwords, uninstall: () => { proto.connect = connect; } };
}

const dir = mkdtempSync(join(tmpdir(), 'sb-pgpass-'));
let sb: Switchboard | undefined;

beforeAll(async () => {
  await adminQuery(`drop role if exists ${ROLE}`);
  await adminQuery(`create role ${ROLE} login password '${PASSWORD.replaceAll("'", "''")}'`);
  await database.create();
  // The database's owner owns its public schema (PostgreSQL 15): the migrations may create tables there.
  await adminQuery(`alter database ${database.name} owner to ${ROLE}`);
});

afterEach(async () => {
  await sb?.stop();
  sb = undefined;
});

afterAll(async () => {
  await database.drop();
  await adminQuery(`drop role if exists ${ROLE}`);
  rmSync(dir, { recursive: true, force: true });
});

/** The scratch database's URL as the role, without a password. */
function roleUrl(): string {
  const url = new URL(database.url);
  url.username = ROLE;
  url.password = '';
  return url.toString();
}

interface LogLine { msg: string; [field: string]: unknown }

async function start(env: NodeJS.ProcessEnv): Promise<{ passwords: (string | null)[]; log: string; lines: LogLine[] }> {
  const raw: string[] = [];
  const config = loadConfig(undefined, { SWITCHBOARD_STORAGE: 'postgres', SWITCHBOARD_POSTGRES_URL: roleUrl(), SWITCHBOARD_LOG_LEVEL: 'debug', ...env }, {});
  config.orgs = [structuredClone(demoOrg)];
  const recorder = recordConnections();
  try {
    sb = await createSwitchboard(config, { logDestination: { write: (s: string) => { raw.push(s); } } });
    // A query through the pool, so at least one pooled connection is open.
    expect(await sb.store.ping()).toBe(true);
  } finally {
    recorder.uninstall();
  }
  return { passwords: recorder.passwords, log: raw.join(''), lines: raw.map((l) => JSON.parse(l) as LogLine) };
}

describe('a PostgreSQL password given apart from the URL', () => {
  it('SWITCHBOARD_POSTGRES_PASSWORD reaches every connection the server opens, and no log line', async () => {
    const verifier = await storedVerifier();
    expect(matchesVerifier(PASSWORD, verifier)).toBe(true);
    expect(matchesVerifier(`${PASSWORD}x`, verifier), 'the check tells a wrong password').toBe(false);

    const { passwords, log, lines } = await start({ SWITCHBOARD_POSTGRES_PASSWORD: PASSWORD });
    // The node lock's connection, the migration's and the pool's, at least.
    expect(passwords.length).toBeGreaterThanOrEqual(3);
    for (const p of passwords) expect(p !== null && matchesVerifier(p, verifier), 'a connection without the role\'s password').toBe(true);

    expect(log).not.toContain(PASSWORD);
    expect(log).not.toContain(encodeURIComponent(PASSWORD));
    const opened = lines.find((l) => l.msg === 'PostgreSQL store opened');
    expect(opened, log).toMatchObject({ user: ROLE, database: database.name, password: '[REDACTED] (storage.postgresPassword)' });
    expect(String(opened!['url'])).not.toContain('REDACTED'); // the URL itself holds no password
  }, 30_000);

  it('SWITCHBOARD_POSTGRES_PASSWORD_FILE does the same from a file', async () => {
    const file = join(dir, 'postgres-password');
    writeFileSync(file, `${PASSWORD}\n`);
    const verifier = await storedVerifier();
    const { passwords, log } = await start({ SWITCHBOARD_POSTGRES_PASSWORD_FILE: file });
    expect(passwords.length).toBeGreaterThanOrEqual(3);
    for (const p of passwords) expect(p !== null && matchesVerifier(p, verifier)).toBe(true);
    expect(log).not.toContain(PASSWORD);
  }, 30_000);
});
