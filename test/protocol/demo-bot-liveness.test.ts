/**
 * The demo bot outlives the server's stream pings: its in-process socket answers
 * them, so it is not cut as a half-open connection (it was, two ping intervals
 * after start: every later chat waited on a bot that could no longer see offers,
 * while Availability still said yes). Pings every 0.2 s here instead of 30 s.
 */
import { describe, expect, it } from 'vitest';
import { OWNS_PROCESS, needsProcess, sleep, useServer } from './harness.js';
import { Visitor } from './visitor.js';

const server = useServer({ agentStreamPingSeconds: 0.2 });

describe.skipIf(!OWNS_PROCESS)(needsProcess('demo bot and stream pings'), () => {
  it('still greets and echoes after many ping intervals', async () => {
    await sleep(2_000); // ten ping intervals: an unanswered socket is cut after two
    const v = new Visitor(server);
    await v.start();
    await v.say('still there?');
    expect(await v.awaitEchoes(['still there?'])).toEqual(['still there?']);
  });
});
