/**
 * Config for the widget-and-console browser test: the widget suite's demo org
 * (bot, empty and human buttons, the pre-chat form on the human button, Alex
 * Agent as `agent`) plus a second human agent on the `support` skill, so a chat
 * started from the demo page can be transferred in the console.
 */
import { browserConfig, IDS } from './browser-server.js';

export const AGENT1 = { id: IDS.humanAgent, name: 'Alex Agent', username: 'agent', password: 'agent-demo' } as const;
export const AGENT2 = { id: '005000000000012', name: 'Blair Agent', username: 'blair', password: 'blair-password' } as const;

interface OrgConfig {
  agents: object[];
}

export function widgetConsoleConfig(): object {
  const config = browserConfig() as { settings: object; orgs: OrgConfig[] };
  const org = config.orgs[0];
  if (!org) throw new Error('browserConfig() has no org');
  org.agents.push({ ...AGENT2, password: `plain:${AGENT2.password}`, role: 'agent', skills: ['support'], capacity: 3 });
  // Short polls keep the network-drop recovery and the end quick to observe.
  config.settings = { ...config.settings, pollHoldSeconds: 1, agentGraceSeconds: 30 };
  return config;
}
