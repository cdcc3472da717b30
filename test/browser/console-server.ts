/**
 * The server the console browser tests drive: the protocol harness's
 * TestServer (the real Switchboard process from dist/) with a config that has
 * two human agents on the `support` skill and a supervisor (the harness's demo
 * config has only the bot), so the protocol suite's Visitor works against it.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestServer } from '../protocol/harness.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CONSOLE_INDEX = join(REPO_ROOT, 'console', 'dist', 'index.html');

export const ORG_ID = '00D000000000001';
export const DEPLOYMENT_ID = '572000000000001';
export const SUPPORT_BUTTON = '573000000000003';
export const OFFER_TIMEOUT_SECONDS = 30;

export const AGENT1 = { id: '005000000000011', name: 'Alex Agent', username: 'alex', password: 'alex-password' };
export const AGENT2 = { id: '005000000000012', name: 'Blair Agent', username: 'blair', password: 'blair-password' };
export const SUPERVISOR = { id: '005000000000013', name: 'Sam Supervisor', username: 'sam', password: 'sam-password' };

/** @param settings overrides of the config's `settings`; @param org more fields of the org (e.g. `sensitiveDataRules`). */
export function consoleConfig(settings: Record<string, unknown> = {}, org: Record<string, unknown> = {}): object {
  return {
    settings: { pollHoldSeconds: 1, clientPollTimeoutSeconds: 40, agentGraceSeconds: 30, ...settings },
    orgs: [{
      ...org,
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
  /** @param settings overrides of the config's `settings` (e.g. a lower `maxMessageLength`); @param org more fields of the org. */
  constructor(settings: Record<string, unknown> = {}, org: Record<string, unknown> = {}) {
    super({ pollHoldSeconds: 1 }, { config: () => consoleConfig(settings, org), requires: [[CONSOLE_INDEX, 'npx vite build --config console/vite.config.ts']] });
  }
}
