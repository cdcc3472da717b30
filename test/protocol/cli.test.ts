/**
 * The command line: help for every command, exit codes, and check-config
 * failing on a setting the schema does not know (a typo would otherwise be
 * ignored by serve).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchDatabase } from '../../src/adapters/postgres/scratch-database.test-support.js';

const MAIN = join('dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
/** Servers this file started that may still run (a failed test): ended by pid. */
const servers = new Set<ChildProcess>();
afterAll(() => {
  for (const child of servers) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const run = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 20_000 });
const runWithInput = (input: string, ...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 20_000, input });

describe('switchboard CLI', () => {
  it('prints help for --help, also after a command, and exits 0', () => {
    for (const args of [['--help'], ['serve', '--help'], ['check-config', '-h']]) {
      const r = run(...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('Usage:');
    }
    expect(run('frobnicate').status).toBe(2);
  });

  it('exit codes: every usage error is 2 with the usage line on stderr, every failure 1 (--help, "Exit codes")', () => {
    const { SWITCHBOARD_DATA_DIR: _unset, ...env } = process.env;
    const runClean = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 20_000, env, input: '' });
    const usageErrors = [
      ['frobnicate'],
      ['serve', '--frobnicate'], ['serve', '--port'], ['serve', '--port', 'abc'], ['serve', 'extra'], ['serve', '--emulator=yes'],
      ['check-config'], ['check-config', 'a.yaml', 'b.yaml'], ['check-config', '--frobnicate', 'a.yaml'],
      ['backup'], ['backup', '--data-dir', dir], ['backup', '--to', 'x.sqlite'], ['backup', '--data-dir', dir, '--to', 'x', '--frobnicate'],
      ['restore'], ['restore', '--from', 'x.sqlite'], ['restore', '--data-dir'],
      ['hash-password', 'pw'], ['hash-password', '--frobnicate'],
    ];
    for (const args of usageErrors) {
      const r = runClean(...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/usage: switchboard|Usage:/);
    }
    const bad = join(dir, 'exit-codes-bad.yaml');
    writeFileSync(bad, 'settings:\n  pollHoldSeconds: -5\n');
    const failures = [
      ['check-config', join(dir, 'no-such-file.yaml')], ['check-config', bad],
      ['backup', '--data-dir', join(dir, 'no-such-dir'), '--to', join(dir, 'b.sqlite')],
      ['restore', '--from', join(dir, 'no-such-backup.sqlite'), '--data-dir', join(dir, 'restore-here')],
      ['hash-password'], // no password on stdin: the input, not the command line
    ];
    for (const args of failures) {
      const r = runClean(...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(1);
      expect(r.stderr, args.join(' ')).not.toMatch(/^usage:/m);
    }
    expect(run('--help').stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 [\s\S]*\n {2}2 /);
  });

  it('--help lists backup and restore', () => {
    const help = run('--help').stdout;
    expect(help).toContain('switchboard backup --data-dir DIR --to FILE');
    expect(help).toContain('switchboard restore --from FILE --data-dir DIR');
    // restore moves the old -wal aside with the old store (docs/configuration.md); it removes only the -shm.
    expect(help).toContain('the old store and its -wal are');
    expect(help).not.toContain('removing the old -wal');
  });

  it('--help lists every environment variable of docs/configuration.md', () => {
    // The rows of the "Environment" table: | `NAME` | setting |
    const documented = [...readFileSync(join('docs', 'configuration.md'), 'utf8').matchAll(/^\s*\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
    expect(documented).toContain('SWITCHBOARD_ALLOWED_ORIGINS');
    const help = run('--help').stdout;
    expect(documented.filter((name) => !new RegExp(`\\b${name}\\b`).test(help))).toEqual([]);
  });

  it('check-config takes the file alone or as --config FILE, as serve does', () => {
    const good = join(dir, 'flag.yaml');
    writeFileSync(good, 'settings:\n  pollHoldSeconds: 5\n');
    for (const args of [[good], ['--config', good], [`--config=${good}`]]) {
      const r = run('check-config', ...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toBe(`${good}: ok\n`);
    }
    expect(run('check-config').status, 'no file: a usage error').toBe(2);
    expect(run('check-config', good, good).stderr).toContain('usage: switchboard check-config [--config] FILE');
  });

  it('check-config: ok for a good file, 1 naming the setting for a misspelled one', () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'settings:\n  pollHoldSeconds: 5\n');
    const ok = run('check-config', good);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(': ok');
    const typo = join(dir, 'typo.yaml');
    writeFileSync(typo, 'settings:\n  pollHoldSecs: 5\n');
    const bad = run('check-config', typo);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('settings.pollHoldSecs: unknown setting (did you mean pollHoldSeconds?)');
  });

  it('check-config refuses a postChatUrl the widget would not open, naming the button; serve warns and starts', async () => {
    const file = join(dir, 'post-chat.yaml');
    writeFileSync(file, [
      'orgs:',
      '  - id: "00D000000000009"',
      '    deployments:',
      '      - id: "572000000000009"',
      '        buttons:',
      '          - { id: "573000000000008", postChatUrl: "https://example.com/survey" }',
      '          - { id: "573000000000009", postChatUrl: " JavaScript:alert(1)" }',
      '',
    ].join('\n'));
    const check = run('check-config', file);
    expect(check.status, check.stderr).toBe(1);
    expect(check.stderr).toContain('/orgs/0/deployments/0/buttons/1/postChatUrl: button 573000000000009: " JavaScript:alert(1)" is not an http(s) URL');
    expect(check.stderr).not.toContain('buttons/0/postChatUrl');
    const log = await serveUntilListening(['--config', file], { SWITCHBOARD_LOG_LEVEL: 'info', SWITCHBOARD_STORAGE: 'memory' });
    expect(log).toMatch(/"level":40[^\n]*buttons\/1\/postChatUrl: button 573000000000009: .* is not an http\(s\) URL/);
  });

  it('check-config and serve refuse a sensitive data rule that is not a regex, matches nothing, or backtracks (ADR 0052)', () => {
    const file = join(dir, 'sensitive-data.yaml');
    writeFileSync(file, [
      'orgs:',
      '  - id: "00D000000000009"',
      '    sensitiveDataRules:',
      '      - { name: card-number, pattern: "\\\\b(?:\\\\d[ -]?){12,18}\\\\d\\\\b" }',
      '      - { name: broken, pattern: "(\\\\d{4}" }',
      '      - { name: anything, pattern: "\\\\d*" }',
      '      - { name: slow, pattern: "(\\\\d+)+x" }',
      '',
    ].join('\n'));
    const check = run('check-config', file);
    expect(check.status, check.stderr).toBe(1);
    expect(check.stderr).not.toContain('/orgs/0/sensitiveDataRules/0');
    expect(check.stderr).toContain('/orgs/0/sensitiveDataRules/1: pattern is not a valid JavaScript regular expression');
    expect(check.stderr).toContain('/orgs/0/sensitiveDataRules/2/pattern: matches the empty string');
    expect(check.stderr).toMatch(/\/orgs\/0\/sensitiveDataRules\/3\/pattern: took \d+ ms .*over the 50 ms budget/);
    const dataDir = join(dir, 'sensitive-data-data');
    const serve = spawnSync(process.execPath, [MAIN, 'serve', '--config', file, '--port', '0', '--data-dir', dataDir], { encoding: 'utf8', timeout: 20_000 });
    expect(serve.status).toBe(1);
    expect(serve.stderr).toContain('/orgs/0/sensitiveDataRules/1: pattern is not a valid');
    expect(existsSync(dataDir), 'refused before the store was opened').toBe(false);
    writeFileSync(file, 'orgs:\n  - id: "00D000000000009"\n    sensitiveDataRules:\n      - { name: card-number, pattern: "\\\\b(?:\\\\d[ -]?){12,18}\\\\d\\\\b" }\n');
    const ok = run('check-config', file);
    expect(ok.status, ok.stderr).toBe(0);
  });

  it('check-config and serve refuse a trustProxy proxy address that is not one, naming the setting', () => {
    // serve used to open the store and die in fastify with `switchboard: invalid IP address: proxy.internal`.
    const file = join(dir, 'trust-proxy.yaml');
    writeFileSync(file, 'server:\n  trustProxy: "10.0.0.1, proxy.internal"\n');
    const check = run('check-config', file);
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('/server/trustProxy: proxy.internal is not an address or CIDR range');
    const dataDir = join(dir, 'trust-proxy-data');
    const serve = spawnSync(process.execPath, [MAIN, 'serve', '--port', '0', '--data-dir', dataDir], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, SWITCHBOARD_TRUST_PROXY: 'maybe' } });
    expect(serve.status).toBe(1);
    expect(serve.stderr).toContain('/server/trustProxy: maybe is not an address or CIDR range');
    expect(existsSync(dataDir), 'refused before the store was opened').toBe(false);
  });

  it('serve stops on a misspelled secret setting (metrics would be open), and only warns about other unknown keys', async () => {
    const token = 'misspelled-token-0123456789abcdef';
    const slip = join(dir, 'metric-token.yaml');
    writeFileSync(slip, `server:\n  metricToken: ${token}\nstorage:\n  kind: memory\n`);
    const refused = spawnSync(process.execPath, [MAIN, 'serve', '--port', '0', '--config', slip], { encoding: 'utf8', timeout: 20_000 });
    expect(refused.status, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('server.metricToken: unknown setting (did you mean server.metricsToken?): a secret there would be ignored, so the server does not start');
    expect(refused.stderr).not.toContain(token);
    expect(refused.stdout).not.toContain('listening on');
    // check-config says the same.
    expect(run('check-config', slip).stderr).toContain('did you mean server.metricsToken?');
    const typo = join(dir, 'serve-typo.yaml');
    writeFileSync(typo, 'settings:\n  pollHoldSecs: 5\nstorage:\n  kind: memory\n');
    const log = await serveUntilListening(['--config', typo], { SWITCHBOARD_LOG_LEVEL: 'info' });
    expect(log).toMatch(/"level":40[^\n]*settings\.pollHoldSecs: unknown setting \(did you mean pollHoldSeconds\?\)/);
  });

  it('check-config refuses an idle timeout the server would announce and never carry out, naming the path', () => {
    const config = (idle: string) => `orgs:\n  - id: '00D000000000009'\n    deployments:\n      - id: '572000000000009'\n        buttons:\n          - { id: '573000000000009', chasitorIdleTimeout: ${idle} }\n`;
    const late = join(dir, 'late-warning.yaml');
    writeFileSync(late, config('{ isEnabled: true, warningTime: 120, timeout: 120 }'));
    const r = run('check-config', late);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('/orgs/0/deployments/0/buttons/0/chasitorIdleTimeout/warningTime: ');
    const never = join(dir, 'never.yaml');
    writeFileSync(never, config('{ isEnabled: true, timeout: 0 }'));
    expect(run('check-config', never).stderr).toContain('/orgs/0/deployments/0/buttons/0/chasitorIdleTimeout/timeout: ');
    // serve validates the same way, before it listens.
    const served = spawnSync(process.execPath, [MAIN, 'serve', '--config', never, '--port', '0'], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, SWITCHBOARD_STORAGE: 'memory' } });
    expect(served.status).toBe(1);
    expect(served.stderr).toContain('/orgs/0/deployments/0/buttons/0/chasitorIdleTimeout/timeout: ');
  });

  it('hash-password prints a hash check-config accepts; check-config refuses a malformed one', () => {
    const r = runWithInput('s3cret pass\n', 'hash-password');
    expect(r.status, r.stderr).toBe(0);
    const hash = r.stdout.trim();
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    const agent = (password: string) => `orgs:\n  - id: '00D000000000009'\n    deployments: []\n    agents:\n      - { id: '005000000000009', name: Grace, username: grace, password: '${password}' }\n`;
    const good = join(dir, 'hashed.yaml');
    writeFileSync(good, agent(hash));
    expect(run('check-config', good).status).toBe(0);
    const bad = join(dir, 'bad-hash.yaml');
    writeFileSync(bad, agent('scrypt$16384$8$1$c2FsdHNhbHQ=$dG9vc2hvcnQ='));
    const refused = run('check-config', bad);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('/orgs/0/agents/0/password: scrypt key must be 16–64 bytes');
    expect(runWithInput('', 'hash-password').status).toBe(1);
    // `--help` says one line: a second line (a file with a comment, two echoes) would be hashed
    // into a password nobody can type in the console's one-line field.
    for (const input of ['first\nsecond\n', 'first\r\nsecond', 'pass\n\n']) {
      const twoLines = runWithInput(input, 'hash-password');
      expect(twoLines.status, JSON.stringify(input)).toBe(1);
      expect(twoLines.stdout).toBe('');
      expect(twoLines.stderr).toContain('hash-password: the password on stdin is more than one line');
      expect(twoLines.stderr).not.toContain('first');
    }
    expect(runWithInput('s3cret pass\r\n', 'hash-password').status).toBe(0);
  });

  it('never shows the metrics token: not in a refused config, not in what serve logs at start-up', async () => {
    const short = join(dir, 'short-token.yaml');
    writeFileSync(short, 'server:\n  metricsToken: sekrit-short\n');
    const refused = run('check-config', short);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('/server/metricsToken: must be at least 16 characters, this one has 12');
    expect(refused.stderr).not.toContain('sekrit-short');
    const token = 'not-in-any-log-0123456789abcdef';
    const log = await serveUntilListening([], { SWITCHBOARD_STORAGE: 'memory', SWITCHBOARD_LOG_LEVEL: 'trace', SWITCHBOARD_METRICS_TOKEN: token });
    expect(log).toContain('listening on');
    expect(log).not.toContain(token);
  });

  it('SIGTERM with a demo chat the bot is still answering: no "already been closed" warnings, exit 0 within 10 s', async () => {
    // The bot's queued answers used to go to the closed server, one warning each.
    const file = join(dir, 'demo-chat.port');
    const server = serve(['--port-file', file, '--data-dir', join(dir, 'demo-chat-data')], { SWITCHBOARD_STORAGE: 'sqlite' });
    const b = `http://127.0.0.1:${await portIn(file)}/chat/rest`;
    const v = { 'X-LIVEAGENT-API-VERSION': '34' };
    const session = await (await fetch(`${b}/System/SessionId`, { headers: { ...v, 'X-LIVEAGENT-AFFINITY': 'null' } })).json() as { key: string; affinityToken: string };
    const s = { ...v, 'X-LIVEAGENT-SESSION-KEY': session.key, 'X-LIVEAGENT-AFFINITY': session.affinityToken };
    const init = { organizationId: '00D000000000001', deploymentId: '572000000000001', buttonId: '573000000000001', visitorName: 'Jon', prechatDetails: [], receiveQueueUpdates: true, isPost: true };
    expect((await fetch(`${b}/Chasitor/ChasitorInit`, { method: 'POST', headers: { ...s, 'X-LIVEAGENT-SEQUENCE': '1' }, body: JSON.stringify(init) })).status).toBe(200);
    const sent = await Promise.all(Array.from({ length: 200 }, (_, i) => fetch(`${b}/Chasitor/ChatMessage`, {
      method: 'POST', headers: { ...s, 'X-LIVEAGENT-SEQUENCE': String(i + 2) }, body: JSON.stringify({ text: `m${i}` }),
    }).then((r) => r.status)));
    expect(sent.every((status) => status === 200)).toBe(true);
    const started = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited, server.output()).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(server.output()).not.toContain('already been closed');
    expect(server.output()).not.toContain('demo bot');
  });

  it('serve that cannot listen exits 1 naming the setting and its value (a host that does not resolve, a port in use)', async () => {
    const env = { ...process.env, SWITCHBOARD_STORAGE: 'memory', SWITCHBOARD_LOG_LEVEL: 'warn' };
    const badHost = spawnSync(process.execPath, [MAIN, 'serve', '--host', '999.1.1.1', '--port', '0'], { encoding: 'utf8', timeout: 20_000, env });
    expect(badHost.status, badHost.stderr).toBe(1);
    expect(badHost.stderr).toContain('server.host (HOST, --host) "999.1.1.1"');
    const file = join(dir, 'in-use.port');
    const first = serve(['--port-file', file]);
    const port = await portIn(file);
    const inUse = spawnSync(process.execPath, [MAIN, 'serve', '--host', '127.0.0.1', '--port', String(port)], { encoding: 'utf8', timeout: 20_000, env });
    expect(inUse.status, inUse.stderr).toBe(1);
    expect(inUse.stderr).toContain(`server.port (PORT, --port) ${port} is in use`);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });

  describe('--port 0 with --port-file: a script learns the port the OS chose', () => {
    it('writes the port once listening (replacing a stale file), serves on it, and removes the file at SIGTERM', async () => {
      const file = join(dir, 'flag.port');
      writeFileSync(file, '1\n'); // left by an earlier run that was killed
      const server = serve(['--port-file', file]);
      const port = await portIn(file, '1\n');
      expect(port).toBeGreaterThan(0);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      // At warn the listening line is not logged: the file is the only place the port is shown.
      expect(server.output()).not.toContain('listening on');
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(existsSync(file)).toBe(false);
    });

    it('takes the file from SWITCHBOARD_PORT_FILE too', async () => {
      const file = join(dir, 'env.port');
      const server = serve([], { SWITCHBOARD_PORT_FILE: file });
      const port = await portIn(file);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    });

    it('a standby writes it once it listens for probes, serves on that port after taking over, and removes it at SIGTERM (ADR 0048)', async () => {
      const data = join(dir, 'standby-data');
      const active = serve(['--port-file', join(dir, 'active.port'), '--data-dir', data], { SWITCHBOARD_STORAGE: 'sqlite' });
      await portIn(join(dir, 'active.port'));
      const file = join(dir, 'standby.port');
      const standby = serve(['--port-file', file, '--data-dir', data], { SWITCHBOARD_STORAGE: 'sqlite', SWITCHBOARD_STANDBY: 'true' });
      const port = await portIn(file);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
      active.child.kill('SIGKILL');
      let ready = 0;
      for (const deadline = Date.now() + 15_000; ready !== 200 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
        ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);
      }
      expect(ready, standby.output()).toBe(200);
      expect(readFileSync(file, 'utf8')).toBe(`${port}\n`);
      standby.child.kill('SIGTERM');
      expect(await standby.exited).toBe(0);
      expect(existsSync(file)).toBe(false);
    });

    it('a standby stopped while it stands by removes it too', async () => {
      const data = join(dir, 'standby-data-2');
      const active = serve(['--port-file', join(dir, 'active-2.port'), '--data-dir', data], { SWITCHBOARD_STORAGE: 'sqlite' });
      await portIn(join(dir, 'active-2.port'));
      const file = join(dir, 'standby-2.port');
      const standby = serve(['--port-file', file, '--data-dir', data], { SWITCHBOARD_STORAGE: 'sqlite', SWITCHBOARD_STANDBY: 'true' });
      await portIn(file);
      standby.child.kill('SIGTERM');
      expect(await standby.exited).toBe(0);
      expect(existsSync(file)).toBe(false);
      active.child.kill('SIGTERM');
      expect(await active.exited).toBe(0);
    });

    it('exits with 1 naming the file when it cannot be written (a script would wait for it for ever)', async () => {
      const file = join(dir, 'no-such-dir', 'sb.port');
      const server = serve(['--port-file', file]);
      expect(await server.exited).toBe(1);
      expect(server.output()).toContain(file);
    });

    it('--help shows it, the file\'s format on one line as written', () => {
      const help = run('--help').stdout;
      expect(help).toContain('--port-file FILE');
      // `\n` in the help's template literal was a real line break inside the quoted format.
      expect(help).toContain('(`PORT\\n`; removed at');
      expect(help).toContain('SWITCHBOARD_PORT_FILE');
    });
  });

  describe('secrets from files (SWITCHBOARD_X_FILE), as Docker and Kubernetes mount them', () => {
    it('serve runs on PostgreSQL with the URL and the metrics token read from files, and logs neither', async () => {
      const scratch = scratchDatabase('sb_secret_files');
      const database = scratch.name;
      const url = new URL(scratch.url);
      // The server at 127.0.0.1 trusts local connections, so any password does; it must not reach the log.
      if (!url.password) url.password = 'pg-pass-not-in-any-log';
      const token = 'token-from-a-file-0123456789abcdef';
      const urlFile = join(dir, 'postgres-url');
      const tokenFile = join(dir, 'metrics-token');
      writeFileSync(urlFile, `${url.toString()}\n`); // as `echo … > file` writes it
      writeFileSync(tokenFile, `${token}\r\n`);
      await scratch.create();
      try {
        const portFile = join(dir, 'secrets.port');
        const server = serve(['--port-file', portFile], {
          SWITCHBOARD_STORAGE: 'postgres',
          SWITCHBOARD_LOG_LEVEL: 'trace',
          SWITCHBOARD_POSTGRES_URL_FILE: urlFile,
          SWITCHBOARD_METRICS_TOKEN_FILE: tokenFile,
        });
        const port = await portIn(portFile);
        const base = `http://127.0.0.1:${port}`;
        expect((await fetch(`${base}/readyz`)).status).toBe(200);
        expect((await fetch(`${base}/metrics`)).status).toBe(401);
        expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
        server.child.kill('SIGTERM');
        expect(await server.exited).toBe(0);
        expect(server.output()).toContain('PostgreSQL store opened');
        expect(server.output()).toContain(database);
        expect(server.output()).not.toContain(url.password);
        expect(server.output()).not.toContain(token);
      } finally {
        await scratch.drop();
      }
    });

    it('serve exits with 1 naming the variable and the path of a secret file it cannot read', () => {
      const missing = join(dir, 'no-such-secret');
      const r = spawnSync(process.execPath, [MAIN, 'serve', '--port', '0'], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, SWITCHBOARD_STORAGE: 'memory', SWITCHBOARD_METRICS_TOKEN_FILE: missing } });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`SWITCHBOARD_METRICS_TOKEN_FILE: cannot read ${missing}: no such file (ENOENT)`);
      const both = spawnSync(process.execPath, [MAIN, 'serve', '--port', '0'], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, SWITCHBOARD_STORAGE: 'memory', SWITCHBOARD_METRICS_TOKEN: 'x'.repeat(16), SWITCHBOARD_METRICS_TOKEN_FILE: missing } });
      expect(both.status).toBe(1);
      expect(both.stderr).toContain('SWITCHBOARD_METRICS_TOKEN and SWITCHBOARD_METRICS_TOKEN_FILE are both set');
    });

    it('--help lists the _FILE form of every secret variable', () => {
      const help = run('--help').stdout;
      expect(help).toContain('SWITCHBOARD_POSTGRES_URL_FILE');
      expect(help).toContain('SWITCHBOARD_POSTGRES_PASSWORD_FILE');
      expect(help).toContain('SWITCHBOARD_METRICS_TOKEN_FILE');
    });
  });

  it('serve --emulator (or SWITCHBOARD_EMULATOR=true) turns emulator mode on, with a warning; without it there is none', async () => {
    const logs: Record<string, string> = {};
    for (const [name, args, env] of [
      ['flag', ['--emulator'], {}],
      ['variable', [], { SWITCHBOARD_EMULATOR: 'true' }],
      ['neither', [], {}],
    ] as const) {
      logs[name] = await serveUntilListening([...args], { SWITCHBOARD_STORAGE: 'memory', ...env });
    }
    expect(logs['flag']).toMatch(/"level":40[^\n]*emulator mode is on/);
    expect(logs['variable']).toMatch(/"level":40[^\n]*emulator mode is on/);
    expect(logs['neither']).not.toContain('emulator mode');
  });
});

/** A server on an OS-chosen port that logs only warnings, as a CI job runs it. */
function serve(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], {
    env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'warn', SWITCHBOARD_STORAGE: 'memory', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  servers.add(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** What a shell loop does: wait for the file to hold a port other than a stale one. */
async function portIn(file: string, stale?: string): Promise<number> {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (text && text !== stale) {
      expect(text).toMatch(/^[0-9]+\n$/);
      return Number(text);
    }
  }
  throw new Error(`${file} was not written within 20 s`);
}

/** Starts `serve` on a free port, returns what it logged up to "listening on", and kills it. */
function serveUntilListening(args: string[], env: Record<string, string>): Promise<string> {
  const base = { ...process.env };
  for (const name of ['HOST', 'PORT', 'SWITCHBOARD_CONFIG', 'SWITCHBOARD_EMULATOR', 'SWITCHBOARD_DATA_DIR']) delete base[name];
  const child = spawn(process.execPath, [MAIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dir, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`serve ${args.join(' ')} did not listen: ${out}`)); }, 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (!out.includes('listening on')) return;
      clearTimeout(timer);
      child.once('exit', () => resolve(out));
      child.kill('SIGKILL');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); if (!out.includes('listening on')) reject(new Error(`serve exited ${code}: ${out}`)); });
  });
}
