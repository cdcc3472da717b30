/**
 * The SDK as npm ships it: `npm pack` of packages/sdk (its prepack builds dist),
 * unpacked into a scratch node_modules, then loaded by Node with `require` and
 * with `import`. The tarball has the entry files and their types, no source maps
 * pointing at sources it does not carry, and typebox (the types need it) as a
 * required peer, so npm installs it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const SDK_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'packages', 'sdk');
const scratch = mkdtempSync(join(tmpdir(), 'sdk-pack-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the packed SDK', () => {
  it('ships dist (built by prepack), no dangling maps, and loads with require() and import', () => {
    // No dist left from an earlier build: what the tarball has, prepack built.
    rmSync(join(SDK_DIR, 'dist'), { recursive: true, force: true });
    // --pack-destination: the tarball goes to the scratch dir, not into the worktree.
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: SDK_DIR, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const [packed] = JSON.parse(out.slice(out.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = packed!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['dist/packages/sdk/src/index.js', 'dist/packages/sdk/src/index.d.ts', 'dist/src/protocol/visitor-messages.d.ts']));
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);

    const pkgDir = join(scratch, 'node_modules', '@switchboard', 'sdk');
    mkdirSync(pkgDir, { recursive: true });
    execFileSync('tar', ['-xzf', join(scratch, packed!.filename), '-C', pkgDir, '--strip-components=1']);
    const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    expect(manifest.peerDependencies['typebox']).toBeDefined();
    expect(manifest.peerDependenciesMeta?.['typebox']?.optional ?? false).toBe(false);

    const load = (code: string, ...flags: string[]) => execFileSync(process.execPath, [...flags, '-e', code], { cwd: scratch, encoding: 'utf8' }).trim();
    expect(load("console.log(Object.keys(require('@switchboard/sdk')).sort().join())")).toBe(
      'AgentClient,SwitchboardClosedError,SwitchboardHttpError,VisitorClient,isConferenceEvent,isFileTransferEvent,isFileUploadedEvent');
    expect(load("import('@switchboard/sdk').then((m) => console.log(typeof m.VisitorClient))", '--input-type=module')).toBe('function');
  });
});
