/**
 * The demo deployment loaded when no config file is given. Other tools rely on
 * these ids: never change them.
 */
import type { OrgConfig } from './config-schema.js';
import { DEFAULT_GREETING } from '../bots/echo-bot.js';

export const DEMO_IDS = {
  organizationId: '00D000000000001',
  deploymentId: '572000000000001',
  botButtonId: '573000000000001',
  emptyButtonId: '573000000000002',
  botAgentId: '005000000000001',
  humanButtonId: '573000000000003',
  humanAgentId: '005000000000002',
  supervisorId: '005000000000003',
  adminId: '005000000000004',
} as const;

/** Demo logins, printed at start-up. Demo only: a real config uses scrypt hashes. */
export const DEMO_LOGINS = [
  { username: 'agent', password: 'agent-demo', role: 'agent' },
  { username: 'supervisor', password: 'supervisor-demo', role: 'supervisor' },
  { username: 'admin', password: 'admin-demo', role: 'admin' },
] as const;

/**
 * The demo logins that work with `orgs` (what start-up prints): those the demo org still has, as
 * a user with that username and that demo password. A config that keeps the demo org's id but
 * changed or dropped its people prints none of them: a printed login that fails is worse than none.
 */
export function demoLoginsIn(orgs: readonly OrgConfig[]): Array<(typeof DEMO_LOGINS)[number]> {
  const demo = orgs.find((o) => o.id === DEMO_IDS.organizationId);
  return DEMO_LOGINS.filter((l) => demo?.agents.some((a) => a.username === l.username && a.password === `plain:${l.password}`) === true);
}

export const demoOrg: OrgConfig = {
  id: DEMO_IDS.organizationId,
  name: 'Switchboard Demo',
  deployments: [
    {
      id: DEMO_IDS.deploymentId,
      name: 'Demo site',
      buttons: [
        {
          id: DEMO_IDS.botButtonId, type: 'Standard', label: 'Chat with the demo bot', skills: ['demo-bot'], routing: 'MostAvailable',
          offerTimeoutSeconds: 30, queueSizeLimit: 0, sneakPeekEnabled: true, offlineMessages: false,
          rerouteDeclinedRequests: false, reroutingAttempts: 3,
          chasitorIdleTimeout: { isEnabled: false, warningTime: 60, timeout: 120 },
        },
        {
          id: DEMO_IDS.emptyButtonId, type: 'Standard', label: 'Nobody here', skills: ['nobody'], routing: 'MostAvailable',
          offerTimeoutSeconds: 30, queueSizeLimit: 100, sneakPeekEnabled: true, offlineMessages: false,
          rerouteDeclinedRequests: false, reroutingAttempts: 3,
          chasitorIdleTimeout: { isEnabled: false, warningTime: 60, timeout: 120 },
        },
        {
          id: DEMO_IDS.humanButtonId, type: 'Standard', label: 'Chat with a person', skills: ['support'], routing: 'MostAvailable',
          offerTimeoutSeconds: 30, queueSizeLimit: 100, sneakPeekEnabled: true, offlineMessages: false,
          rerouteDeclinedRequests: false, reroutingAttempts: 3,
          chasitorIdleTimeout: { isEnabled: false, warningTime: 60, timeout: 120 },
        },
      ],
    },
  ],
  agents: [
    { id: DEMO_IDS.botAgentId, name: 'Demo Bot', role: 'agent', skills: ['demo-bot'], capacity: 0, bot: 'echo', greeting: DEFAULT_GREETING },
    { id: DEMO_IDS.humanAgentId, name: 'Alex Agent', username: 'agent', password: 'plain:agent-demo', role: 'agent', skills: ['support'], capacity: 3 },
    { id: DEMO_IDS.supervisorId, name: 'Sam Supervisor', username: 'supervisor', password: 'plain:supervisor-demo', role: 'supervisor', skills: ['support'], capacity: 3 },
    // The team's admin (users, API keys, visitor erasure): no skill, so no button routes to her.
    { id: DEMO_IDS.adminId, name: 'Ada Admin', username: 'admin', password: 'plain:admin-demo', role: 'admin', skills: [], capacity: 3 },
  ],
  // Canned replies for the support team (ADR 0047); the console fills in the placeholders.
  quickTexts: [
    { id: 'greeting', title: 'Greeting', text: 'Hello {{visitor.name}}, this is {{agent.name}}. How can I help you today?', skills: ['support'] },
    { id: 'order-number', title: 'Ask for the order number', text: 'Could you give me your order number? You will find it in your confirmation email (it starts with "SB-").', skills: ['support'] },
    { id: 'one-moment', title: 'One moment, please', text: 'Thank you. Give me a moment while I look into this.', skills: ['support'] },
    { id: 'closing', title: 'Closing', text: 'Is there anything else I can help you with? Thank you for contacting us, and have a good day!', skills: ['support'] },
  ],
  // None in the demo: its chats show text as typed (docs/configuration.md has a card number rule to copy).
  sensitiveDataRules: [],
  blockedAddresses: [],
  businessHours: [],
  webhooks: [],
};
