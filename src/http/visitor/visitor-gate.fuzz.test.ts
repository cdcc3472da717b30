/**
 * Property test of the visitor request gate through the whole request path
 * (app.inject): random methods, paths, query strings, headers and bodies —
 * some aimed at a real session A, most garbage — never get a 500 or a status
 * outside the protocol's set, always get a short plain-text error, never crash
 * the process, and never touch session B, which is mid-chat with the demo bot.
 */
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { DEMO_IDS, demoOrg } from '../../config/demo-deployment.js';
import { validateConfig } from '../../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../../main.js';
import type { WireMessage } from '../../protocol/visitor-messages.js';

const HOLD_MS = 1000;
const MAX_BODY = 65536;
const ALLOWED = new Set([200, 204, 400, 403, 404, 405, 409, 413, 503]);
const VERSION = { 'x-liveagent-api-version': '34' };
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;
const NOUNS = [
  'System/SessionId', 'System/Messages', 'System/MultiNoun', 'System/ResyncSession', 'System/ReconnectSession',
  'Chasitor/ChasitorInit', 'Chasitor/ChatMessage', 'Chasitor/ChatEnd', 'Chasitor/ChasitorTyping', 'Chasitor/ChasitorNotTyping',
  'Chasitor/ChasitorSneakPeek', 'Chasitor/CustomEvent', 'Chasitor/ChasitorResyncState',
  'Visitor/Availability', 'Visitor/Settings', 'Visitor/Breadcrumb', 'Visitor/VisitorId',
];

interface Visitor {
  key: string;
  id: string;
  affinity: string;
}

interface Payload {
  messages: WireMessage[];
  sequence: number;
}

let running: Switchboard[] = [];

afterEach(async () => {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
});

async function boot(): Promise<{ sb: Switchboard; clock: FakeClock }> {
  const clock = new FakeClock();
  const config = validateConfig({
    storage: { kind: 'memory' },
    // The run advances the clock past many holds: a huge grace keeps the reaper
    // from ending B for silence, which would be right but is not what is tested.
    settings: { pollHoldSeconds: HOLD_MS / 1000, clientPollTimeoutSeconds: 600, sessionGraceSeconds: 10_000_000, maxBodyBytes: MAX_BODY },
    orgs: [structuredClone(demoOrg)],
  }, 'test');
  const sb = await createSwitchboard(config, { clock, store: new MemoryChatStore(), logger: pino({ level: 'silent' }) });
  running.push(sb);
  return { sb, clock };
}

async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Awaits a request; a held poll is released by moving the fake clock past the hold. */
async function settle(clock: FakeClock, pending: Promise<LightMyRequestResponse>): Promise<LightMyRequestResponse> {
  let done = false;
  const watched = pending.finally(() => { done = true; });
  for (let i = 0; i < 40 && !done; i++) {
    await ticks(3);
    if (!done) clock.advance(HOLD_MS);
  }
  if (!done) throw new Error('request never answered');
  return watched;
}

function visitorHeaders(v: Visitor, extra: Record<string, string> = {}): Record<string, string> {
  return { ...VERSION, 'x-liveagent-session-key': v.key, 'x-liveagent-affinity': v.affinity, ...extra };
}

async function newVisitor(sb: Switchboard): Promise<Visitor> {
  const res = await sb.app.inject({ method: 'GET', url: '/chat/rest/System/SessionId', headers: { ...VERSION, 'x-liveagent-affinity': 'null' } });
  const body = res.json<{ key: string; id: string; affinityToken: string }>();
  return { key: body.key, id: body.id, affinity: body.affinityToken };
}

function post(sb: Switchboard, v: Visitor, noun: string, body: unknown, sequence: number) {
  return sb.app.inject({
    method: 'POST', url: `/chat/rest/${noun}`, payload: JSON.stringify(body),
    headers: visitorHeaders(v, { 'content-type': 'application/json', 'x-liveagent-sequence': String(sequence) }),
  });
}

async function take(sb: Switchboard, clock: FakeClock, v: Visitor): Promise<LightMyRequestResponse> {
  return settle(clock, sb.app.inject({ method: 'GET', url: '/chat/rest/System/Messages', headers: visitorHeaders(v) }));
}

/** Everything a response to any request must satisfy. */
function checkResponse(res: LightMyRequestResponse, what: string, method: string): void {
  const context = `${what} → ${res.statusCode} ${res.body.slice(0, 200)}`;
  expect(res.statusCode, context).not.toBe(500);
  expect(ALLOWED.has(res.statusCode), context).toBe(true);
  if (res.statusCode === 204) expect(res.body, context).toBe('');
  if (res.statusCode >= 400) {
    expect(String(res.headers['content-type']), context).toMatch(/^text\/plain/);
    if (method === 'HEAD') return; // a HEAD answer never has a body
    expect(res.body.length, context).toBeGreaterThan(0);
    expect(res.body.length, context).toBeLessThanOrEqual(300);
    expect(res.body, context).not.toMatch(/^\s*[[{]/);
  }
}

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const anyText = fc.string({ unit: 'grapheme', maxLength: 60 });
/** Stand-ins for session A's values, filled in at run time (A may be replaced during the run). */
const A_KEY = '\u0001A.key\u0001';
const A_KEY_URI = '\u0001A.key.uri\u0001';
const A_ID = '\u0001A.id\u0001';
const A_AFFINITY = '\u0001A.affinity\u0001';
const garbageSegment = fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%2F', '..', '.', '%C0%AF', '%FF%FE', '~', '%25');

/** The method a real client uses for a noun. */
function methodOf(noun: string): string {
  return noun.startsWith('Chasitor/') || noun === 'System/MultiNoun' || noun === 'Visitor/Breadcrumb' ? 'POST' : 'GET';
}

function randomCase(s: string): fc.Arbitrary<string> {
  return fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((flags) => [...s].map((c, i) => (flags[i] ? c.toUpperCase() : c.toLowerCase())).join(''));
}

describe('visitor gate under random input', () => {
  it('never 500, only protocol statuses, short plain-text errors, no crash, session B untouched', async () => {
    const { sb, clock } = await boot();
    const failures: unknown[] = [];
    const onFailure = (err: unknown) => failures.push(err);
    process.on('uncaughtException', onFailure);
    process.on('unhandledRejection', onFailure);
    try {
      // Session B: mid-chat with the demo bot, one echo already round-tripped.
      const b = await newVisitor(sb);
      expect((await post(sb, b, 'Chasitor/ChasitorInit', { organizationId: DEMO_IDS.organizationId, deploymentId: DEMO_IDS.deploymentId, buttonId: DEMO_IDS.botButtonId }, 1)).statusCode).toBe(200);
      const opening: string[] = [];
      for (let i = 0; i < 3; i++) opening.push((await take(sb, clock, b)).json<Payload>().messages[0]!.type);
      expect(opening).toEqual(['ChatRequestSuccess', 'ChatEstablished', 'ChatMessage']);
      expect((await post(sb, b, 'Chasitor/ChatMessage', { text: 'before' }, 2)).statusCode).toBe(200);
      expect((await take(sb, clock, b)).json<Payload>().messages[0]!.message.text).toBe('before');
      await sb.engine.queue.commit();
      const bSession = sb.engine.sessions.get(b.id)!;
      const bRecord = JSON.stringify(bSession.record);
      const bEvents = JSON.stringify(await sb.store.readEvents(b.id, 0, 100_000));

      // Session A: the one random requests may name. Random requests may end it;
      // then a fresh A takes its place, so most runs still reach a live session.
      let replacements = 0;
      /** Every other A starts mid-chat with the bot, so random requests reach chat paths too. */
      const freshA = async (): Promise<Visitor> => {
        const v = await newVisitor(sb);
        if (replacements++ % 2 === 0) {
          const res = await post(sb, v, 'Chasitor/ChasitorInit', { organizationId: DEMO_IDS.organizationId, deploymentId: DEMO_IDS.deploymentId, buttonId: DEMO_IDS.botButtonId }, 1);
          expect(res.statusCode).toBe(200);
        }
        return v;
      };
      let a = await freshA();
      const aimAt = (text: string): string =>
        text.replaceAll(A_KEY, a.key).replaceAll(A_ID, a.id).replaceAll(A_AFFINITY, a.affinity).replaceAll(A_KEY_URI, encodeURIComponent(a.key));

      const path = fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...NOUNS) },
        { weight: 2, arbitrary: fc.constantFrom(...NOUNS).chain(randomCase) },
        { weight: 1, arbitrary: fc.constantFrom(...NOUNS).chain((n) => fc.oneof(printable.map(encodeURIComponent), garbageSegment).map((seg) => `${n}/${seg}`)) },
        { weight: 1, arbitrary: fc.constant(`System/SessionId/${A_KEY_URI}`) },
        { weight: 1, arbitrary: fc.array(fc.oneof(printable.map(encodeURIComponent), garbageSegment), { minLength: 0, maxLength: 4 }).map((segs) => segs.join('/')) },
      );
      const queryKey = fc.oneof(
        fc.constantFrom('ack', 'pc', 'Availability.ids', 'Availability.needEstimatedWaitTime', 'org_id', 'deployment_id', 'Settings.buttonIds',
          'SessionId', 'ReconnectSession.offset', 'visitorId', 'SessionId.ClientType'),
        printable,
      );
      const queryValue = fc.oneof(
        fc.constantFrom('-1', '0', '1', '2', '987654', '99999999999999999999', '[573000000000001,573000000000002]', DEMO_IDS.botButtonId,
          DEMO_IDS.organizationId, DEMO_IDS.deploymentId, A_ID, 'chasitor', ''),
        fc.integer().map(String),
        printable,
      );
      const query = fc.oneof(
        fc.constant(''),
        fc.array(fc.tuple(queryKey, queryValue), { maxLength: 5 }).map((pairs) => new URLSearchParams(pairs).toString()),
        printable.map((q) => q.replace(/[#\s]/g, '')),
        fc.constantFrom('ack=%zz', '%', 'ack&ack=1&ack=2', '=&=&', 'Availability.ids=%E0%A4%A'),
      );
      /** Usually the value a real client would send, sometimes something odd, sometimes nothing. */
      const header = (usual: string, odd: fc.Arbitrary<string>): fc.Arbitrary<string | undefined> => fc.oneof(
        { weight: 12, arbitrary: fc.constant(usual) },
        { weight: 3, arbitrary: odd },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
      const headers = fc.record({
        version: header('34', fc.oneof(fc.constantFrom('"34"', '42.0', ' 34 ', '57', '', '12', '999', 'abc', '1e400', '-1', 'NaN'), printable)),
        key: header(A_KEY, fc.oneof(fc.constantFrom(`${A_KEY}x`, A_ID, `${A_ID}!0!00`, '!!', 'null', ''), printable)),
        affinity: header(A_AFFINITY, fc.oneof(fc.constantFrom('null', '', '00000000', 'undefined', ` ${A_AFFINITY} `), printable)),
        sequence: fc.option(fc.oneof(fc.integer({ min: -5, max: 40 }).map(String), fc.constantFrom('1.5', '1e3', '', '99999999999999999999'), printable), { nil: undefined }),
        contentType: fc.option(fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x', 'application/octet-stream', '', 'garbage', 'application/json; charset=nonsense'), { nil: undefined }),
        accept: fc.option(fc.constantFrom('content/json', '*/*', 'text/html', ''), { nil: undefined }),
        origin: fc.option(fc.constantFrom('https://example.com', 'null'), { nil: undefined, freq: 4 }),
      });
      const json = (arb: fc.Arbitrary<unknown>): fc.Arbitrary<string> => arb.map((v) => JSON.stringify(v));
      const usually = <T,>(usual: T, odd: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> => fc.oneof({ weight: 4, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: odd });
      const initBody = json(fc.record({
        organizationId: usually(DEMO_IDS.organizationId, fc.jsonValue({ maxDepth: 1 })),
        deploymentId: usually(DEMO_IDS.deploymentId, fc.jsonValue({ maxDepth: 1 })),
        buttonId: fc.oneof(fc.constantFrom(DEMO_IDS.botButtonId, DEMO_IDS.emptyButtonId, `${DEMO_IDS.botButtonId}AAA`), fc.jsonValue({ maxDepth: 1 })),
        sessionId: fc.oneof(fc.constant(A_ID), fc.jsonValue({ maxDepth: 1 })),
        doFallback: fc.oneof(fc.constantFrom('true', 'false', true), fc.jsonValue({ maxDepth: 1 })),
        buttonOverrides: usually(null, fc.oneof(fc.constantFrom([DEMO_IDS.botButtonId], DEMO_IDS.emptyButtonId), fc.jsonValue({ maxDepth: 2 }))),
        prechatDetails: usually([], fc.oneof(fc.array(fc.record({ label: fc.jsonValue({ maxDepth: 0 }), value: fc.jsonValue({ maxDepth: 1 }), entityMaps: fc.jsonValue({ maxDepth: 2 }), displayToAgent: fc.jsonValue({ maxDepth: 0 }) }, { requiredKeys: [] }), { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 }))),
        prechatEntities: usually([{ entityName: 'Contact', entityFieldsMaps: [] }], fc.jsonValue({ maxDepth: 3 })),
        visitorName: usually('Fuzz', fc.jsonValue({ maxDepth: 1 })),
        agentId: fc.oneof(fc.constantFrom(DEMO_IDS.botAgentId, '', null), fc.jsonValue({ maxDepth: 1 })),
        receiveQueueUpdates: fc.jsonValue({ maxDepth: 0 }),
        visitorInfo: fc.jsonValue({ maxDepth: 2 }),
      }, { requiredKeys: ['organizationId', 'deploymentId', 'buttonId'] }));
      const textBody = json(fc.oneof(
        { weight: 4, arbitrary: fc.record({ text: anyText }) },
        { weight: 1, arbitrary: fc.record({ text: fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.integer({ min: 3990, max: 4010 }).map((n) => 'x'.repeat(n))) }, { requiredKeys: [] }) },
      ));
      const miscBody = json(fc.record({ position: fc.jsonValue({ maxDepth: 1 }), text: fc.oneof(anyText, fc.jsonValue({ maxDepth: 1 })), type: fc.oneof(printable, fc.jsonValue({ maxDepth: 1 })), data: fc.jsonValue({ maxDepth: 2 }), location: fc.oneof(printable, fc.jsonValue({ maxDepth: 1 })), organizationId: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }));
      const endBody = json(fc.record({ reason: fc.jsonValue({ maxDepth: 1 }), type: fc.constant('ChatEndReason'), ChatEndReason: fc.jsonValue({ maxDepth: 2 }), ack: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }));
      const multiBody = json(fc.array(fc.record({
        prefix: fc.oneof(fc.constantFrom('Chasitor', 'System', 'Visitor'), fc.jsonValue({ maxDepth: 0 })),
        noun: fc.oneof(fc.constantFrom('ChatMessage', 'ChatEnd', 'ChasitorTyping', 'ChasitorNotTyping', 'ChasitorInit', 'ChasitorSneakPeek', 'Messages', 'MultiNoun', 'CustomEvent'), fc.jsonValue({ maxDepth: 0 })),
        object: fc.oneof(fc.record({ text: anyText }), fc.jsonValue({ maxDepth: 2 })),
        data: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.record({ text: anyText }).map((v) => JSON.stringify(v)), printable),
      }, { requiredKeys: ['noun'] }), { maxLength: 4 }).map((nouns) => ({ nouns })));
      const nounBody = fc.oneof(initBody, textBody, miscBody, endBody, multiBody);
      const bodyFor: Record<string, fc.Arbitrary<string>> = {
        'Chasitor/ChasitorInit': initBody, 'Chasitor/ChatMessage': textBody, 'Chasitor/ChatEnd': endBody, 'System/MultiNoun': multiBody,
        'Chasitor/ChasitorSneakPeek': miscBody, 'Chasitor/CustomEvent': miscBody, 'Visitor/Breadcrumb': miscBody, 'Chasitor/ChasitorResyncState': miscBody,
      };
      const body = fc.oneof(
        { weight: 2, arbitrary: fc.constant(undefined) },
        { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
        { weight: 3, arbitrary: nounBody },
        { weight: 2, arbitrary: anyText },
        { weight: 1, arbitrary: printable },
        { weight: 1, arbitrary: fc.integer({ min: MAX_BODY - 64, max: MAX_BODY * 2 }).map((n) => `{"text":"${'x'.repeat(n)}"}`) },
        { weight: 1, arbitrary: fc.integer({ min: 1, max: MAX_BODY * 2 }).map((n) => 'é'.repeat(n)) },
        { weight: 2, arbitrary: fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)) },
      );

      /** Mostly what a client would send to a noun, with a fitting body; sometimes anything anywhere. */
      const request = fc.oneof(
        {
          weight: 24,
          arbitrary: fc.constantFrom(...NOUNS).chain((n) => fc.record({
            method: fc.constant(methodOf(n)),
            path: fc.constant(n),
            payload: bodyFor[n] ? fc.oneof({ weight: 3, arbitrary: bodyFor[n] }, { weight: 1, arbitrary: body }) : body,
          })),
        },
        { weight: 1, arbitrary: fc.record({ method: fc.constant('DELETE'), path: fc.constant(`System/SessionId/${A_KEY_URI}`), payload: body }) },
        { weight: 10, arbitrary: fc.record({ method: fc.constantFrom(...METHODS), path, payload: body }) },
      );

      let runs = 0;
      await fc.assert(
        fc.asyncProperty(request, query, headers, async ({ method: m, path: p, payload }, q, h) => {
          if (!sb.engine.sessions.has(a.id)) a = await freshA();
          const hs: Record<string, string> = {};
          if (h.version !== undefined) hs['X-LIVEAGENT-API-VERSION'] = h.version;
          if (h.key !== undefined) hs['X-LIVEAGENT-SESSION-KEY'] = aimAt(h.key);
          if (h.affinity !== undefined) hs['X-LIVEAGENT-AFFINITY'] = aimAt(h.affinity);
          if (h.sequence !== undefined) hs['X-LIVEAGENT-SEQUENCE'] = h.sequence;
          if (h.contentType !== undefined) hs['Content-Type'] = h.contentType;
          if (h.accept !== undefined) hs.Accept = h.accept;
          if (h.origin !== undefined) hs.Origin = h.origin;
          const url = aimAt(`/chat/rest/${p}${q ? `?${q}` : ''}`);
          const sent = typeof payload === 'string' ? aimAt(payload) : payload;
          const what = `${m} ${url.slice(0, 200)} ${JSON.stringify(hs).slice(0, 300)} body ${String(sent).slice(0, 100)}`;
          const res = await settle(clock, sb.app.inject({ method: m as 'GET', url, headers: hs, ...(sent === undefined || m === 'GET' || m === 'HEAD' ? {} : { payload: sent }) }));
          runs++;
          checkResponse(res, what, m);
        }),
        { numRuns: 300, endOnFailure: true },
      );
      expect(runs).toBeGreaterThanOrEqual(300);
      expect(failures).toEqual([]);

      // The process still serves.
      expect((await sb.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);

      // B was not touched: same record, same log.
      await sb.engine.queue.commit();
      expect(sb.engine.sessions.get(b.id)).toBe(bSession);
      expect(JSON.stringify(bSession.record)).toBe(bRecord);
      expect(JSON.stringify(await sb.store.readEvents(b.id, 0, 100_000))).toBe(bEvents);

      // And its chat goes on: one echo, exactly once, then nothing.
      expect((await post(sb, b, 'Chasitor/ChatMessage', { text: 'after' }, 3)).statusCode).toBe(200);
      const echo = await take(sb, clock, b);
      expect(echo.statusCode).toBe(200);
      expect(echo.json<Payload>().messages).toEqual([expect.objectContaining({ type: 'ChatMessage', message: expect.objectContaining({ text: 'after' }) })]);
      const idle = await take(sb, clock, b);
      expect(idle.statusCode, idle.body).toBe(204);
      const log = await sb.store.readEvents(b.id, 0, 100_000);
      expect(log.filter((e) => e.type === 'ChatMessage' && e.data.text === 'after')).toHaveLength(1);
    } finally {
      process.off('uncaughtException', onFailure);
      process.off('unhandledRejection', onFailure);
    }
  });

  it.each([
    ['DELETE', '/chat/rest/System/SessionId/%E0%A4%A'],
    ['DELETE', '/chat/rest/System/SessionId/%zz'],
    ['GET', '/chat/rest/%zz/Messages'],
    ['GET', '/chat/rest/System/Messages?ack=%zz'],
    ['GET', '/chat/rest/Visitor/Availability?Availability.ids=%E0%A4%A'],
    ['GET', '/chat/rest/System/%00'],
    ['GET', '/chat/rest/'],
    ['GET', '/chat/rest'],
    ['POST', '/chat/rest/System/MultiNoun'],
  ])('%s %s answers a protocol status in plain text', async (method, url) => {
    const { sb, clock } = await boot();
    const v = await newVisitor(sb);
    const res = await settle(clock, sb.app.inject({ method: method as 'GET', url, headers: visitorHeaders(v), payload: method === 'POST' ? '{"nouns":"x"}' : undefined }));
    checkResponse(res, `${method} ${url}`, method);
  });

  // Found by the property above: dot segments resolve outside /chat/rest/ before the server sees the
  // path; with a Content-Type that is no media type the answer was 415, now the unknown path's 404.
  it.each(['/chat/rest/%zz/../../.?ack&ack=1&ack=2', '/chat/rest/x/../../.', '/chat/rest/../x'])('PATCH %s with Content-Type garbage answers 404', async (url) => {
    const { sb, clock } = await boot();
    const v = await newVisitor(sb);
    const res = await settle(clock, sb.app.inject({ method: 'PATCH', url, headers: visitorHeaders(v, { 'content-type': 'garbage' }), payload: '{"a":1}' }));
    checkResponse(res, `PATCH ${url}`, 'PATCH');
    expect(res.statusCode).toBe(404);
  });

  // Found by the property above: clients send any Content-Type (wire-compat.md), the body is JSON whatever it says.
  it.each(['', 'garbage', 'text', ';', 'a/b/c', 'application/json', 'text/plain', 'application/x-www-form-urlencoded'])(
    'a POST with Content-Type %j is read as JSON',
    async (contentType) => {
      const { sb } = await boot();
      const v = await newVisitor(sb);
      const headers = visitorHeaders(v, { 'content-type': contentType, 'x-liveagent-sequence': '1' });
      const body = JSON.stringify({ organizationId: DEMO_IDS.organizationId, deploymentId: DEMO_IDS.deploymentId, buttonId: DEMO_IDS.botButtonId });
      const res = await sb.app.inject({ method: 'POST', url: '/chat/rest/Chasitor/ChasitorInit', headers, payload: body });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.body).toBe('OK');
      const empty = await sb.app.inject({ method: 'POST', url: '/chat/rest/Chasitor/ChasitorTyping', headers: visitorHeaders(v, { 'content-type': contentType }) });
      expect(empty.statusCode, empty.body).toBe(200);
    },
  );
});
