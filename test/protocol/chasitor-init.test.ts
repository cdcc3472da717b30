/**
 * Chasitor/ChasitorInit with every field real clients send, the chat request
 * outcome (ChatRequestSuccess / ChatRequestFail), the demo bot's
 * ChatEstablished and greeting, and the echo of each visitor message.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_GREETING, OWNS_PROCESS, needsProcess, useServer } from './harness.js';
import { BOT_BUTTON, BOT_NAME, BOT_USER_ID, EMPTY_BUTTON, Visitor, expectOk } from './visitor.js';

const server = useServer();

/** Everything field clients put in ChasitorInit, booleans as strings included. */
function fullInitBody(v: Visitor): Record<string, unknown> {
  return {
    organizationId: '00D000000000001',
    deploymentId: '572000000000001',
    buttonId: BOT_BUTTON,
    agentId: BOT_USER_ID,
    doFallback: 'true',
    sessionId: v.id,
    trackingId: 'tracking-123',
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36',
    language: 'en-US',
    screenResolution: '2560x1440',
    visitorName: 'Jon A.',
    visitorInfo: { browser: 'Chrome', location: 'https://shop.example.com/cart' },
    prechatDetails: [
      {
        label: 'E-mail Address',
        value: 'jon@example.com',
        transcriptFields: ['c__EmailAddress'],
        displayToAgent: 'true',
        entityMaps: [{ entityName: 'Contact', fieldName: 'Email' }],
      },
      { label: 'Name', value: 'Jon', entityMaps: [], transcriptFields: [], displayToAgent: true },
    ],
    prechatEntities: [
      {
        entityName: 'Contact',
        showOnCreate: 'true',
        linkToEntityName: 'Case',
        linkToEntityField: 'ContactId',
        saveToTranscript: 'Contact',
        entityFieldsMaps: [{ fieldName: 'Email', label: 'E-mail Address', doFind: 'true', isExactMatch: true, doCreate: 'false' }],
      },
    ],
    buttonOverrides: ['573000000000001'],
    receiveQueueUpdates: 'true',
    isPost: 'true',
    somethingNew: { nested: [1, 2, 3] },
    anotherUnknownField: 'kept or ignored',
  };
}

async function expectEstablished(v: Visitor): Promise<void> {
  const est = await v.waitFor('ChatEstablished');
  expect(est.message['name']).toBe(BOT_NAME);
  expect(est.message['userId']).toBe(BOT_USER_ID);
}

describe.concurrent('ChasitorInit bodies', () => {
  it('accepts every field real clients send, booleans as strings and unknown fields', async () => {
    const v = new Visitor(server);
    await v.createSession();
    expectOk(await v.init(fullInitBody(v)), 'ChasitorInit');
    const first = await v.poll();
    expect(first.status).toBe(200);
    expect(first.messages[0]?.type).toBe('ChatRequestSuccess');
    await expectEstablished(v);
  });

  it.each([
    ['buttonOverrides: null', { buttonOverrides: null }],
    ['buttonOverrides: []', { buttonOverrides: [] }],
    ['doFallback: false (boolean)', { doFallback: false }],
    ['receiveQueueUpdates: "false"', { receiveQueueUpdates: 'false' }],
    ['isPost: true (boolean)', { isPost: true }],
    ['no sessionId', { sessionId: undefined }],
    ['no prechat at all', { prechatDetails: undefined, prechatEntities: undefined }],
  ])('accepts %s', async (_label, extra) => {
    const v = new Visitor(server);
    await v.createSession();
    const body = { ...fullInitBody(v), ...extra };
    expectOk(await v.init(JSON.parse(JSON.stringify(body)) as unknown), 'ChasitorInit');
    await expectEstablished(v);
  });

  it.each([
    ['X-LIVEAGENT-SEQUENCE 1', 1],
    ['no X-LIVEAGENT-SEQUENCE', null],
  ])('accepts %s', async (_label, sequence) => {
    const v = new Visitor(server);
    await v.createSession();
    expectOk(await v.init(v.initBody(), { sequence }), 'ChasitorInit');
    await expectEstablished(v);
    // The next POST numbers from 2 whatever the init carried.
    v.sentSequence = 1;
    await v.say('numbered from 2');
    expect(await v.awaitEchoes(['numbered from 2'])).toEqual(['numbered from 2']);
  });
});

/**
 * Optional fields in shapes and sizes real clients send (wire-compat.md: accept every field,
 * never an error): each starts the chat, alone in ChasitorInit and as a MultiNoun part.
 */
const oddOptionalFields: [string, Record<string, unknown>][] = [
  ['userAgent over 2048 characters', { userAgent: `Mozilla/5.0 ${'x'.repeat(5000)}` }],
  ['visitorName over 256 characters', { visitorName: 'n'.repeat(1000) }],
  ['language over 64 characters', { language: 'en-US,en;q=0.9,'.repeat(20) }],
  ['trackingId over 256 characters', { trackingId: 't'.repeat(1000) }],
  ['sessionId over 256 characters', { sessionId: 's'.repeat(1000) }],
  ['visitorId over 256 characters', { visitorId: 'v'.repeat(1000) }],
  ['trackingId: true', { trackingId: true }],
  ['visitorName: 42', { visitorName: 42 }],
  ['screenResolution: {width, height}', { screenResolution: { width: 2560, height: 1440 } }],
  ['visitorName: {first, last}', { visitorName: { first: 'Jon', last: 'A.' } }],
  ['userAgent: [..]', { userAgent: ['Mozilla/5.0'] }],
  ['prechatEntities: {}', { prechatEntities: {} }],
  ['prechatEntities: "Contact"', { prechatEntities: 'Contact' }],
  ['prechatDetails: {} (not an array)', { prechatDetails: { label: 'E-mail', value: 'jon@example.com' } }],
  ['prechatDetails: "x"', { prechatDetails: 'x' }],
  ['prechatDetails with entries that are not objects', { prechatDetails: ['x', null, 3, { label: 'Name', value: 'Jon' }] }],
  ['prechatEntities with entries that are not objects', { prechatEntities: ['Contact', null, { entityName: 'Contact' }] }],
  ['buttonOverrides: {} (not an array)', { buttonOverrides: { id: '573000000000001' } }],
  ['buttonOverrides: true', { buttonOverrides: true }],
  ['visitorId holding a NUL character', { visitorId: 'abc\u0000def' }],
];

describe.concurrent('ChasitorInit never refuses an optional field', () => {
  it.each(oddOptionalFields)('%s: 200 OK and the chat starts', async (_label, patch) => {
    const v = new Visitor(server);
    await v.createSession();
    expectOk(await v.init({ ...fullInitBody(v), ...patch }), 'ChasitorInit');
    const first = await v.poll();
    expect(first.messages[0]?.type, first.text).toBe('ChatRequestSuccess');
    await expectEstablished(v);
  });

  it.each(oddOptionalFields)('%s in a MultiNoun: 200 OK and the chat starts', async (_label, patch) => {
    const v = new Visitor(server);
    await v.createSession();
    const res = await v.post('System/MultiNoun', {
      nouns: [
        { prefix: 'Chasitor', noun: 'ChasitorInit', object: { ...fullInitBody(v), ...patch } },
        { prefix: 'Chasitor', noun: 'ChatMessage', object: { text: 'first words' } },
      ],
    }, { sequence: 1 });
    expectOk(res, 'MultiNoun [ChasitorInit, ChatMessage]');
    await expectEstablished(v);
    expect(await v.awaitEchoes(['first words'])).toEqual(['first words']);
  });

  it('prechatDetails entries that are not objects are skipped, the others reach the chat in order', async () => {
    const v = new Visitor(server);
    await v.createSession();
    const prechatDetails = ['x', { label: 'E-mail', value: 'jon@example.com' }, null, [1], { label: 'Order', value: 12345 }];
    expectOk(await v.init({ ...fullInitBody(v), prechatDetails }), 'ChasitorInit');
    const first = await v.poll();
    expect(first.messages[0]?.type, first.text).toBe('ChatRequestSuccess');
    const details = first.messages[0]?.message['customDetails'];
    if (details !== undefined) {
      expect((details as Array<Record<string, unknown>>).map((d) => [d['label'], d['value']])).toEqual([['E-mail', 'jon@example.com'], ['Order', '12345']]);
    }
  });

  it('a visitorId that cannot be stored whole is cut (ChatRequestSuccess.visitorId), a NUL in one becomes U+FFFD', async () => {
    const long = new Visitor(server);
    await long.createSession();
    expectOk(await long.init({ ...fullInitBody(long), visitorId: 'v'.repeat(1000) }), 'ChasitorInit');
    const first = await long.poll();
    expect(first.messages[0]?.message['visitorId'], first.text).toBe('v'.repeat(256));
    const nul = new Visitor(server);
    await nul.createSession();
    expectOk(await nul.init({ ...fullInitBody(nul), visitorId: 'abc\u0000def' }), 'ChasitorInit');
    expect((await nul.poll()).messages[0]?.message['visitorId']).toBe('abc\uFFFDdef');
  });

  it.each([
    ['organizationId missing', { organizationId: undefined }],
    ['deploymentId an object', { deploymentId: { id: '572000000000001' } }],
    ['buttonId over 64 characters', { buttonId: `573${'0'.repeat(100)}` }],
  ])('a required id still is 400: %s', async (_label, patch) => {
    const v = new Visitor(server);
    await v.createSession();
    const res = await v.init(JSON.parse(JSON.stringify({ ...fullInitBody(v), ...patch })) as unknown);
    expect(res.status, res.text).toBe(400);
  });
});

describe.concurrent('chat request outcome', () => {
  it('ChatRequestSuccess arrives in the first poll after ChasitorInit, with the field set', async () => {
    const v = new Visitor(server);
    await v.createSession();
    expectOk(await v.init());
    const first = await v.poll();
    expect(first.status, first.text).toBe(200);
    const m = first.messages[0];
    expect(m?.type).toBe('ChatRequestSuccess');
    const body = m?.message ?? {};
    expect(Number.isInteger(body['queuePosition']), `queuePosition: ${first.text}`).toBe(true);
    expect(body['queuePosition'] as number).toBeGreaterThanOrEqual(0);
    expect(typeof body['estimatedWaitTime'], `estimatedWaitTime: ${first.text}`).toBe('number');
    const ewt = body['estimatedWaitTime'] as number;
    expect(ewt === -1 || ewt >= 0, 'estimatedWaitTime is -1 (unknown) or a wait in seconds').toBe(true);
    expect(typeof body['connectionTimeout'], `connectionTimeout: ${first.text}`).toBe('number');
    expect(body['connectionTimeout'] as number, 'connectionTimeout is in ms').toBeGreaterThanOrEqual(1000);
    expect(typeof body['visitorId'] === 'string' && body['visitorId'].length > 0, `visitorId: ${first.text}`).toBe(true);
    // Optional fields of later versions: right types when present.
    if ('sensitiveDataRules' in body) expect(Array.isArray(body['sensitiveDataRules'])).toBe(true);
    if ('transcriptSaveEnabled' in body) expect(typeof body['transcriptSaveEnabled']).toBe('boolean');
    if ('customDetails' in body) expect(Array.isArray(body['customDetails'])).toBe(true);
    if ('url' in body) expect(typeof body['url']).toBe('string');
    if ('postChatUrl' in body) expect(typeof body['postChatUrl']).toBe('string');
    if ('geoLocation' in body && body['geoLocation'] !== null) expect(typeof body['geoLocation']).toBe('object');
  });

  it.skipIf(!OWNS_PROCESS)(needsProcess('ChatRequestSuccess.connectionTimeout is the configured 150000 ms'), async () => {
    const v = new Visitor(server);
    await v.createSession();
    expectOk(await v.init());
    const first = await v.poll();
    expect(first.messages[0]?.message['connectionTimeout']).toBe(150000);
  });

  it('a button with no agents gives ChatRequestFail, reason Unavailable, in the first poll', async () => {
    const v = new Visitor(server);
    await v.createSession();
    expectOk(await v.init(v.initBody(EMPTY_BUTTON)));
    const first = await v.poll();
    expect(first.status, first.text).toBe(200);
    expect(first.messages[0]?.type).toBe('ChatRequestFail');
    expect(first.messages[0]?.message['reason']).toBe('Unavailable');
    const post = first.messages[0]?.message['postChatUrl'];
    if (post !== undefined) expect(typeof post).toBe('string');
    // The session is over: no agent can join it later, the next poll is refused.
    const next = await v.poll();
    expect(next.status, next.text).toBe(403);
    expect(v.received.some((m) => m.type === 'ChatEstablished')).toBe(false);
  });
});

describe.concurrent('demo bot', () => {
  it('ChatEstablished carries name, userId, sneakPeekEnabled and chasitorIdleTimeout', async () => {
    const v = new Visitor(server);
    await v.createSession();
    expectOk(await v.init());
    const est = await v.waitFor('ChatEstablished');
    expect(est.message['name']).toBe(BOT_NAME);
    expect(est.message['userId']).toBe(BOT_USER_ID);
    expect(typeof est.message['sneakPeekEnabled']).toBe('boolean');
    const idle = est.message['chasitorIdleTimeout'] as Record<string, unknown> | undefined;
    expect(idle, 'chasitorIdleTimeout').toBeTypeOf('object');
    expect(typeof idle?.['isEnabled']).toBe('boolean');
    expect(typeof idle?.['warningTime']).toBe('number');
    expect(typeof idle?.['timeout']).toBe('number');
    if ('items' in est.message) expect(Array.isArray(est.message['items'])).toBe(true);
    // Order: request success, then established.
    const types = v.received.map((m) => m.type);
    expect(types.indexOf('ChatRequestSuccess')).toBeGreaterThanOrEqual(0);
    expect(types.indexOf('ChatRequestSuccess')).toBeLessThan(types.indexOf('ChatEstablished'));
  });

  it('greets with a ChatMessage from the bot right after ChatEstablished', async () => {
    const v = new Visitor(server);
    await v.start();
    const at = v.received.findIndex((m) => m.type === 'ChatEstablished');
    const greeting = v.received.slice(at + 1).find((m) => m.type === 'ChatMessage');
    expect(greeting).toBeDefined();
    expect(greeting?.message['name']).toBe(BOT_NAME);
    expect(greeting?.message['agentId']).toBe(BOT_USER_ID);
    expect(typeof greeting?.message['text']).toBe('string');
    expect(String(greeting?.message['text']).length).toBeGreaterThan(0);
    if (OWNS_PROCESS) expect(greeting?.message['text']).toBe(DEMO_GREETING);
    const schedule = greeting?.message['schedule'] as Record<string, unknown> | undefined;
    if (schedule !== undefined) expect(typeof schedule['responseDelayMilliseconds']).toBe('number');
  });

  it('echoes each visitor ChatMessage verbatim and in order', async () => {
    const v = new Visitor(server);
    await v.start();
    const texts = [
      'plain',
      'with "quotes" and \\backslashes\\',
      'unicode: héllo wörld ✓ 日本語 🎉👍🏽',
      '<b>html</b> &amp; <script>alert(1)</script>',
      'multi\nline\r\ntext\ttabbed',
      '  leading and trailing spaces  ',
      '{"looks":"like json"}',
      '1',
    ];
    for (const t of texts) await v.say(t);
    const echoes = await v.awaitEchoes(texts);
    expect(echoes).toEqual(texts);
    for (const m of v.received.filter((x) => x.type === 'ChatMessage')) {
      expect(m.message['name']).toBe(BOT_NAME);
      expect(m.message['agentId']).toBe(BOT_USER_ID);
    }
    await v.expectNoMore();
  });
});
