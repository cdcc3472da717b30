/**
 * One node per store (ADR 0017): a second server started on the data directory
 * of a running one waits for it to stop and, if it does not, exits with a clear
 * error instead of serving the same sessions from a second memory. The first
 * server is not disturbed; once it stops, a new one starts on that directory.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OWNS_PROCESS, needsProcess, useServer } from './harness.js';
import { Visitor } from './visitor.js';

const server = useServer();

function secondServer(dataDir: string, waitSeconds: number): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = performance.now();
  const env: NodeJS.ProcessEnv = { ...process.env, SWITCHBOARD_LOCK_WAIT_SECONDS: String(waitSeconds) };
  for (const name of ['HOST', 'PORT', 'SWITCHBOARD_DATA_DIR', 'SWITCHBOARD_CONFIG', 'SWITCHBOARD_STORAGE']) delete env[name];
  const child = spawn(process.execPath, [join('dist', 'src', 'cli', 'main.js'), 'serve', '--port', '0', '--data-dir', dataDir], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => child.once('exit', (code) => {
    clearTimeout(killer);
    resolve({ code, stderr, ms: performance.now() - started });
  }));
}

describe.skipIf(!OWNS_PROCESS)(needsProcess('one node per store'), () => {
  it('a second server on the same data directory gives up with a clear error; the first keeps serving', async () => {
    const v = new Visitor(server);
    await v.start();
    const second = await secondServer(server.dataDir, 1);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/another Switchboard node is using/);
    expect(second.ms).toBeGreaterThanOrEqual(900);
    await v.say('still here');
    expect(await v.awaitEchoes(['still here'])).toEqual(['still here']);
  });
});
