/**
 * JSON nested deeper than a client ever sends is refused with 400 where it comes
 * in, and nothing of it is kept. Such a value parses, but JSON.stringify runs out
 * of stack on it: kept in a session (an unknown ChasitorInit field, a
 * ChasitorResyncState body) it ended the process at the group commit, or failed
 * every commit after it until a restart. A live server: after each refusal it
 * still serves, and its store still takes writes.
 */
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { demoConfig, request, useServer } from './harness.js';
import { Visitor, expectOk } from './visitor.js';

const SUPERVISOR = { id: '005000000000009', name: 'Sup', username: 'sup', password: 'plain:sup-password-1', role: 'supervisor' };
const server = useServer({}, {
  config: (settings) => {
    const c = demoConfig(settings) as { orgs: { agents: object[] }[] };
    c.orgs[0]!.agents.push(SUPERVISOR);
    return c;
  },
});

/** `[[[…]]]` nested `levels` deep: a few KB of text, far deeper than JSON.stringify can write back. */
const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const DEEP = deep(20_000);

async function stillServes(v: Visitor, text: string): Promise<void> {
  expect((await request(server.baseUrl, 'GET', '/readyz')).status, 'the store takes writes').toBe(200);
  await v.say(text);
  await v.awaitEchoes([text]);
}

describe('deeply nested JSON', () => {
  it('the visitor API refuses it with 400 (ChasitorInit, ChasitorResyncState, a MultiNoun part) and the session goes on', async () => {
    const v = new Visitor(server);
    await v.createSession();
    const init = JSON.stringify(v.initBody()).replace(/}$/, `,"junk":${DEEP}}`);
    const refusedInit = await v.post('Chasitor/ChasitorInit', init, { sequence: 1 });
    expect([refusedInit.status, refusedInit.text]).toEqual([400, 'Invalid request body: JSON nested deeper than 64 levels']);
    expectOk(await v.init(v.initBody(), { sequence: 2 }));
    await v.awaitEchoes([]);

    const resync = await v.post('Chasitor/ChasitorResyncState', `{"organizationId":"x","junk":${DEEP}}`);
    expect(resync.status).toBe(400);
    const multi = await v.post('System/MultiNoun', `{"nouns":[{"prefix":"Chasitor","noun":"ChatMessage","object":{"text":"hi","junk":${deep(100)}}}]}`);
    expect(multi.status).toBe(400);
    expect(multi.text).toContain('nested deeper');
    await stillServes(v, 'after the deep bodies');
  });

  it('a MultiNoun part sent as a JSON string (`data`) is refused the same way: the store still takes writes', async () => {
    const v = new Visitor(server);
    await v.createSession();
    // Nested inside a string, the request body itself is shallow: the part's own JSON must be checked.
    const init = JSON.stringify(v.initBody()).replace(/}$/, `,"junk":${DEEP}}`);
    const multi = await v.post('System/MultiNoun', { nouns: [{ prefix: 'Chasitor', noun: 'ChasitorInit', data: init }] }, { sequence: 1 });
    expect([multi.status, multi.text]).toEqual([400, 'Invalid request body: nouns[0].data: JSON nested deeper than 64 levels']);
    expectOk(await v.init(v.initBody(), { sequence: 2 }));
    await v.awaitEchoes([]);
    await stillServes(v, 'after the deep part');
  });

  it('the agent API refuses it with 400, over REST and on the stream socket', async () => {
    const login = await request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: `{"username":"sup","password":"x","junk":${DEEP}}`, headers: { 'content-type': 'application/json' } });
    expect([login.status, login.text]).toEqual([400, 'Invalid request body: JSON nested deeper than 64 levels']);
    const ok = await request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: { username: 'sup', password: 'sup-password-1' } });
    const token = (ok.json as { accessToken: string }).accessToken;
    const ws = new WebSocket(`${server.baseUrl.replace(/^http/, 'ws')}/agent/v1/stream`, { headers: { authorization: `Bearer ${token}` } });
    const replies: { type: string; ref?: unknown; ok?: boolean; error?: unknown }[] = [];
    ws.on('message', (raw: Buffer) => {
      const m = JSON.parse(raw.toString('utf8')) as (typeof replies)[number];
      if (m.type === 'reply') replies.push(m);
    });
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    ws.send(`{"action":"whisper","chatId":"nope","ref":1,"body":{"text":"x","junk":${deep(5_000)}}}`);
    for (let i = 0; i < 100 && replies.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    ws.close();
    expect(replies[0]).toMatchObject({ ref: 1, ok: false, error: 'Invalid request body: JSON nested deeper than 64 levels' });
    const v = new Visitor(server);
    await v.start();
    await stillServes(v, 'after the agent bodies');
  });
});
