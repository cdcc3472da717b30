/**
 * Visitor/Availability, Visitor/Settings, Visitor/Breadcrumb and Visitor/VisitorId:
 * the query forms of the field, the message-payload wrapper and real availability.
 */
import { describe, expect, it } from 'vitest';
import type { Res } from './harness.js';
import { useServer } from './harness.js';
import { API_VERSION, BOT_BUTTON, DEPLOYMENT_ID, EMPTY_BUTTON, ORG_ID, Visitor, expectOk } from './visitor.js';

const server = useServer();
const V = { 'X-LIVEAGENT-API-VERSION': API_VERSION };

/** Unwraps `{"messages":[{"type": type, "message": {...}}]}`. */
function unwrap(res: Res, type: string): Record<string, unknown> {
  expect(res.status, res.text).toBe(200);
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  const body = res.json as { messages?: Array<{ type?: unknown; message?: unknown }> };
  expect(Array.isArray(body.messages), `wrapped like a message payload: ${res.text}`).toBe(true);
  const m = body.messages?.[0];
  expect(m?.type).toBe(type);
  expect(m?.message).toBeTypeOf('object');
  return m?.message as Record<string, unknown>;
}

type Result = Record<string, unknown>;

async function availability(query: string): Promise<Result[]> {
  const res = await server.req('GET', 'Visitor/Availability', { headers: V, query });
  const message = unwrap(res, 'Availability');
  expect(Array.isArray(message['results']), res.text).toBe(true);
  return message['results'] as Result[];
}

function byId(results: Result[], id: string): Result | undefined {
  return results.find((r) => r['id'] === id);
}

const base = `org_id=${ORG_ID}&deployment_id=${DEPLOYMENT_ID}`;

describe.concurrent('Visitor/Availability', () => {
  it('one id: the demo bot button is available', async () => {
    const results = await availability(`${base}&Availability.ids=${BOT_BUTTON}`);
    expect(byId(results, BOT_BUTTON)?.['isAvailable']).toBe(true);
  });

  it.each([
    ['a comma list', `${BOT_BUTTON},${EMPTY_BUTTON}`],
    ['[a,b]', `[${BOT_BUTTON},${EMPTY_BUTTON}]`],
    ['[a,b] percent-encoded', `%5B${BOT_BUTTON}%2C${EMPTY_BUTTON}%5D`],
    ['a comma list with spaces', `${BOT_BUTTON},%20${EMPTY_BUTTON}`],
  ])('ids as %s: available has isAvailable true, unavailable omits isAvailable', async (_label, ids) => {
    const results = await availability(`${base}&Availability.ids=${ids}`);
    const bot = byId(results, BOT_BUTTON);
    const empty = byId(results, EMPTY_BUTTON);
    expect(bot?.['isAvailable']).toBe(true);
    expect(empty, `a result for ${EMPTY_BUTTON}`).toBeDefined();
    expect(empty && 'isAvailable' in empty, `unavailable ${EMPTY_BUTTON} omits isAvailable: ${JSON.stringify(empty)}`).toBe(false);
  });

  it('needEstimatedWaitTime=1 adds estimatedWaitTime: a number, -1 when unknown', async () => {
    const results = await availability(`${base}&Availability.ids=${BOT_BUTTON},${EMPTY_BUTTON}&Availability.needEstimatedWaitTime=1`);
    const ewt = byId(results, BOT_BUTTON)?.['estimatedWaitTime'];
    expect(typeof ewt, JSON.stringify(results)).toBe('number');
    expect((ewt as number) === -1 || (ewt as number) >= 0).toBe(true);
    const emptyEwt = byId(results, EMPTY_BUTTON)?.['estimatedWaitTime'];
    if (emptyEwt !== undefined) expect(emptyEwt === -1 || (typeof emptyEwt === 'number' && emptyEwt >= 0)).toBe(true);
  });

  it('after chats were accepted on the bot button, its estimated wait is known (>= 0 s)', async () => {
    // -1 until the button has MIN_WAIT_SAMPLES (3) answered chats (src/core/routing/wait-estimator.ts).
    for (let i = 0; i < 3; i += 1) await new Visitor(server).start();
    const results = await availability(`${base}&Availability.ids=${BOT_BUTTON}&Availability.needEstimatedWaitTime=1`);
    const ewt = byId(results, BOT_BUTTON)?.['estimatedWaitTime'];
    expect(typeof ewt).toBe('number');
    expect(ewt as number, 'a measured moving average in seconds, not -1').toBeGreaterThanOrEqual(0);
    expect(ewt as number, 'the bot accepts at once: seconds, not ms').toBeLessThan(60);
  });

  it('an unknown id is never reported available', async () => {
    const results = await availability(`${base}&Availability.ids=573999999999999`);
    expect(byId(results, '573999999999999')?.['isAvailable']).not.toBe(true);
  });

  it('a nonsense Accept header still gets JSON', async () => {
    const res = await server.req('GET', 'Visitor/Availability', { headers: { ...V, Accept: 'content/json' }, query: `${base}&Availability.ids=${BOT_BUTTON}` });
    unwrap(res, 'Availability');
  });
});

describe.concurrent('Visitor/Settings', () => {
  it('is wrapped with type Settings and carries pingRate, contentServerUrl and the buttons', async () => {
    const res = await server.req('GET', 'Visitor/Settings', {
      headers: V,
      query: `${base}&Settings.buttonIds=${BOT_BUTTON},${EMPTY_BUTTON}&Settings.updateBreadcrumb=1`,
    });
    const s = unwrap(res, 'Settings');
    expect(typeof s['pingRate'], res.text).toBe('number');
    expect(s['pingRate'] as number).toBeGreaterThan(0);
    expect(typeof s['contentServerUrl'], res.text).toBe('string');
    expect(() => new URL(String(s['contentServerUrl']))).not.toThrow();
    expect(Array.isArray(s['buttons']), res.text).toBe(true);
    const buttons = s['buttons'] as Result[];
    const bot = byId(buttons, BOT_BUTTON);
    const empty = byId(buttons, EMPTY_BUTTON);
    expect(bot?.['type']).toBe('Standard');
    expect(bot?.['isAvailable']).toBe(true);
    expect(empty?.['type']).toBe('Standard');
    expect(empty?.['isAvailable']).not.toBe(true);
  });
});

describe.concurrent('ids are echoed as the client sent them', () => {
  // A client matches the answer's ids to its own by string: 15 or 18 characters, any case the server accepts.
  const asked = ['573000000000001AAA', '573000000000002aaa'];

  it('by Availability and Settings alike', async () => {
    const results = await availability(`${base}&Availability.ids=${asked.join(',')}`);
    expect(results.map((r) => r['id'])).toEqual(asked);
    expect(byId(results, asked[0]!)?.['isAvailable']).toBe(true);
    const res = await server.req('GET', 'Visitor/Settings', { headers: V, query: `${base}&Settings.buttonIds=${asked.join(',')}` });
    const buttons = unwrap(res, 'Settings')['buttons'] as Result[];
    expect(buttons.map((b) => b['id']), res.text).toEqual(asked);
    expect(byId(buttons, asked[0]!)?.['isAvailable']).toBe(true);
  });

  it('Settings without Settings.buttonIds lists the configured ids', async () => {
    const res = await server.req('GET', 'Visitor/Settings', { headers: V, query: base });
    expect((unwrap(res, 'Settings')['buttons'] as Result[]).map((b) => b['id'])).toEqual([BOT_BUTTON, EMPTY_BUTTON]);
  });
});

describe.concurrent('without org_id, the org is the deployment\'s', () => {
  const settingsButtons = async (query: string): Promise<unknown[]> => {
    const res = await server.req('GET', 'Visitor/Settings', { headers: V, query });
    return (unwrap(res, 'Settings')['buttons'] as Result[]).map((b) => b['id']);
  };
  const botAvailable = async (query: string): Promise<boolean> =>
    byId(await availability(`${query}&Availability.ids=${BOT_BUTTON}`), BOT_BUTTON)?.['isAvailable'] === true;

  it('Availability: missing or empty org_id reads the deployment\'s org', async () => {
    expect(await botAvailable(`deployment_id=${DEPLOYMENT_ID}`)).toBe(true);
    expect(await botAvailable(`org_id=&deployment_id=${DEPLOYMENT_ID}`)).toBe(true);
    expect(await botAvailable(`org_id=%20&deployment_id=${DEPLOYMENT_ID}`)).toBe(true);
    expect(await botAvailable(`deployment_id=572000000000001AAA`)).toBe(true);
  });

  it('Availability: an unknown deployment names no org, and a mismatched org_id stays another org', async () => {
    // Naming neither, each id answers for its own org (availability-ids-only.test.ts).
    expect(await botAvailable('x=1')).toBe(true);
    expect(await botAvailable('deployment_id=572000000000999')).toBe(false);
    expect(await botAvailable(`org_id=00D000000000999&deployment_id=${DEPLOYMENT_ID}`)).toBe(false);
  });

  it('Settings: the same rules', async () => {
    expect(await settingsButtons(`deployment_id=${DEPLOYMENT_ID}`)).toEqual([BOT_BUTTON, EMPTY_BUTTON]);
    expect(await settingsButtons(`org_id=&deployment_id=${DEPLOYMENT_ID}&Settings.buttonIds=${BOT_BUTTON}`)).toEqual([BOT_BUTTON]);
    expect(await settingsButtons(`org_id=${ORG_ID}%20&deployment_id=${DEPLOYMENT_ID}`)).toEqual([BOT_BUTTON, EMPTY_BUTTON]);
    expect(await settingsButtons('x=1')).toEqual([]);
    expect(await settingsButtons('deployment_id=572000000000999')).toEqual([]);
    expect(await settingsButtons(`org_id=00D000000000999&deployment_id=${DEPLOYMENT_ID}`)).toEqual([]);
  });
});

describe.concurrent('the bracket list form (jQuery\'s $.param)', () => {
  it.each([
    ['ids[]=a&ids[]=b', `Availability.ids[]=${BOT_BUTTON}&Availability.ids[]=${EMPTY_BUTTON}`, [BOT_BUTTON, EMPTY_BUTTON]],
    ['percent-encoded', `Availability.ids%5B%5D=${BOT_BUTTON}&Availability.ids%5B%5D=${EMPTY_BUTTON}`, [BOT_BUTTON, EMPTY_BUTTON]],
    ['one ids[] with a comma list', `Availability.ids[]=${BOT_BUTTON},${EMPTY_BUTTON}`, [BOT_BUTTON, EMPTY_BUTTON]],
    ['with the plain name: plain first, then []', `Availability.ids[]=${EMPTY_BUTTON}&Availability.ids=${BOT_BUTTON}&Availability.ids[]=${BOT_BUTTON}`, [BOT_BUTTON, EMPTY_BUTTON]],
  ])('Availability.ids as %s', async (_label, ids, expected) => {
    const results = await availability(`${base}&${ids}`);
    expect(results.map((r) => r['id'])).toEqual(expected);
    expect(byId(results, BOT_BUTTON)?.['isAvailable']).toBe(true);
  });

  it('Settings.buttonIds[]', async () => {
    const res = await server.req('GET', 'Visitor/Settings', { headers: V, query: `${base}&Settings.buttonIds[]=${EMPTY_BUTTON}&Settings.buttonIds[]=${BOT_BUTTON}` });
    expect((unwrap(res, 'Settings')['buttons'] as Result[]).map((b) => b['id'])).toEqual([EMPTY_BUTTON, BOT_BUTTON]);
  });
});

describe.concurrent('the indexed list form (form serialisers: ids[0]=a&ids[1]=b)', () => {
  const UNKNOWN = '573000000000009';
  it.each([
    ['ids[0]=a&ids[1]=b', `Availability.ids[0]=${BOT_BUTTON}&Availability.ids[1]=${EMPTY_BUTTON}`, [BOT_BUTTON, EMPTY_BUTTON]],
    ['sent out of order: read in index order', `Availability.ids[1]=${EMPTY_BUTTON}&Availability.ids[0]=${BOT_BUTTON}`, [BOT_BUTTON, EMPTY_BUTTON]],
    ['index 10 after index 2 (numeric order)', `Availability.ids[10]=${UNKNOWN}&Availability.ids[2]=${EMPTY_BUTTON}&Availability.ids[0]=${BOT_BUTTON}`, [BOT_BUTTON, EMPTY_BUTTON, UNKNOWN]],
    ['percent-encoded', `Availability.ids%5B0%5D=${BOT_BUTTON}&Availability.ids%5B1%5D=${EMPTY_BUTTON}`, [BOT_BUTTON, EMPTY_BUTTON]],
    ['an index with a comma list', `Availability.ids[0]=${BOT_BUTTON},${EMPTY_BUTTON}`, [BOT_BUTTON, EMPTY_BUTTON]],
    ['with the other forms: plain, then [], then indexed; an id given twice once',
      `Availability.ids[0]=${UNKNOWN}&Availability.ids[]=${EMPTY_BUTTON}&Availability.ids=${BOT_BUTTON}&Availability.ids[1]=${BOT_BUTTON}`, [BOT_BUTTON, EMPTY_BUTTON, UNKNOWN]],
    ['the same index twice: both, in the order sent', `Availability.ids[0]=${EMPTY_BUTTON}&Availability.ids[0]=${BOT_BUTTON}`, [EMPTY_BUTTON, BOT_BUTTON]],
  ])('Availability.ids as %s', async (_label, ids, expected) => {
    const results = await availability(`${base}&${ids}`);
    expect(results.map((r) => r['id'])).toEqual(expected);
    expect(byId(results, BOT_BUTTON)?.['isAvailable']).toBe(true);
  });

  it('an index that is not a number is not read', async () => {
    expect(await availability(`${base}&Availability.ids[a]=${BOT_BUTTON}&Availability.ids[-1]=${BOT_BUTTON}&Availability.ids[0][x]=${BOT_BUTTON}`)).toEqual([]);
  });

  it('Settings.buttonIds[0]', async () => {
    const res = await server.req('GET', 'Visitor/Settings', { headers: V, query: `${base}&Settings.buttonIds[1]=${BOT_BUTTON}&Settings.buttonIds[0]=${EMPTY_BUTTON}` });
    expect((unwrap(res, 'Settings')['buttons'] as Result[]).map((b) => b['id'])).toEqual([EMPTY_BUTTON, BOT_BUTTON]);
  });
});

describe.concurrent('Visitor/Breadcrumb', () => {
  it('POST {location} answers 200 OK, without a session', async () => {
    const res = await server.req('POST', 'Visitor/Breadcrumb', { headers: V, body: { location: 'https://shop.example.com/page2' } });
    expectOk(res, 'Breadcrumb');
  });

  it('POST {location} in a chat answers 200 OK and the chat goes on', async () => {
    const v = new Visitor(server);
    await v.start();
    expectOk(await server.req('POST', 'Visitor/Breadcrumb', { headers: v.headers(), body: { location: 'https://shop.example.com/checkout' } }), 'Breadcrumb');
    expectOk(await server.req('POST', 'Visitor/Breadcrumb', { headers: { ...v.headers(), 'Content-Type': 'text/plain' }, body: JSON.stringify({ location: 'https://shop.example.com/x' }) }), 'Breadcrumb as text/plain');
    await v.say('after breadcrumb');
    expect(await v.awaitEchoes(['after breadcrumb'])).toEqual(['after breadcrumb']);
  });

  it('a breadcrumb before the chat, from a client with no cookie, is the chat\'s url; the latest is the url after a resync', async () => {
    const v = new Visitor(server);
    await v.createSession();
    const before = 'https://shop.example.com/cart?no-cookie=1';
    expectOk(await server.req('POST', 'Visitor/Breadcrumb', { headers: v.headers(), body: { location: before } }), 'Breadcrumb before the chat');
    expectOk(await v.init(v.initBody(BOT_BUTTON)), 'ChasitorInit');
    expect((await v.waitFor('ChatRequestSuccess')).message['url']).toBe(before);
    await v.waitFor('ChatEstablished');
    // (Its agents see it among the visitor's breadcrumbs: test/agent/chat.test.ts.) A later page is the url of what a resync sends.
    const during = 'https://shop.example.com/checkout';
    expectOk(await server.req('POST', 'Visitor/Breadcrumb', { headers: v.headers(), body: { location: during } }), 'Breadcrumb in the chat');
    await v.resyncAfter503();
    expect(v.received.findLast((m) => m.type === 'ChasitorSessionData')?.message['url']).toBe(during);
  });

  // A location holding NUL or another control character: control-characters.test.ts.
});

describe.concurrent('Visitor/VisitorId', () => {
  function visitorIdOf(res: Res): string {
    expect(res.status, res.text).toBe(200);
    const body = res.json as Record<string, unknown> & { messages?: Array<{ message?: Record<string, unknown> }> };
    const id = typeof body['sessionId'] === 'string' ? body['sessionId'] : body.messages?.[0]?.message?.['sessionId'];
    expect(typeof id === 'string' && id.length > 0, `VisitorId carries sessionId: ${res.text}`).toBe(true);
    return id as string;
  }

  it('gives a visitor id that stays the same for the same browser (cookies sent back)', async () => {
    const first = await server.req('GET', 'Visitor/VisitorId', { headers: V, query: base });
    const id = visitorIdOf(first);
    const cookie = first.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const again = await server.req('GET', 'Visitor/VisitorId', { headers: { ...V, ...(cookie ? { Cookie: cookie } : {}) }, query: base });
    expect(visitorIdOf(again)).toBe(id);
  });

  it('carries sessionId both wrapped and at the top level, the same id', async () => {
    const res = await server.req('GET', 'Visitor/VisitorId', { headers: V, query: `${base}&visitorId=echo-visitor-0001` });
    expect(res.json).toEqual({ messages: [{ type: 'VisitorId', message: { sessionId: 'echo-visitor-0001' } }], sessionId: 'echo-visitor-0001' });
  });

  it('different browsers (no cookies) get different visitor ids', async () => {
    const a = visitorIdOf(await server.req('GET', 'Visitor/VisitorId', { headers: V, query: base }));
    const b = visitorIdOf(await server.req('GET', 'Visitor/VisitorId', { headers: V, query: base }));
    expect(a).not.toBe(b);
  });
});
