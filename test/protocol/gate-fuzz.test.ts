/**
 * Property test of the request gate: random methods, paths, headers, query
 * strings and bodies never get a 500, never crash the server, and never
 * change a session they do not name.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { useServer } from './harness.js';
import { API_VERSION, Visitor } from './visitor.js';

const server = useServer({ pollHoldSeconds: 0.2 });

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const nouns = [
  'System/SessionId',
  'System/Messages',
  'System/MultiNoun',
  'System/ResyncSession',
  'System/ReconnectSession',
  'Chasitor/ChasitorInit',
  'Chasitor/ChatMessage',
  'Chasitor/ChatEnd',
  'Chasitor/ChasitorTyping',
  'Chasitor/ChasitorNotTyping',
  'Chasitor/ChasitorSneakPeek',
  'Chasitor/CustomEvent',
  'Chasitor/ChasitorResyncState',
  'Visitor/Availability',
  'Visitor/Settings',
  'Visitor/Breadcrumb',
  'Visitor/VisitorId',
];

it('random requests: never 500, never a crash, never a change to another session', async () => {
  const victim = new Visitor(server);
  await victim.start();
  const target = new Visitor(server);
  await target.start();

  const path = fc.oneof(
    fc.constantFrom(...nouns),
    fc.constantFrom(...nouns).chain((n) => printable.map((s) => `${n}/${encodeURIComponent(s)}`)),
    fc.array(printable, { minLength: 1, maxLength: 3 }).map((segs) => segs.map(encodeURIComponent).join('/')),
  );
  const optionalHeader = (arb: fc.Arbitrary<string>): fc.Arbitrary<string | undefined> => fc.option(arb, { nil: undefined });
  const headers = fc.record({
    version: optionalHeader(fc.oneof(fc.constantFrom(API_VERSION, '42.0', '57', '', '0', '-1', '1e400', 'NaN', '34abc'), printable)),
    affinity: optionalHeader(fc.oneof(fc.constantFrom(target.affinity, 'null', '', '00000000'), printable)),
    key: optionalHeader(fc.oneof(fc.constantFrom(target.key, `${target.key}x`, '!!', ''), printable)),
    sequence: optionalHeader(fc.oneof(fc.integer({ min: -5, max: 1_000_000 }).map(String), printable)),
    contentType: optionalHeader(fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', '')),
    accept: optionalHeader(fc.constantFrom('content/json', '*/*', 'text/html', '')),
  });
  const body = fc.oneof(
    fc.constant(undefined),
    fc.json({ maxDepth: 3 }),
    printable,
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify({ text: v, nouns: [{ prefix: 'Chasitor', noun: 'ChatMessage', object: v }] })),
    fc.uint8Array({ maxLength: 64 }),
  );
  const query = fc.oneof(
    fc.constant(''),
    fc.dictionary(printable, printable, { maxKeys: 4 }).map((d) => new URLSearchParams(d).toString()),
    printable.map(encodeURI),
  );

  let count = 0;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), path, headers, body, query, async (method, p, h, b, q) => {
      const hs: Record<string, string> = {};
      if (h.version !== undefined) hs['X-LIVEAGENT-API-VERSION'] = h.version;
      if (h.affinity !== undefined) hs['X-LIVEAGENT-AFFINITY'] = h.affinity;
      if (h.key !== undefined) hs['X-LIVEAGENT-SESSION-KEY'] = h.key;
      if (h.sequence !== undefined) hs['X-LIVEAGENT-SEQUENCE'] = h.sequence;
      if (h.contentType !== undefined) hs['Content-Type'] = h.contentType;
      if (h.accept !== undefined) hs['Accept'] = h.accept;
      const res = await server.req(method, p, { headers: hs, body: method === 'GET' ? undefined : b, query: q || undefined, timeoutMs: 10_000 });
      count++;
      expect(res.status, `${method} ${p}?${q} ${JSON.stringify(hs)} → ${res.status} ${res.text.slice(0, 200)}`).not.toBe(500);
      expect(res.status < 500 || res.status === 503, `${method} ${p} → ${res.status}`).toBe(true);
    }),
    { numRuns: 150, interruptAfterTimeLimit: 40_000 },
  );
  expect(count).toBeGreaterThan(50);

  // Still serving, and the victim saw nothing of it.
  const sid = await server.req('GET', 'System/SessionId', { headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION, 'X-LIVEAGENT-AFFINITY': 'null' } });
  expect(sid.status).toBe(200);
  const before = victim.received.length;
  await victim.expectNoMore();
  expect(victim.received.length).toBe(before);
  await victim.say('victim untouched');
  expect(await victim.awaitEchoes(['victim untouched'])).toEqual(['victim untouched']);
});
