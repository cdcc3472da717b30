/**
 * Starts the real server (dist/src/cli/main.js serve) with a config of our own,
 * for the browser suite. The protocol harness's TestServer always writes its
 * own test config; the browser tests need the demo org with its human agent and
 * a button with a pre-chat form, so this starts the same process the same way
 * with a different config file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN_JS = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

export const IDS = {
  org: '00D000000000001',
  deployment: '572000000000001',
  botButton: '573000000000001',
  emptyButton: '573000000000002',
  humanButton: '573000000000003',
  humanAgent: '005000000000002',
} as const;

export const BOT_GREETING = 'Hello from the browser-test bot. Everything you type is echoed back.';

/** Pre-chat form the tests add to the human button. */
export const PRECHAT_FORM = [
  { label: 'Your name', name: 'name', type: 'text', required: true },
  { label: 'Email', name: 'email', type: 'email', required: true },
  { label: 'Question', name: 'question', type: 'textarea', required: false },
];

/** The demo org (bot, empty and human buttons, the `agent` login) with a pre-chat form on the human button. */
export function browserConfig(): object {
  const button = (id: string, skills: string[], extra: object = {}) => ({ id, type: 'Standard', skills, queueSizeLimit: 100, sneakPeekEnabled: true, ...extra });
  return {
    settings: { pollHoldSeconds: 2, clientPollTimeoutSeconds: 40 },
    orgs: [{
      id: IDS.org,
      deployments: [{
        id: IDS.deployment,
        buttons: [
          button(IDS.botButton, ['demo-bot'], { queueSizeLimit: 0 }),
          button(IDS.emptyButton, ['nobody']),
          button(IDS.humanButton, ['support'], { prechatForm: PRECHAT_FORM }),
        ],
      }],
      agents: [
        { id: '005000000000001', name: 'Demo Bot', skills: ['demo-bot'], capacity: 0, bot: 'echo', greeting: BOT_GREETING },
        { id: IDS.humanAgent, name: 'Alex Agent', username: 'agent', password: 'plain:agent-demo', role: 'agent', skills: ['support'], capacity: 3 },
      ],
    }],
  };
}

export interface RunningServer {
  baseUrl: string;
  log(): string;
  dispose(): Promise<void>;
}

/** Spawns the server on a free port and resolves once it logs "listening on". */
export async function startServer(config: object): Promise<RunningServer> {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} not found: run \`npm run build\` first`);
  const root = mkdtempSync(join(tmpdir(), 'switchboard-browser-'));
  mkdirSync(join(root, 'data'));
  writeFileSync(join(root, 'switchboard.json'), JSON.stringify(config, null, 2));
  const env = { ...process.env };
  for (const name of ['HOST', 'PORT', 'SWITCHBOARD_DATA_DIR', 'SWITCHBOARD_CONFIG', 'SWITCHBOARD_BASE_URL']) delete env[name];
  const child: ChildProcess = spawn(process.execPath,
    [MAIN_JS, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', join(root, 'data'), '--config', join(root, 'switchboard.json')],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const baseUrl = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 20 s\n${log}`)), 20_000);
    const onData = (chunk: Buffer): void => {
      log = (log + chunk.toString('utf8')).slice(-65_536);
      const m = /listening on (http:\/\/[^\s"]+)/.exec(log);
      if (m?.[1]) {
        clearTimeout(timer);
        resolveUrl(m[1].replace(/\/$/, ''));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (code ${code})\n${log}`));
    });
  });
  return {
    baseUrl,
    log: () => log,
    dispose: async () => {
      child.kill('SIGKILL');
      await exited;
      rmSync(root, { recursive: true, force: true });
    },
  };
}
