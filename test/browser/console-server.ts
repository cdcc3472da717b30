/**
 * The server the console browser tests drive: the real Switchboard process from
 * dist/, like the protocol harness, but with a config that has two human
 * agents on the `support` skill and a supervisor (the harness's demo config
 * has only the bot). It is a TestServer, so the protocol suite's Visitor works
 * against it unchanged.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestServer } from '../protocol/harness.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN_JS = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
export const CONSOLE_INDEX = join(REPO_ROOT, 'console', 'dist', 'index.html');

export const ORG_ID = '00D000000000001';
export const DEPLOYMENT_ID = '572000000000001';
export const SUPPORT_BUTTON = '573000000000003';
export const OFFER_TIMEOUT_SECONDS = 30;

export const AGENT1 = { id: '005000000000011', name: 'Alex Agent', username: 'alex', password: 'alex-password' };
export const AGENT2 = { id: '005000000000012', name: 'Blair Agent', username: 'blair', password: 'blair-password' };
export const SUPERVISOR = { id: '005000000000013', name: 'Sam Supervisor', username: 'sam', password: 'sam-password' };

export function consoleConfig(): object {
  return {
    settings: { pollHoldSeconds: 1, clientPollTimeoutSeconds: 40, agentGraceSeconds: 30 },
    orgs: [{
      id: ORG_ID,
      deployments: [{
        id: DEPLOYMENT_ID,
        buttons: [{ id: SUPPORT_BUTTON, type: 'Standard', label: 'Chat with a person', skills: ['support'], offerTimeoutSeconds: OFFER_TIMEOUT_SECONDS, sneakPeekEnabled: true }],
      }],
      agents: [
        { ...AGENT1, password: `plain:${AGENT1.password}`, role: 'agent', skills: ['support'], capacity: 3 },
        { ...AGENT2, password: `plain:${AGENT2.password}`, role: 'agent', skills: ['support'], capacity: 3 },
        // No skills: offers go to the agents, the supervisor only watches.
        { ...SUPERVISOR, password: `plain:${SUPERVISOR.password}`, role: 'supervisor', skills: [], capacity: 0 },
      ],
    }],
  };
}

export class ConsoleTestServer extends TestServer {
  private proc: ChildProcess | undefined;
  private dir: string | undefined;

  constructor() {
    super({ pollHoldSeconds: 1 });
  }

  override async start(): Promise<void> {
    for (const [file, fix] of [[MAIN_JS, 'npm run build'], [CONSOLE_INDEX, 'npx vite build --config console/vite.config.ts']] as const) {
      if (!existsSync(file)) throw new Error(`${file} not found: run \`${fix}\` first`);
    }
    this.dir = mkdtempSync(join(tmpdir(), 'switchboard-console-'));
    mkdirSync(join(this.dir, 'data'));
    writeFileSync(join(this.dir, 'switchboard.json'), JSON.stringify(consoleConfig(), null, 2));
    const env = { ...process.env };
    for (const name of ['HOST', 'PORT', 'SWITCHBOARD_DATA_DIR', 'SWITCHBOARD_CONFIG', 'SWITCHBOARD_BASE_URL']) delete env[name];
    const child = spawn(process.execPath, [MAIN_JS, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', join(this.dir, 'data'), '--config', join(this.dir, 'switchboard.json')],
      { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = child;
    let log = '';
    this.baseUrl = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start within 20 s\n${log}`)), 20_000);
      const onData = (chunk: Buffer): void => {
        log = (log + chunk.toString('utf8')).slice(-65_536);
        const m = /listening on (http:\/\/[^\s"]+)/.exec(log);
        if (m?.[1]) {
          clearTimeout(timer);
          resolveUrl(m[1].replace(/\/$/, ''));
        }
      };
      // Keep draining both pipes for the life of the process: a full pipe blocks the server.
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code})\n${log}`)); });
    });
  }

  override async dispose(): Promise<void> {
    const child = this.proc;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
