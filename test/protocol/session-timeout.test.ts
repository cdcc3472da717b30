/**
 * A visitor that stops polling for longer than clientPollTimeout plus the
 * grace is timed out: its chat ends and the session answers 403. A visitor
 * that keeps polling over the same time stays.
 */
import { describe, expect, it } from 'vitest';
import { OWNS_PROCESS, needsProcess, useServer } from './harness.js';
import { SESSION_GONE, Visitor, expectPlainError } from './visitor.js';

const server = useServer({ pollHoldSeconds: 0.5, clientPollTimeoutSeconds: 1, sessionGraceSeconds: 0.5 });

describe.skipIf(!OWNS_PROCESS)(needsProcess('session timeout (clientPollTimeout 1 s + grace 0.5 s)'), () => {
  it('a silent visitor is timed out (403), before or after ChasitorInit, while a polling one stays', async () => {
    const silent = new Visitor(server);
    const polling = new Visitor(server);
    const neverInit = new Visitor(server);
    await silent.start();
    await polling.start();
    await neverInit.createSession();
    expect(silent.clientPollTimeout).toBe(1);
    expect((await neverInit.poll()).status).toBe(204);

    // `polling` polls for 3.5 s (well over 1 s + 0.5 s); the others do nothing.
    const until = Date.now() + 3_500;
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
    // A session that never sent ChasitorInit ends the same way (the guide: the session ends after a system timeout).
    expectPlainError(await neverInit.poll(), 403, SESSION_GONE);

    await polling.say('still here');
    expect(await polling.awaitEchoes(['still here'])).toEqual(['still here']);
  });
});
