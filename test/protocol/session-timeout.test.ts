/**
 * A visitor that stops polling for longer than clientPollTimeout plus the
 * grace is timed out: its chat ends and the session answers 403. A visitor
 * that keeps polling over the same time stays.
 */
import { describe, expect, it } from 'vitest';
import { OWNS_PROCESS, needsProcess, sleep, useServer } from './harness.js';
import { SESSION_GONE, Visitor, expectPlainError } from './visitor.js';

const server = useServer({ pollHoldSeconds: 0.5, clientPollTimeoutSeconds: 1, sessionGraceSeconds: 0.5 });

describe.skipIf(!OWNS_PROCESS)(needsProcess('session timeout (clientPollTimeout 1 s + grace 0.5 s)'), () => {
  it('a silent visitor is timed out (403) while a polling one stays', async () => {
    const silent = new Visitor(server);
    const polling = new Visitor(server);
    await silent.start();
    await polling.start();
    expect(silent.clientPollTimeout).toBe(1);

    // `polling` polls for 4 s (well over 1 s + 0.5 s); `silent` does nothing.
    const until = Date.now() + 4_000;
    while (Date.now() < until) {
      const res = await polling.poll();
      expect([200, 204], `a polling visitor must not time out: ${res.status} ${res.text}`).toContain(res.status);
    }

    // The silent one may still get what was pending (e.g. ChatEnded), then 403.
    let last = 0;
    for (let i = 0; i < 5; i++) {
      const res = await silent.poll();
      last = res.status;
      if (last === 403) {
        expectPlainError(res, 403, SESSION_GONE);
        break;
      }
      expect([200, 204]).toContain(last);
    }
    expect(last, 'the silent visitor was timed out').toBe(403);
    expectPlainError(await silent.post('Chasitor/ChatMessage', { text: 'too late' }), 403, SESSION_GONE);

    await polling.say('still here');
    expect(await polling.awaitEchoes(['still here'])).toEqual(['still here']);
  });

  it('a session that stopped polling before ChasitorInit is timed out too', async () => {
    const v = new Visitor(server);
    await v.createSession();
    const first = await v.poll();
    expect(first.status).toBe(204);
    await sleep(4_000);
    const res = await v.poll();
    expectPlainError(res, 403, SESSION_GONE);
  });
});
