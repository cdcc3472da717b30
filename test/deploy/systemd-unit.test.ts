/**
 * deploy/systemd/switchboard.service (docs/deployment.md): systemd's own checker accepts it as shipped
 * and with its secret lines turned on, and the command line it runs starts Switchboard and stops
 * within the unit's stop timeout on SIGTERM. Only the install paths are rewritten (to this checkout
 * and this node), each required to appear.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const UNIT = readFileSync(join(REPO_ROOT, 'deploy', 'systemd', 'switchboard.service'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'switchboard-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The unit with its install paths pointed at this checkout. */
function localUnit(text = UNIT): string {
  expect(text).toContain('/usr/bin/node ');
  expect(text).toContain('/opt/switchboard/');
  return text.replaceAll('/usr/bin/node ', `${process.execPath} `).replaceAll('/opt/switchboard', REPO_ROOT);
}

/** `systemd-analyze verify` of `text` saved as switchboard.service: its exit code and what it printed. */
function verify(text: string): { status: number | null; output: string } {
  try {
    execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('systemd-analyze is not installed: apt-get install -y systemd');
  }
  const file = join(dir, 'switchboard.service');
  writeFileSync(file, text);
  const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', cwd: dir });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

function directive(name: string): string {
  const m = new RegExp(`^${name}=(.*)$`, 'm').exec(UNIT);
  if (!m) throw new Error(`${name}= not in the unit`);
  return m[1]!;
}

describe('deploy/systemd/switchboard.service', () => {
  it('is accepted by systemd-analyze verify, without a warning', () => {
    expect(verify(localUnit())).toEqual({ status: 0, output: '' });
  });

  it('is accepted with the secrets passed as credentials', () => {
    const withSecrets = UNIT.replace(/^#(LoadCredential=|Environment=SWITCHBOARD_)/gm, '$1');
    expect(withSecrets.match(/^LoadCredential=/gm)).toHaveLength(2);
    expect(verify(localUnit(withSecrets))).toEqual({ status: 0, output: '' });
  });

  it('catches a mistake (so the checks above can fail)', () => {
    const r = verify(localUnit(UNIT.replace('TimeoutStopSec=', 'TimeoutStopSecs=')));
    expect(r.output).toMatch(/Unknown key/);
  });

  it('runs a command line that serves, and stops within its TimeoutStopSec on SIGTERM', async () => {
    expect(existsSync(join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js')), 'npm run build first').toBe(true);
    const config = join(dir, 'switchboard.yaml');
    writeFileSync(config, 'server:\n  host: 127.0.0.1\n  port: 0\n');
    const args = localUnit().match(/^ExecStart=(.*)$/m)![1]!
      .replace('/etc/switchboard/switchboard.yaml', config).replace('/var/lib/switchboard', join(dir, 'data')).split(' ');
    expect(args.slice(1, 3)).toEqual([join(REPO_ROOT, 'dist/src/cli/main.js'), 'serve']);
    const child = spawn(args[0]!, args.slice(1), { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stderr.on('data', (c: Buffer) => (log += c.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`not listening after 30 s: ${log}`)), 30_000);
      child.stdout.on('data', (c: Buffer) => {
        log += c.toString();
        if (/listening on http:\/\/127\.0\.0\.1:\d+/.test(log)) {
          clearTimeout(timer);
          ready();
        }
      });
      void exited.then((code) => fail(new Error(`exited ${String(code)}: ${log}`)));
    });
    const stopSeconds = Number(directive('TimeoutStopSec'));
    expect(directive('KillSignal')).toBe('SIGTERM');
    const started = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // The server promises 10 s; the unit's timeout leaves systemd a margin above that.
    expect(stopSeconds).toBeGreaterThanOrEqual(15);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('gives the process file descriptors for its held polls', () => {
    // bench/results: one node holds about 19,000 polls, each a socket.
    expect(Number(directive('LimitNOFILE'))).toBeGreaterThanOrEqual(20_000);
  });
});
