import { describe, expect, it } from 'vitest';
import { failureOf } from './failure-of.test-support.js';
import {
  parseBreadcrumb, parseChasitorInit, parseChatEnd, parseChatMessage, parseCustomEvent, parseMultiNoun, parseSneakPeek,
} from './visitor-requests.js';

const ids = { organizationId: '00D000000000001', deploymentId: '572000000000001', buttonId: '573000000000001' };

/** A ChasitorInit body as the web widgets and mobile SDKs send it, strings where they send strings. */
const fieldInit = {
  ...ids,
  sessionId: '5b4b0f31-2d3c-4b5e-9d10-6a2f1c3f7a11',
  agentId: '',
  doFallback: 'true',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64)',
  language: 'en-US',
  screenResolution: '1920x1080',
  visitorName: 'Ada',
  prechatDetails: [
    {
      label: 'E-mail', value: 'ada@example.com', transcriptFields: ['Email__c'], displayToAgent: 'true',
      entityMaps: [{ entityName: 'Contact', fieldName: 'Email' }],
    },
    { label: 'Order', value: 12345, transcriptFields: [], displayToAgent: false, entityMaps: [] },
  ],
  prechatEntities: [
    {
      entityName: 'Contact', saveToTranscript: 'Contact', linkToEntityName: 'Case', linkToEntityField: 'ContactId',
      entityFieldsMaps: [{ fieldName: 'Email', label: 'E-mail', doFind: true, isExactMatch: 'true', doCreate: false }],
    },
  ],
  buttonOverrides: ['573000000000002'],
  receiveQueueUpdates: 'true',
  isPost: 'true',
  trackingId: 'track-1',
  visitorInfo: { referrer: 'https://example.com/', pages: 3 },
};

describe('parseChasitorInit', () => {
  it('accepts every field real clients send, booleans as strings', () => {
    const init = parseChasitorInit(structuredClone(fieldInit));
    expect(init).toMatchObject({
      ...ids,
      sessionId: fieldInit.sessionId,
      agentId: undefined,
      doFallback: true,
      receiveQueueUpdates: true,
      isPost: true,
      visitorName: 'Ada',
      userAgent: fieldInit.userAgent,
      language: 'en-US',
      screenResolution: '1920x1080',
      trackingId: 'track-1',
      buttonOverrides: ['573000000000002'],
    });
  });

  it('reads "false" strings as false', () => {
    const init = parseChasitorInit({ ...ids, doFallback: 'false', receiveQueueUpdates: 'false', isPost: 'false' });
    expect(init.doFallback).toBe(false);
    expect(init.receiveQueueUpdates).toBe(false);
    expect(init.isPost).toBe(false);
  });

  it('defaults what a minimal client leaves out (sessionId may be omitted)', () => {
    const init = parseChasitorInit({ ...ids });
    expect(init).toMatchObject({
      sessionId: undefined, agentId: undefined, doFallback: false, receiveQueueUpdates: false, isPost: true,
      visitorName: '', userAgent: '', language: '', screenResolution: '',
      prechatDetails: [], prechatEntities: [], buttonOverrides: [], trackingId: undefined, visitorId: undefined, extra: {},
    });
  });

  it('keeps prechatDetails with their entityMaps and normalises their fields', () => {
    const [email, order] = parseChasitorInit(structuredClone(fieldInit)).prechatDetails;
    expect(email).toMatchObject({
      label: 'E-mail', value: 'ada@example.com', transcriptFields: ['Email__c'], displayToAgent: true,
      entityMaps: [{ entityName: 'Contact', fieldName: 'Email' }],
    });
    // A non-string value reaches the agent as text, not as a type error.
    expect(order).toMatchObject({ label: 'Order', value: '12345', displayToAgent: false, entityMaps: [] });
  });

  it('reads transcriptFields sent as one name or a comma string as a list, and anything else as none', () => {
    const fieldsOf = (transcriptFields: unknown) => parseChasitorInit({ ...ids, prechatDetails: [{ label: 'E-mail', value: 'a@b.c', transcriptFields }] }).prechatDetails[0]!.transcriptFields;
    expect(fieldsOf('Email__c')).toEqual(['Email__c']);
    expect(fieldsOf('Email__c, Name__c,,')).toEqual(['Email__c', 'Name__c']);
    expect(fieldsOf(['Email__c', ' Name__c ', '', 7])).toEqual(['Email__c', 'Name__c']);
    expect(fieldsOf('')).toEqual([]);
    expect(fieldsOf(null)).toEqual([]);
    expect(fieldsOf(undefined)).toEqual([]);
    expect(fieldsOf({ name: 'Email__c' })).toEqual([]);
  });

  it('keeps prechatEntities whole, entityFieldsMaps included', () => {
    const init = parseChasitorInit(structuredClone(fieldInit));
    expect(init.prechatEntities).toEqual(fieldInit.prechatEntities);
  });

  it.each([
    ['null', null, []],
    ['missing', undefined, []],
    ['an empty string', '', []],
    ['an array', ['573000000000002', ' 573000000000003 ', '', 7], ['573000000000002', '573000000000003', '7']],
    ['a comma string', '573000000000002, 573000000000003', ['573000000000002', '573000000000003']],
    ['one id as a string', '573000000000002', ['573000000000002']],
  ])('buttonOverrides as %s', (_what, value, expected) => {
    expect(parseChasitorInit({ ...ids, buttonOverrides: value }).buttonOverrides).toEqual(expected);
  });

  it.each([
    ['an object', { a: 1 }, []],
    ['a boolean', true, []],
    ['a number (one id)', 573000000000002, ['573000000000002']],
    ['an array with numbers and objects', [573000000000002, { id: 'x' }, null, '573000000000003'], ['573000000000002', '573000000000003']],
  ])('buttonOverrides as %s is read, never refused', (_what, value, expected) => {
    expect(parseChasitorInit({ ...ids, buttonOverrides: value }).buttonOverrides).toEqual(expected);
  });

  it('keeps unknown fields in extra and only those', () => {
    const init = parseChasitorInit({ ...structuredClone(fieldInit), newField: [1, 2], 'weird key': null });
    expect(init.extra).toEqual({ visitorInfo: fieldInit.visitorInfo, newField: [1, 2], 'weird key': null });
  });

  it('treats an empty agentId or visitorId as absent and trims them', () => {
    expect(parseChasitorInit({ ...ids, agentId: '   ', visitorId: '' })).toMatchObject({ agentId: undefined, visitorId: undefined });
    expect(parseChasitorInit({ ...ids, agentId: ' 005000000000001 ', visitorId: 'v-1' })).toMatchObject({ agentId: '005000000000001', visitorId: 'v-1' });
  });

  it('accepts ids sent as numbers', () => {
    expect(parseChasitorInit({ ...ids, deploymentId: 572000000000001 }).deploymentId).toBe('572000000000001');
  });

  it.each(['organizationId', 'deploymentId', 'buttonId'] as const)('a missing %s is BODY_INVALID', (field) => {
    const body: Record<string, unknown> = { ...ids };
    delete body[field];
    expect(failureOf(() => parseChasitorInit(body))).toBe('BODY_INVALID');
    expect(failureOf(() => parseChasitorInit({ ...ids, [field]: '' }))).toBe('BODY_INVALID');
    expect(failureOf(() => parseChasitorInit({ ...ids, [field]: null }))).toBe('BODY_INVALID');
  });

  it('names the missing field', () => {
    const { buttonId: _b, ...noButton } = ids;
    expect(() => parseChasitorInit(noButton)).toThrow(/buttonId/);
  });

  it.each([
    ['buttonId too long', { buttonId: 'x'.repeat(65) }],
    ['organizationId an object', { organizationId: { id: '00D000000000001' } }],
    ['deploymentId an array', { deploymentId: ['572000000000001'] }],
    ['buttonId a boolean', { buttonId: true }],
  ])('a required id that is unusable (%s) is BODY_INVALID', (_what, patch) => {
    expect(failureOf(() => parseChasitorInit({ ...ids, ...patch }))).toBe('BODY_INVALID');
  });
});

describe('parseChasitorInit never refuses an optional field', () => {
  it.each([
    ['userAgent', 2048],
    ['visitorName', 256],
    ['language', 64],
    ['screenResolution', 64],
    ['trackingId', 256],
    ['sessionId', 256],
    ['visitorId', 256],
  ] as const)('%s longer than %i characters is cut to that length', (field, limit) => {
    const init = parseChasitorInit({ ...ids, [field]: 'a'.repeat(limit) + 'b'.repeat(50) });
    expect(init[field]).toBe('a'.repeat(limit));
  });

  it('agentId longer than 64 characters is cut to 64 (an id no agent has: routing treats it as an unknown agent)', () => {
    expect(parseChasitorInit({ ...ids, agentId: `005${'x'.repeat(100)}` }).agentId).toBe(`005${'x'.repeat(61)}`);
  });

  it('a cut never splits a surrogate pair', () => {
    const name = `${'a'.repeat(255)}😀tail`;
    expect(parseChasitorInit({ ...ids, visitorName: name }).visitorName).toBe('a'.repeat(255));
  });

  it('turns numbers and booleans into text', () => {
    expect(parseChasitorInit({ ...ids, trackingId: true, visitorName: 42, language: false, screenResolution: 1080, sessionId: 7 }))
      .toMatchObject({ trackingId: 'true', visitorName: '42', language: 'false', screenResolution: '1080', sessionId: '7' });
  });

  it.each([
    ['an object', { width: 1920, height: 1080 }],
    ['an array', ['1920', '1080']],
  ])('ignores a text field sent as %s', (_what, value) => {
    const body = { ...ids, screenResolution: value, visitorName: value, userAgent: value, language: value, trackingId: value, sessionId: value, agentId: value, visitorId: value };
    expect(parseChasitorInit(body)).toMatchObject({
      screenResolution: '', visitorName: '', userAgent: '', language: '', trackingId: undefined, sessionId: undefined, agentId: undefined, visitorId: undefined,
    });
  });


  it.each([
    ['an object', {}],
    ['a string', 'x'],
    ['a number', 3],
    ['a boolean', true],
  ])('ignores prechatDetails and prechatEntities sent as %s', (_what, value) => {
    expect(parseChasitorInit({ ...ids, prechatDetails: value, prechatEntities: value })).toMatchObject({ prechatDetails: [], prechatEntities: [] });
  });

  it('skips prechatDetails and prechatEntities entries that are not objects, keeps the rest in order', () => {
    const init = parseChasitorInit({
      ...ids,
      prechatDetails: ['x', { label: 'A', value: '1' }, null, 7, [{ label: 'nested' }], { label: 'B', value: '2' }],
      prechatEntities: [{ entityName: 'Contact' }, 'Case', null, [], { entityName: 'Case' }],
    });
    expect(init.prechatDetails.map((d) => d.label)).toEqual(['A', 'B']);
    expect(init.prechatEntities).toEqual([{ entityName: 'Contact' }, { entityName: 'Case' }]);
  });
});

describe('parseChatEnd', () => {
  it.each([
    [{ reason: 'client' }, 'client'],
    [{ type: 'ChatEndReason', reason: 'client' }, 'client'],
    [{ ChatEndReason: { reason: 'client' } }, 'client'],
    [{ ack: -1 }, 'client'],
    [{}, 'client'],
    [{ reason: '' }, 'client'],
    [{ reason: 42 }, 'client'],
    [{ ChatEndReason: 'client' }, 'client'],
    [{ ChatEndReason: {} }, 'client'],
  ])('%j ends the chat with reason %j', (body, reason) => {
    expect(parseChatEnd(body)).toEqual({ reason });
  });

  it('keeps a free-text reason', () => {
    expect(parseChatEnd({ reason: 'client ended chat' })).toEqual({ reason: 'client ended chat' });
  });

  it('prefers the nested reason and bounds its length', () => {
    expect(parseChatEnd({ reason: 'outer', ChatEndReason: { reason: 'inner' } })).toEqual({ reason: 'inner' });
    expect(parseChatEnd({ reason: 'r'.repeat(1000) }).reason).toHaveLength(256);
  });
});

describe('parseMultiNoun', () => {
  it('reads `object` (what clients send)', () => {
    const calls = parseMultiNoun({
      nouns: [
        { prefix: 'Chasitor', noun: 'ChatMessage', object: { text: 'Bye' } },
        { prefix: 'Chasitor', noun: 'ChatEnd', object: { reason: 'client' } },
      ],
    });
    expect(calls).toEqual([
      { prefix: 'Chasitor', noun: 'ChatMessage', body: { text: 'Bye' } },
      { prefix: 'Chasitor', noun: 'ChatEnd', body: { reason: 'client' } },
    ]);
  });

  it('reads `data` (what the guide says), as an object or as a JSON string', () => {
    expect(parseMultiNoun({ nouns: [{ prefix: 'Chasitor', noun: 'ChatMessage', data: { text: 'a' } }] })[0]!.body).toEqual({ text: 'a' });
    expect(parseMultiNoun({ nouns: [{ prefix: 'Chasitor', noun: 'ChatMessage', data: '{"text":"b"}' }] })[0]!.body).toEqual({ text: 'b' });
    expect(parseMultiNoun({ nouns: [{ prefix: 'Chasitor', noun: 'ChatMessage', object: '{"text":"c"}' }] })[0]!.body).toEqual({ text: 'c' });
  });

  it('reads a `data` string as the gate reads a body: raw control characters in strings kept, NUL as U+FFFD (ADR 0033)', () => {
    expect(parseMultiNoun({ nouns: [{ noun: 'ChatMessage', data: '{"text":"a\nb\\u0000","k\\u0000":"\u0000"}' }] })[0]!.body)
      .toEqual({ text: 'a\nb\uFFFD', 'k\uFFFD': '\uFFFD' });
  });

  it('prefers `object` when both are present', () => {
    expect(parseMultiNoun({ nouns: [{ noun: 'ChatMessage', object: { text: 'o' }, data: { text: 'd' } }] })[0]!.body).toEqual({ text: 'o' });
  });

  it('defaults the prefix to Chasitor and an absent or empty payload to {}', () => {
    expect(parseMultiNoun({ nouns: [{ noun: 'ChasitorTyping' }, { noun: 'ChasitorNotTyping', data: '  ' }, { noun: 'ChatEnd', object: null }] }))
      .toEqual([
        { prefix: 'Chasitor', noun: 'ChasitorTyping', body: {} },
        { prefix: 'Chasitor', noun: 'ChasitorNotTyping', body: {} },
        { prefix: 'Chasitor', noun: 'ChatEnd', body: {} },
      ]);
  });

  it('accepts an empty list, and no list at all (an empty body) as an empty list', () => {
    expect(parseMultiNoun({ nouns: [] })).toEqual([]);
    expect(parseMultiNoun({})).toEqual([]);
    expect(parseMultiNoun({ nouns: null })).toEqual([]);
  });

  it.each([
    ['nouns not an array', { nouns: { noun: 'ChatMessage' } }],
    ['an entry not an object', { nouns: ['ChatMessage'] }],
    ['an entry without noun', { nouns: [{ prefix: 'Chasitor', object: {} }] }],
    ['data not JSON', { nouns: [{ noun: 'ChatMessage', data: '{text:' }] }],
    ['data JSON but not an object', { nouns: [{ noun: 'ChatMessage', data: '[1,2]' }] }],
    ['data JSON nested deeper than 64 levels', { nouns: [{ noun: 'CustomEvent', data: `{"type":"t","data":${'['.repeat(65)}${']'.repeat(65)}}` }] }],
    ['object an array', { nouns: [{ noun: 'ChatMessage', object: [1] }] }],
    ['more than 50 nouns', { nouns: Array.from({ length: 51 }, () => ({ noun: 'ChasitorTyping' })) }],
  ])('%s is BODY_INVALID', (_what, body) => {
    expect(failureOf(() => parseMultiNoun(body))).toBe('BODY_INVALID');
  });
});

describe('parseChatMessage', () => {
  it('reads the text, numbers as text', () => {
    expect(parseChatMessage({ text: 'Hi' }, 4000)).toEqual({ text: 'Hi' });
    expect(parseChatMessage({ text: 42 }, 4000)).toEqual({ text: '42' });
    expect(parseChatMessage({ text: '' }, 4000)).toEqual({ text: '' });
  });

  it('accepts exactly the limit', () => {
    expect(parseChatMessage({ text: 'x'.repeat(4000) }, 4000).text).toHaveLength(4000);
  });

  it('a text over the limit is MESSAGE_TOO_LONG, not BODY_INVALID', () => {
    expect(failureOf(() => parseChatMessage({ text: 'x'.repeat(4001) }, 4000))).toBe('MESSAGE_TOO_LONG');
    expect(failureOf(() => parseChatMessage({ text: 'abcdef' }, 5))).toBe('MESSAGE_TOO_LONG');
  });

  it.each([{}, { text: null }, { text: { a: 1 } }, { text: ['a'] }, { message: 'Hi' }])('%j is BODY_INVALID', (body) => {
    expect(failureOf(() => parseChatMessage(body, 4000))).toBe('BODY_INVALID');
  });
});

describe('parseSneakPeek', () => {
  it('reads position and text', () => {
    expect(parseSneakPeek({ position: 3, text: 'Hi th' }, 4000)).toEqual({ position: 3, text: 'Hi th' });
    expect(parseSneakPeek({ position: '3', text: 'Hi th' }, 4000)).toEqual({ position: 3, text: 'Hi th' });
  });

  it('defaults position to the text length and text to empty', () => {
    expect(parseSneakPeek({ text: 'abc' }, 4000)).toEqual({ position: 3, text: 'abc' });
    expect(parseSneakPeek({}, 4000)).toEqual({ position: 0, text: '' });
  });

  it('limits the text like a message', () => {
    expect(failureOf(() => parseSneakPeek({ text: 'x'.repeat(11) }, 10))).toBe('MESSAGE_TOO_LONG');
  });
});

describe('parseCustomEvent', () => {
  it('keeps data as text; objects become JSON text', () => {
    expect(parseCustomEvent({ type: 't', data: 'd' }, 4000)).toEqual({ type: 't', data: 'd' });
    expect(parseCustomEvent({ type: 't', data: { a: 1 } }, 4000)).toEqual({ type: 't', data: '{"a":1}' });
    expect(parseCustomEvent({ type: 't' }, 4000)).toEqual({ type: 't', data: '' });
  });

  it('requires a type and limits the data', () => {
    expect(failureOf(() => parseCustomEvent({ data: 'd' }, 4000))).toBe('BODY_INVALID');
    expect(failureOf(() => parseCustomEvent({ type: 't', data: 'x'.repeat(11) }, 10))).toBe('MESSAGE_TOO_LONG');
  });
});

describe('parseBreadcrumb', () => {
  it('reads the location and keeps control characters (the gate has replaced NUL)', () => {
    expect(parseBreadcrumb({ location: 'https://example.com/a' })).toEqual({ location: 'https://example.com/a' });
    expect(parseBreadcrumb({ location: 'https://example.com/\uFFFD\u0001' })).toEqual({ location: 'https://example.com/\uFFFD\u0001' });
  });

  it('reads no location (an empty body) as nothing to record, and refuses a location of the wrong type', () => {
    expect(parseBreadcrumb({})).toEqual({ location: undefined });
    expect(parseBreadcrumb({ location: null })).toEqual({ location: undefined });
    expect(parseBreadcrumb({ location: '  ' })).toEqual({ location: undefined });
    expect(failureOf(() => parseBreadcrumb({ location: { href: '/a' } }))).toBe('BODY_INVALID');
    expect(failureOf(() => parseBreadcrumb({ location: true }))).toBe('BODY_INVALID');
    expect(failureOf(() => parseBreadcrumb({ location: 'x'.repeat(4097) }))).toBe('BODY_INVALID');
    // A number is its text, as every string field of the visitor wire reads one (docs/compatibility.md #44).
    expect(parseBreadcrumb({ location: 5 })).toEqual({ location: '5' });
  });
});
