// The Switchboard configuration the bench runs with: one org, the echo bot on
// button ECHO_BUTTON and a human "bench" agent (unlimited capacity) on AGENT_BUTTON.

export const ORG_ID = '00D000000000001';
export const DEPLOYMENT_ID = '572000000000001';
export const ECHO_BUTTON = '573000000000001';
export const AGENT_BUTTON = '573000000000009';
export const AGENT_CREDENTIALS = { username: 'bench', password: 'bench' };

/**
 * @param sessionGraceSeconds when set: how long past clientPollTimeout a silent visitor stays
 *   live (the restart and failover scenarios' visitors never poll, and storing 10,000 of them
 *   can take longer than the default 40 + 20 s on a loaded machine).
 */
export function switchboardConfig({ holdSeconds, storage, sessionGraceSeconds }) {
  return {
    settings: { pollHoldSeconds: holdSeconds, ...(sessionGraceSeconds === undefined ? {} : { sessionGraceSeconds }) },
    storage,
    orgs: [
      {
        id: ORG_ID,
        deployments: [
          {
            id: DEPLOYMENT_ID,
            buttons: [
              { id: ECHO_BUTTON, skills: ['demo-bot'] },
              { id: AGENT_BUTTON, skills: ['bench'] },
            ],
          },
        ],
        agents: [
          { id: '005000000000001', name: 'Demo Bot', skills: ['demo-bot'], capacity: 0, bot: 'echo' },
          {
            id: '005000000000009',
            name: 'Bench Agent',
            username: AGENT_CREDENTIALS.username,
            password: `plain:${AGENT_CREDENTIALS.password}`,
            skills: ['bench'],
            capacity: 0,
          },
        ],
      },
    ],
  };
}
