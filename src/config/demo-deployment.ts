/**
 * The demo deployment loaded when no config file is given. Other tools rely on
 * these ids: never change them.
 */
import type { OrgConfig } from './config-schema.js';
import { DEFAULT_GREETING } from '../core/demo-bot.js';

export const DEMO_IDS = {
  organizationId: '00D000000000001',
  deploymentId: '572000000000001',
  botButtonId: '573000000000001',
  emptyButtonId: '573000000000002',
  botAgentId: '005000000000001',
} as const;

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
          offerTimeoutSeconds: 30, queueSizeLimit: 0, sneakPeekEnabled: true,
          chasitorIdleTimeout: { isEnabled: false, warningTime: 60, timeout: 120 },
        },
        {
          id: DEMO_IDS.emptyButtonId, type: 'Standard', label: 'Nobody here', skills: ['nobody'], routing: 'MostAvailable',
          offerTimeoutSeconds: 30, queueSizeLimit: 100, sneakPeekEnabled: true,
          chasitorIdleTimeout: { isEnabled: false, warningTime: 60, timeout: 120 },
        },
      ],
    },
  ],
  agents: [
    { id: DEMO_IDS.botAgentId, name: 'Demo Bot', role: 'agent', skills: ['demo-bot'], capacity: 0, bot: 'echo', greeting: DEFAULT_GREETING },
  ],
};
