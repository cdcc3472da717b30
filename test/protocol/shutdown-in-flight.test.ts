/**
 * SIGTERM while visitors are sending: a request that reached the server before
 * the signal is answered, not reset. Each visitor has its own keep-alive
 * connection (a mobile client's), used once before, so every POST rides an idle
 * connection the shutdown could take for unused. The POSTs are spread over the
 * 50 ms before the signal and the 50 ms after it: those sent before must all be
 * answered 200 (Connection: close); those after may be refused, but nothing
 * answered 200 is lost or doubled, and a refused one sent again after the restart
 * (same sequence) is delivered once.
 */
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { needsProcess, OWNS_PROCESS, sleep, useServer } from './harness.js';
import { API_VERSION, Visitor } from './visitor.js';

const server = useServer({ pollHoldSeconds: 20 });

interface Outcome {
  status: number;
  connection: string | undefined;
  error: string | undefined;
  sentAt: number;
}

function postOn(agent: http.Agent, v: Visitor, seq: number, text: string): Promise<Omit<Outcome, 'sentAt'>> {
  const url = new URL(`${server.baseUrl}/chat/rest/Chasitor/ChatMessage`);
  const body = JSON.stringify({ text });
  return new Promise((resolve) => {
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: { ...v.headers({ 'X-LIVEAGENT-SEQUENCE': String(seq) }), 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, error: undefined }));
      res.on('error', (err) => resolve({ status: -1, connection: undefined, error: (err as NodeJS.ErrnoException).code ?? err.message }));
    });
    req.on('error', (err) => resolve({ status: -1, connection: undefined, error: (err as NodeJS.ErrnoException).code ?? err.message }));
    req.end(body);
  });
}

/** The grace after SIGTERM in which open connections are still served (IN_FLIGHT_GRACE_MS in main.ts). */
const GRACE_MS = 250;

describe.skipIf(!OWNS_PROCESS)(needsProcess('shutdown with requests in flight'), () => {
  it('answers every request sent before SIGTERM; nothing answered 200 is lost or doubled, a refused one sent again lands once', async () => {
    const count = 40;
    const visitors = Array.from({ length: count }, () => new Visitor(server));
    await Promise.all(visitors.map((v) => v.start()));
    const agents = visitors.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    try {
      // One request per agent first: each POST below rides an idle keep-alive connection.
      await Promise.all(visitors.map((v, i) => new Promise<void>((resolve, reject) => {
        const req = http.get(`${server.baseUrl}/chat/rest/Visitor/Availability?org_id=x&deployment_id=y&Availability.ids=z`, { agent: agents[i], headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION } }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        });
        req.on('error', reject);
      })));

      // Half the POSTs in the 50 ms before the signal; the rest from the signal to 100 ms past the grace.
      const sequences = visitors.map((v) => v.sentSequence + 1);
      const texts = visitors.map((_, i) => `in flight ${i}`);
      const half = count / 2;
      const start = performance.now();
      const signalAt = start + 50;
      const sendAt = (i: number): number => (i < half ? start + (i * 48) / half : signalAt + ((i - half) * (GRACE_MS + 100)) / half);
      const outcomes: Promise<Outcome>[] = [];
      let stopped: ReturnType<typeof server.stop> | undefined;
      let signalled = Number.POSITIVE_INFINITY;
      for (let i = 0; i < count; i++) {
        const at = sendAt(i);
        if (!stopped && at >= signalAt) {
          signalled = performance.now();
          stopped = server.stop();
        }
        const wait = at - performance.now();
        if (wait > 0) await sleep(wait);
        const sentAt = performance.now();
        outcomes.push(postOn(agents[i]!, visitors[i]!, sequences[i]!, texts[i]!).then((o) => ({ ...o, sentAt })));
      }
      stopped ??= server.stop();
      const results = await Promise.all(outcomes);
      const exit = await stopped;
      expect(exit.code, server.logTail).toBe(0);
      expect(exit.ms, 'exits within 10 s of SIGTERM').toBeLessThan(10_000);
      const summary = results.map((r, i) => `${i}@${Math.round(r.sentAt - signalled)}ms:${r.status}${r.error ? `/${r.error}` : ''}`).join(' ');

      for (const [i, r] of results.entries()) {
        if (r.sentAt < signalled) {
          expect(r.status, `POST ${i}, sent before SIGTERM, is answered 200 (${summary})`).toBe(200);
        }
        if (r.status === 200 && r.sentAt > signalled) expect(r.connection, `an answer after SIGTERM closes its connection (${summary})`).toBe('close');
        if (r.status !== 200) expect(r.status, `POST ${i} is answered 200 or not at all (${summary})`).toBe(-1);
      }
      // Sent in the grace: served, not reset (the 20 ms margin keeps this off the grace's edge).
      for (const [i, r] of results.entries()) {
        if (r.sentAt > signalled && r.sentAt < signalled + GRACE_MS - 20) expect(r.status, `POST ${i}, sent within the grace, is answered (${summary})`).toBe(200);
      }

      // After a restart: what was answered 200 is echoed once; what was refused is sent again,
      // with the same sequence, and echoed once too.
      await server.start();
      for (const [i, v] of visitors.entries()) {
        if (results[i]!.status !== 200) {
          const res = await v.post('Chasitor/ChatMessage', { text: texts[i] }, { sequence: sequences[i]! });
          expect(res.status, `resent POST ${i}: ${res.text}`).toBe(200);
        }
      }
      await Promise.all(visitors.map(async (v, i) => {
        await v.awaitEchoes([texts[i]!]);
        await v.expectNoMore();
        expect(v.echoes(), `visitor ${i}`).toEqual([texts[i]]);
      }));
    } finally {
      for (const a of agents) a.destroy();
    }
  });
});
