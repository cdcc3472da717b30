/**
 * The browser suite's server: the protocol harness's TestServer (the real
 * process from dist/) with the demo org, its human agent and a button with a
 * pre-chat form, instead of the harness's own test config.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestServer } from '../protocol/harness.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

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

/** Starts the server with `config` (the protocol harness's TestServer) and resolves once it listens. */
export async function startServer(config: object): Promise<RunningServer> {
  const server = new TestServer({}, { config: () => config });
  try {
    await server.start();
  } catch (err) {
    await server.dispose();
    throw err;
  }
  return { baseUrl: server.baseUrl, log: () => server.logTail, dispose: () => server.dispose() };
}
