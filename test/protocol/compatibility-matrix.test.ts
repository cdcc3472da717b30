/**
 * Rows of docs/compatibility.md that had no black-box test of their own: the
 * quoted version header, nouns before ChasitorInit, an unknown deployment,
 * breadcrumbs staying on the agent side, and ReconnectSession without an offset.
 */
import { describe, expect, it } from 'vitest';
import { sleep, useServer } from './harness.js';
import { API_VERSION, DEPLOYMENT_ID, INVALID_AFFINITY, ORG_ID, Visitor, expectOk, expectPlainError } from './visitor.js';

const server = useServer();

async function chat(): Promise<Visitor> {
  const v = new Visitor(server);
  await v.start();
  return v;
}

describe.concurrent('transport rows', () => {
  it('a version header sent as a JSON string ("34", quotes included) is accepted', async () => {
    const res = await server.req('GET', 'System/SessionId', { headers: { 'X-LIVEAGENT-API-VERSION': '"34"', 'X-LIVEAGENT-AFFINITY': 'null' } });
    expect(res.status, res.text).toBe(200);
    expect((res.json as Record<string, unknown>)['clientPollTimeout']).toBeTypeOf('number');
  });
});

describe.concurrent('nouns before ChasitorInit', () => {
  it('typing is accepted and does nothing; ChatMessage and CustomEvent are 400 CHAT_NOT_STARTED; the chat can still start', async () => {
    const v = new Visitor(server);
    await v.createSession();
    expectOk(await v.post('Chasitor/ChasitorTyping', {}, { sequence: null }), 'ChasitorTyping before ChasitorInit');
    expectOk(await v.post('Chasitor/ChasitorNotTyping', {}, { sequence: null }), 'ChasitorNotTyping before ChasitorInit');
    expectPlainError(await v.post('Chasitor/ChatMessage', { text: 'too early' }, { sequence: null }), 400, 'No chat in this session');
    expectPlainError(await v.post('Chasitor/CustomEvent', { type: 't', data: 'd' }, { sequence: null }), 400, 'No chat in this session');
    expectOk(await v.init(), 'ChasitorInit after the refusals');
    await v.waitFor('ChatEstablished');
    await v.say('now');
    expect(await v.awaitEchoes(['now'])).toEqual(['now']);
    expect(v.texts()).not.toContain('too early');
  });

  it('an unknown organization, deployment or button is 400 (not ChatRequestFail) and the session can init again', async () => {
    const v = new Visitor(server);
    await v.createSession();
    for (const patch of [{ organizationId: '00D000000000009' }, { deploymentId: '572000000000009' }, { buttonId: '573000000000009' }]) {
      const res = await v.init(v.initBody(undefined, patch), { sequence: null });
      expectPlainError(res, 400, 'Unknown organization, deployment or button', JSON.stringify(patch));
    }
    expectOk(await v.init(v.initBody(undefined, { organizationId: ORG_ID, deploymentId: DEPLOYMENT_ID })), 'a good ChasitorInit');
    const first = await v.poll();
    expect(first.messages[0]?.type, first.text).toBe('ChatRequestSuccess');
  });
});

describe.concurrent('agent-side only events', () => {
  it('a Breadcrumb in a chat is not delivered to the visitor (NewVisitorBreadcrumb is for the agent)', async () => {
    const v = await chat();
    expectOk(await server.req('POST', 'Visitor/Breadcrumb', { headers: v.headers(), body: { location: 'https://shop.example/cart' } }), 'Breadcrumb');
    await v.say('after crumb');
    await v.awaitEchoes(['after crumb']);
    await v.expectNoMore();
    expect(v.received.map((m) => m.type)).not.toContain('NewVisitorBreadcrumb');
  });
});

describe.concurrent('ReconnectSession without an offset', () => {
  it('leaves the cursor alone: what was pending arrives once, nothing delivered is repeated', async () => {
    const v = await chat();
    await v.say('n1');
    await v.awaitEchoes(['n1']);
    await v.say('n2');
    await sleep(300);

    const real = v.affinity;
    v.affinity = real === 'deadbeef' ? 'feedface' : 'deadbeef';
    expectPlainError(await v.poll(), 503, INVALID_AFFINITY);
    const res = await server.req('GET', 'System/ReconnectSession', {
      headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION, 'X-LIVEAGENT-AFFINITY': 'null', 'X-LIVEAGENT-SESSION-KEY': v.key },
    });
    expect(res.status, res.text).toBe(200);
    const body = res.json as { messages?: Array<{ type?: string; message?: Record<string, unknown> }> };
    expect(body.messages?.[0]?.type).toBe('ReconnectSession');
    expect(body.messages?.[0]?.message?.['resetSequence']).toBe(false);
    v.affinity = String(body.messages?.[0]?.message?.['affinityToken']);
    expect(v.affinity).toBe(real);

    await v.pollUntil((all) => all.some((m) => m.type === 'ChatMessage' && m.message['text'] === 'n2'), 'n2 after reconnect', 10_000);
    await v.expectNoMore();
    expect(v.echoes()).toEqual(['n1', 'n2']);
  });
});
