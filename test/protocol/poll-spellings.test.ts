/**
 * The long poll answers the same whichever way the noun is spelled. Switchboard
 * answers `GET /chat/rest/System/Messages` (the guide's spelling, what clients
 * send) on a path in front of its web framework, and every other spelling
 * through the framework like any other noun (ADR 0014): here both ways are asked
 * the same questions and must give the same status, headers and body.
 */
import { describe, expect, it } from 'vitest';
import { OWNS_PROCESS, needsProcess, sleep, useServer, type Res } from './harness.js';
import { Visitor } from './visitor.js';

const server = useServer({ pollHoldSeconds: 1 });
const GUIDE = 'System/Messages';
const OTHER = 'system/messages';

/** Headers as a sorted list, without the ones that differ by the clock. */
function headerList(res: Res): [string, string][] {
  return [...res.headers.entries()].filter(([name]) => name !== 'date').sort(([a], [b]) => a.localeCompare(b));
}

function expectSameAnswer(a: Res, b: Res, what: string): void {
  expect(b.status, `${what}: status`).toBe(a.status);
  expect(b.text, `${what}: body`).toBe(a.text);
  expect(headerList(b), `${what}: headers`).toEqual(headerList(a));
}

async function pollAs(v: Visitor, path: string, extra: Record<string, string> = {}, query: Record<string, string | number> = { ack: -1 }): Promise<Res> {
  return server.req('GET', path, { headers: v.headers(extra), query, timeoutMs: 20_000 });
}

describe.skipIf(!OWNS_PROCESS).concurrent('the poll in every spelling', () => {
  it(needsProcess('an empty hold: 204, no body, the same headers'), async () => {
    const [a, b] = [new Visitor(server), new Visitor(server)];
    await Promise.all([a.createSession(), b.createSession()]);
    const [ra, rb] = await Promise.all([pollAs(a, GUIDE), pollAs(b, OTHER)]);
    expect(ra.status).toBe(204);
    expectSameAnswer(ra, rb, '204');
  });

  it(needsProcess('a payload: 200 JSON with the same headers and shape'), async () => {
    const [a, b] = [new Visitor(server), new Visitor(server)];
    await Promise.all([a.createSession(), b.createSession()]);
    await Promise.all([a.init(), b.init()]);
    const [ra, rb] = await Promise.all([pollAs(a, GUIDE), pollAs(b, OTHER)]);
    expect(ra.status, ra.text).toBe(200);
    expect(rb.status, rb.text).toBe(200);
    // Bodies differ only in values (ids, the wait estimate that the first chat changes): same keys and types.
    const shape = (r: Res) => JSON.stringify(r.json, (_k, v: unknown) => (typeof v === 'string' ? 's' : typeof v === 'number' ? 0 : v));
    expect(shape(rb)).toBe(shape(ra));
    expect(headerList(rb).filter(([n]) => n !== 'content-length')).toEqual(headerList(ra).filter(([n]) => n !== 'content-length'));
    expect(rb.headers.get('content-type')).toBe('application/json; charset=utf-8');
  });

  it(needsProcess('errors: unknown session, missing or unsupported version, bad affinity, with and without an Origin'), async () => {
    const v = new Visitor(server);
    await v.createSession();
    const cases: [string, Record<string, string>][] = [
      ['unknown session key', { 'X-LIVEAGENT-SESSION-KEY': 'nope!1!x' }],
      ['no version header', { 'X-LIVEAGENT-API-VERSION': '' }],
      ['unsupported version', { 'X-LIVEAGENT-API-VERSION': '9' }],
      ['wrong affinity', { 'X-LIVEAGENT-AFFINITY': 'ffffffff' }],
      ['unknown session, cross-origin', { 'X-LIVEAGENT-SESSION-KEY': 'nope!1!x', Origin: 'https://shop.example' }],
    ];
    for (const [what, extra] of cases) {
      const [ra, rb] = [await pollAs(v, GUIDE, extra), await pollAs(v, OTHER, extra)];
      expect(ra.status, `${what}: ${ra.text}`).toBeGreaterThanOrEqual(400);
      expectSameAnswer(ra, rb, what);
    }
    // Refused polls leave the session as it was: both spellings still hold and answer it.
    for (const path of [GUIDE, OTHER]) {
      const after = await pollAs(v, path);
      expect(after.status, `${path} after the errors: ${after.text}`).toBe(204);
    }
  });

  it(needsProcess('a poll replaced by a newer one answers 409 the same way'), async () => {
    const answers: Res[] = [];
    for (const [first, second] of [[GUIDE, OTHER], [OTHER, GUIDE]] as const) {
      // The older poll must still be held when the newer one arrives: on a loaded machine the
      // 200 ms gap can stretch past the 1 s hold (the older then ends 204 and nothing is replaced),
      // so such a trial is made again, at most three times; a server that never answers 409 fails.
      let older: Res | null = null;
      for (let trial = 0; trial < 3 && older?.status !== 409; trial++) {
        const v = new Visitor(server);
        await v.createSession();
        const olderPoll = pollAs(v, first);
        await sleep(200);
        const newer = pollAs(v, second);
        older = await olderPoll;
        if (older.status === 409) expect((await newer).status).toBe(204);
        else await newer;
      }
      answers.push(older!);
    }
    expect(answers[0]!.status, answers[0]!.text).toBe(409);
    expectSameAnswer(answers[0]!, answers[1]!, '409');
  });

  it(needsProcess('a cross-origin payload carries the same CORS headers'), async () => {
    const [a, b] = [new Visitor(server), new Visitor(server)];
    await Promise.all([a.createSession(), b.createSession()]);
    const origin = { Origin: 'https://shop.example' };
    const [ra, rb] = await Promise.all([pollAs(a, GUIDE, origin), pollAs(b, OTHER, origin)]);
    expect(ra.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(ra.headers.get('access-control-allow-credentials')).toBe('true');
    expectSameAnswer(ra, rb, '204 cross-origin');
  });
});
