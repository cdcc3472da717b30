/**
 * The command line: help for every command, exit codes, and check-config
 * failing on a setting the schema does not know (a typo would otherwise be
 * ignored by serve).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = join('dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 20_000 });

describe('switchboard CLI', () => {
  it('prints help for --help, also after a command, and exits 0', () => {
    for (const args of [['--help'], ['serve', '--help'], ['check-config', '-h']]) {
      const r = run(...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain('Usage:');
    }
    expect(run('frobnicate').status).toBe(2);
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
});
