/**
 * Business hours (ADR 0062) against a live server, moved through its hours by the emulator's
 * clock control: a button with a schedule open now is available; after the clock passes its
 * closing time it is not (Availability, Settings), a new chat request to it fails `Unavailable`
 * with the stored endReason `OutsideBusinessHours`, chats already running or waiting stay and
 * the waiting one is still routed, and a transfer to it is refused 409 BUTTON_CLOSED. Transfer
 * targets say which schedule each button keeps and whether it is open.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNS_PROCESS, TestServer, type Res, type TestSettings } from '../protocol/harness.js';
import { API_VERSION } from '../protocol/visitor.js';
import { DEPLOYMENT, ORG, onlineAgent, requestChat, type Login } from './agent-fixtures.js';
import { admin, emulatorConfig } from './emulator-fixtures.js';

/** The button kept by the `day` schedule (skill `hours`), and one of the same skill without a schedule. */
const HOURS_BUTTON = '5730000000000C1';
const ALWAYS_BUTTON = '5730000000000C2';
const H1: Login = { id: '0050000000000C1', username: 'hanna', password: 'hanna-secret', name: 'Hanna Hours' };
const H2: Login = { id: '0050000000000C2', username: 'henry', password: 'henry-secret', name: 'Henry Hours' };

/**
 * A zone where it is 12:xx now (`Etc/GMT-N` is UTC+N), and a schedule open every day until
 * 14:00 there: open for at least another hour whenever the test runs, and closed once the clock
 * is moved 2 hours on (14:01–15:00 local), not near any midnight.
 */
function noonZone(): string {
  const offset = 12 - new Date().getUTCHours();
  return offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}
const CLOSE_AFTER_S = 2 * 3600 + 60;

function hoursConfig(settings: TestSettings): object {
  const config = emulatorConfig(settings) as { orgs: { agents: object[]; businessHours?: object[]; deployments: { buttons: object[] }[] }[] };
  const org = config.orgs[0]!;
  const day = [{ start: '00:00', end: '14:00' }];
  org.businessHours = [{ name: 'day', timeZone: noonZone(), weekly: { mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day } }];
  org.deployments[0]!.buttons.push(
    { id: HOURS_BUTTON, type: 'Standard', label: 'Day line', skills: ['hours'], businessHours: 'day', offerTimeoutSeconds: 30 },
    { id: ALWAYS_BUTTON, type: 'Standard', label: 'Any time', skills: ['hours'], offerTimeoutSeconds: 30 },
  );
  for (const [u, capacity] of [[H1, 1], [H2, 2]] as const) org.agents.push({ id: u.id, name: u.name, username: u.username, password: `plain:${u.password}`, skills: ['hours'], capacity });
  return config;
}

// A hold of 5 s, as in emulator-clock.test.ts: the polls the visitors leave held are still held when the advance comes.
const server = new TestServer({ pollHoldSeconds: 5, agentGraceSeconds: 60, clientPollTimeoutSeconds: 40, sessionGraceSeconds: 20 }, { config: hoursConfig });
beforeAll(() => server.start());
afterAll(() => server.dispose());

const V = { 'X-LIVEAGENT-API-VERSION': API_VERSION };
const IDS = `org_id=${ORG}&deployment_id=${DEPLOYMENT}`;

function message(res: Res, type: string): Record<string, unknown> {
  expect(res.status, res.text).toBe(200);
  const body = res.json as { messages: { type: string; message: Record<string, unknown> }[] };
  expect(body.messages[0]?.type).toBe(type);
  return body.messages[0]!.message;
}

async function availability(): Promise<unknown[]> {
  return message(await server.req('GET', 'Visitor/Availability', { headers: V, query: `${IDS}&Availability.ids=${HOURS_BUTTON},${ALWAYS_BUTTON}` }), 'Availability')['results'] as unknown[];
}

async function settingsAvailable(): Promise<Record<string, unknown>> {
  const buttons = message(await server.req('GET', 'Visitor/Settings', { headers: V, query: `${IDS}&Settings.buttonIds=${HOURS_BUTTON},${ALWAYS_BUTTON}` }), 'Settings')['buttons'] as Record<string, unknown>[];
  return Object.fromEntries(buttons.map((b) => [b['id'], b['isAvailable']]));
}

interface ButtonTarget { id: string; businessHours: string | null; openNow: boolean; availableAgents: number }

describe.skipIf(!OWNS_PROCESS)('business hours of a button', () => {
  it('close the button when the clock passes them: new requests fail, running and waiting chats stay, transfers to it are refused', async () => {
    const root = await admin(server);
    const hanna = await onlineAgent(server, H1);
    const targetsOf = async () => (await hanna.ok<{ buttons: ButtonTarget[] }>('GET', '/agent/v1/transfer-targets')).buttons;

    // Open: available like any button with an agent who has room.
    expect(await availability()).toEqual([{ id: HOURS_BUTTON, isAvailable: true }, { id: ALWAYS_BUTTON, isAvailable: true }]);
    expect(await settingsAvailable()).toEqual({ [HOURS_BUTTON]: true, [ALWAYS_BUTTON]: true });
    const open = await targetsOf();
    expect(open.find((b) => b.id === HOURS_BUTTON)).toMatchObject({ businessHours: 'day', openNow: true });
    expect(open.find((b) => b.id === ALWAYS_BUTTON)).toMatchObject({ businessHours: null, openNow: true });

    // Hanna (capacity 1) takes one chat; the next waits in the button's queue.
    const running = await requestChat(server, HOURS_BUTTON);
    await hanna.nextOffer(0, running.id);
    await hanna.ok('POST', `/agent/v1/chats/${running.id}/accept`);
    await running.waitFor('ChatEstablished');
    const waiting = await requestChat(server, HOURS_BUTTON);
    const queued = await waiting.waitFor('ChatRequestSuccess');
    expect(queued.message['queuePosition']).toBe(1);

    // Past closing time. Both visitors poll on through the advance.
    const polls = [running.poll(), waiting.poll()];
    const moved = await root.ok<{ offsetSeconds: number }>('POST', '/emulator/v1/clock', { advanceSeconds: CLOSE_AFTER_S });
    expect(moved.offsetSeconds).toBe(CLOSE_AFTER_S);
    await Promise.all(polls);

    // Closed: unavailable in the shape of any unavailable button, though nothing else changed.
    expect(await availability()).toEqual([{ id: HOURS_BUTTON }, { id: ALWAYS_BUTTON }]);
    const henry = await onlineAgent(server, H2);
    // Henry, with room, takes the chat that was waiting when the hours closed: it is still routed.
    await henry.nextOffer(0, waiting.id);
    await henry.ok('POST', `/agent/v1/chats/${waiting.id}/accept`);
    await waiting.waitFor('ChatEstablished');
    // Henry still has room (1 of 2): only the hours keep the button unavailable; the other button is available.
    expect(await availability()).toEqual([{ id: HOURS_BUTTON }, { id: ALWAYS_BUTTON, isAvailable: true }]);
    expect(await settingsAvailable()).toEqual({ [HOURS_BUTTON]: false, [ALWAYS_BUTTON]: true });

    // The chat that was running goes on.
    await hanna.ok('POST', `/agent/v1/chats/${running.id}/messages`, { text: 'Still here after hours' });
    await running.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'Still here after hours'), 'the agent message');

    // A new request fails as when nobody is online, and the chat's endReason says why.
    const late = await requestChat(server, HOURS_BUTTON);
    const failed = await late.waitFor('ChatRequestFail');
    expect(failed.message['reason']).toBe('Unavailable');
    const search = await root.ok<{ chats: { chatId: string; endReason: string | null }[] }>('GET', '/agent/v1/supervisor/chats?endReason=OutsideBusinessHours');
    expect(search.chats.map((c) => c.chatId)).toEqual([late.id]);

    // Transfers: the targets say it is closed, and a transfer to it is refused; the chat stays with Henry.
    const closed = await targetsOf();
    expect(closed.find((b) => b.id === HOURS_BUTTON)).toMatchObject({ businessHours: 'day', openNow: false });
    expect(closed.find((b) => b.id === ALWAYS_BUTTON)).toMatchObject({ businessHours: null, openNow: true });
    const refused = await henry.call('POST', `/agent/v1/chats/${waiting.id}/transfer`, { buttonId: HOURS_BUTTON });
    expect(refused.status, refused.text).toBe(409);
    expect(refused.text).toBe(`The button is outside its business hours: button ${HOURS_BUTTON}`);
    const held = await henry.ok<{ chat: { state: string; agentId: string | null } }>('GET', `/agent/v1/chats/${waiting.id}`);
    expect(held.chat).toMatchObject({ state: 'established', agentId: H2.id });
    await root.ok('POST', '/emulator/v1/reset');
  });
});
