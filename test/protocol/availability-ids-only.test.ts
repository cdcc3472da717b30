/**
 * Visitor/Availability and Visitor/Settings from clients that send the ids without `org_id` and/or
 * `deployment_id` (or with them empty): each id answers for its own button or agent, as if the right
 * org had been sent, but an `org_id` that is given never reads another org's ids. Three orgs: the
 * demo one, another with its own bot, and one that blocks this machine (127.0.0.1).
 */
import { describe, expect, it } from 'vitest';
import type { Res, TestSettings } from './harness.js';
import { demoConfig, useServer } from './harness.js';
import { API_VERSION, BOT_BUTTON, DEPLOYMENT_ID, EMPTY_BUTTON, ORG_ID } from './visitor.js';

const OTHER_ORG = '00D000000000002';
const OTHER_DEPLOYMENT = '572000000000002';
const OTHER_BUTTON = '573000000000003';
const OTHER_BOT = '005000000000002';
const BLOCKING_ORG = '00D000000000003';
const BLOCKED_BUTTON = '573000000000004';
const DEMO_BOT = '005000000000001';
const UNKNOWN = '573000000000999';

function config(settings: TestSettings): object {
  const demo = demoConfig(settings) as { settings: object; orgs: object[] };
  const org = (id: string, n: number, extra: object = {}): object => ({
    id,
    deployments: [{ id: `57200000000000${n}`, buttons: [{ id: `57300000000000${n + 1}`, type: 'Standard', skills: [`bot-${n}`] }] }],
    agents: [{ id: `00500000000000${n}`, name: `Bot ${n}`, skills: [`bot-${n}`], capacity: 0, bot: 'echo' }],
    ...extra,
  });
  return {
    ...demo,
    orgs: [...demo.orgs, org(OTHER_ORG, 2), org(BLOCKING_ORG, 3, { blockedAddresses: [{ ipRange: '127.0.0.1' }] })],
  };
}

const server = useServer({}, { config });
const V = { 'X-LIVEAGENT-API-VERSION': API_VERSION };

function unwrap(res: Res, type: string): Record<string, unknown> {
  expect(res.status, res.text).toBe(200);
  const body = res.json as { messages: Array<{ type: string; message: Record<string, unknown> }> };
  expect(body.messages[0]?.type).toBe(type);
  return body.messages[0]?.message ?? {};
}

async function availability(query: string): Promise<unknown[]> {
  return unwrap(await server.req('GET', 'Visitor/Availability', { headers: V, query }), 'Availability')['results'] as unknown[];
}

async function settingsButtons(query: string): Promise<Array<{ id: unknown; isAvailable: unknown }>> {
  const buttons = unwrap(await server.req('GET', 'Visitor/Settings', { headers: V, query }), 'Settings')['buttons'] as Array<Record<string, unknown>>;
  return buttons.map((b) => ({ id: b['id'], isAvailable: b['isAvailable'] }));
}

const allIds = [BOT_BUTTON, EMPTY_BUTTON, OTHER_BUTTON, BLOCKED_BUTTON, DEMO_BOT, OTHER_BOT, UNKNOWN].join(',');
/** What a client that names no org is answered: each id for its own org, in the wire-compat shapes. */
const eachForItsOwnOrg = [
  { id: BOT_BUTTON, isAvailable: true },
  { id: EMPTY_BUTTON },
  { id: OTHER_BUTTON, isAvailable: true },
  { id: BLOCKED_BUTTON },
  { id: DEMO_BOT, isAvailable: true },
  { id: OTHER_BOT, isAvailable: true },
  { id: UNKNOWN },
];

describe.concurrent('Visitor/Availability with the ids only', () => {
  it.each([
    ['no org_id and no deployment_id', ''],
    ['both empty', 'org_id=&deployment_id=&'],
    ['both blank', 'org_id=%20&deployment_id=%20&'],
    ['no org_id, empty deployment_id', 'deployment_id=&'],
  ])('%s: each id answers for its own button or agent', async (_label, prefix) => {
    expect(await availability(`${prefix}Availability.ids=${allIds}`)).toEqual(eachForItsOwnOrg);
  });

  it('the wait time is answered too, and the 18-character id as sent', async () => {
    expect(await availability(`Availability.ids=${OTHER_BUTTON}AAA,${EMPTY_BUTTON}&Availability.needEstimatedWaitTime=1`)).toEqual([
      { id: `${OTHER_BUTTON}AAA`, isAvailable: true, estimatedWaitTime: -1 },
      { id: EMPTY_BUTTON, estimatedWaitTime: -1 },
    ]);
  });

  it('an org_id given (without a deployment) answers only for that org', async () => {
    expect(await availability(`org_id=${OTHER_ORG}&Availability.ids=${allIds}`)).toEqual([
      { id: BOT_BUTTON }, { id: EMPTY_BUTTON }, { id: OTHER_BUTTON, isAvailable: true }, { id: BLOCKED_BUTTON },
      { id: DEMO_BOT }, { id: OTHER_BOT, isAvailable: true }, { id: UNKNOWN },
    ]);
    expect(await availability(`org_id=${ORG_ID}&deployment_id=&Availability.ids=${OTHER_BUTTON},${BOT_BUTTON}`)).toEqual([
      { id: OTHER_BUTTON }, { id: BOT_BUTTON, isAvailable: true },
    ]);
  });

  it('an org_id or deployment_id that names nothing known answers for nothing', async () => {
    const none = allIds.split(',').map((id) => ({ id }));
    expect(await availability(`org_id=00D000000000999&Availability.ids=${allIds}`)).toEqual(none);
    expect(await availability(`deployment_id=572000000000999&Availability.ids=${allIds}`)).toEqual(none);
  });

  it('a known deployment_id without org_id is that deployment\'s org', async () => {
    expect(await availability(`deployment_id=${OTHER_DEPLOYMENT}&Availability.ids=${BOT_BUTTON},${OTHER_BUTTON}`)).toEqual([
      { id: BOT_BUTTON }, { id: OTHER_BUTTON, isAvailable: true },
    ]);
  });
});

describe.concurrent('Visitor/Settings with the button ids only', () => {
  it('no org_id and no deployment_id: each asked button is listed with its own availability', async () => {
    const asked = `Settings.buttonIds=${BOT_BUTTON},${OTHER_BUTTON},${BLOCKED_BUTTON},${EMPTY_BUTTON},${UNKNOWN}`;
    const expected = [
      { id: BOT_BUTTON, isAvailable: true },
      { id: OTHER_BUTTON, isAvailable: true },
      { id: BLOCKED_BUTTON, isAvailable: false },
      { id: EMPTY_BUTTON, isAvailable: false },
    ];
    expect(await settingsButtons(asked)).toEqual(expected);
    expect(await settingsButtons(`org_id=&deployment_id=&${asked}`)).toEqual(expected);
  });

  it('an org_id without deployment lists only that org\'s asked buttons', async () => {
    expect(await settingsButtons(`org_id=${ORG_ID}&Settings.buttonIds=${BOT_BUTTON},${OTHER_BUTTON}`)).toEqual([{ id: BOT_BUTTON, isAvailable: true }]);
    expect(await settingsButtons(`org_id=00D000000000999&Settings.buttonIds=${BOT_BUTTON},${OTHER_BUTTON}`)).toEqual([]);
  });

  it('without a deployment and without asked ids there is nothing to list; a deployment still lists its own', async () => {
    expect(await settingsButtons(`org_id=${ORG_ID}`)).toEqual([]);
    expect(await settingsButtons('')).toEqual([]);
    expect(await settingsButtons(`deployment_id=${DEPLOYMENT_ID}&Settings.buttonIds=${BOT_BUTTON},${OTHER_BUTTON}`)).toEqual([{ id: BOT_BUTTON, isAvailable: true }]);
  });
});
