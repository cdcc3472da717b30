// `npx switchboard` runs bin/switchboard.js. Before a build there is no dist/: the launcher must say
// what to do, not print a module-not-found stack; after a build it must start the real CLI.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;

describe('bin/switchboard.js', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bin-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('without dist/ exits 1 and says to build first', async () => {
    mkdirSync(join(dir, 'bin'));
    cpSync(join(root, 'bin/switchboard.js'), join(dir, 'bin/switchboard.js'));
    const err = await run(process.execPath, [join(dir, 'bin/switchboard.js'), '--help']).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain('Run `npm run build`');
    expect(err?.stderr).not.toContain('ERR_MODULE_NOT_FOUND');
  });

  it('with the built dist/ runs the CLI', async () => {
    const { stdout } = await run(process.execPath, [join(root, 'bin/switchboard.js'), '--help']);
    expect(stdout).toContain('Usage:');
  });
});
