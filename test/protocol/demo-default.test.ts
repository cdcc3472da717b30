/**
 * With no config file the server loads the demo deployment (issue 3): the
 * demo bot on 573000000000001, an agentless 573000000000002, clientPollTimeout
 * 40 and a long-poll hold of about 25 s (wire-compat: "Hold about 25 s").
 */
import { describe, expect, it } from 'vitest';
import { OWNS_PROCESS, needsProcess, sleep, useServer } from './harness.js';
import { API_VERSION, BOT_BUTTON, BOT_NAME, BOT_USER_ID, DEPLOYMENT_ID, EMPTY_BUTTON, ORG_ID, Visitor } from './visitor.js';

const server = useServer({}, { withConfig: false });

describe.skipIf(!OWNS_PROCESS)(needsProcess('demo deployment without a config file'), () => {
  it('serves the demo buttons, the demo bot and the default timings', async () => {
    const res = await server.req('GET', 'Visitor/Availability', {
      headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION },
      query: `org_id=${ORG_ID}&deployment_id=${DEPLOYMENT_ID}&Availability.ids=${BOT_BUTTON},${EMPTY_BUTTON}`,
    });
    expect(res.status, res.text).toBe(200);
    const results = (res.json as { messages: Array<{ message: { results: Array<Record<string, unknown>> } }> }).messages[0]?.message.results ?? [];
    expect(results.find((r) => r['id'] === BOT_BUTTON)?.['isAvailable']).toBe(true);
    const empty = results.find((r) => r['id'] === EMPTY_BUTTON);
    expect(empty).toBeDefined();
    expect(empty && 'isAvailable' in empty).toBe(false);

    const v = new Visitor(server);
    await v.start();
    expect(v.clientPollTimeout).toBe(40);
    const est = v.received.find((m) => m.type === 'ChatEstablished');
    expect(est?.message['name']).toBe(BOT_NAME);
    expect(est?.message['userId']).toBe(BOT_USER_ID);

    // Nothing pending: the poll is still held after 3 s (the default hold is about 25 s).
    const ac = new AbortController();
    const held = v.poll({ signal: ac.signal }).then(
      (r) => `answered ${r.status} after ${Math.round(r.ms)} ms`,
      () => 'still held',
    );
    await sleep(3_000);
    ac.abort();
    expect(await held).toBe('still held');

    await sleep(200);
    await v.say('demo echo');
    expect(await v.awaitEchoes(['demo echo'])).toEqual(['demo echo']);
  });
});
