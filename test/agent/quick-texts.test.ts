/**
 * GET /agent/v1/quick-texts through the full request path (fastify inject, a real
 * server on the memory store): each caller gets the quick texts of its own org meant
 * for everyone or for one of its skills, as the skills are now (after an admin changed
 * them), and nothing without a credential.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryChatStore } from '../../src/adapters/memory/memory-chat-store.js';
import { validateConfig } from '../../src/config/load-config.js';
import { createSwitchboard } from '../../src/main.js';

const ORG = '00D0000000000Q1';
const OTHER_ORG = '00D0000000000Q2';

const config = validateConfig({
  storage: { kind: 'memory' }, server: { host: '127.0.0.1', port: 0 },
  orgs: [
    {
      id: ORG,
      agents: [
        { id: '0050000000000Q1', name: 'Sally Support', username: 'sally', password: 'plain:sally-secret', skills: ['support'] },
        { id: '0050000000000Q2', name: 'Sid Sales', username: 'sid', password: 'plain:sid-secret', skills: ['sales'] },
        { id: '0050000000000Q3', name: 'Ann Admin', username: 'ann', password: 'plain:ann-secret', role: 'admin', skills: [] },
      ],
      quickTexts: [
        { id: 'hello', title: 'Hello', text: 'Hello {{visitor.name}}!' },
        { id: 'order', title: 'Order number', text: 'Your order number, please?', skills: ['support'] },
        { id: 'pricing', title: 'Pricing', text: '<b>Prices</b> & terms: see the price list.', skills: ['sales', 'billing'] },
      ],
    },
    {
      id: OTHER_ORG,
      agents: [
        { id: '0050000000000Q9', name: 'Olga Other', username: 'olga', password: 'plain:olga-secret', skills: ['support'] },
        { id: '0050000000000Q8', name: 'Oscar Other', username: 'oscar', password: 'plain:oscar-secret', role: 'admin', skills: [] },
      ],
      quickTexts: [{ id: 'hello', title: 'Hallo', text: 'Hallo!' }],
    },
  ],
}, 'test');

let sb: Awaited<ReturnType<typeof createSwitchboard>>;
beforeAll(async () => { sb = await createSwitchboard(config, { store: new MemoryChatStore(), logger: pino({ level: 'silent' }) }); await sb.app.ready(); });
afterAll(async () => { await sb.stop(); });

async function tokenOf(username: string): Promise<string> {
  const res = await sb.app.inject({ method: 'POST', url: '/agent/v1/auth/login', payload: { username, password: `${username}-secret` } });
  expect(res.statusCode).toBe(200);
  return res.json<{ accessToken: string }>().accessToken;
}

async function quickTexts(token: string): Promise<{ id: string; title: string; text: string; skills: string[]; source: string }[]> {
  const res = await sb.app.inject({ method: 'GET', url: '/agent/v1/quick-texts', headers: { authorization: `Bearer ${token}` } });
  expect(res.statusCode).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  return res.json();
}

describe('agent API: GET /agent/v1/quick-texts', () => {
  it('gives an agent the org\'s quick texts for everyone and for its skills, in the file\'s order, text as configured', async () => {
    expect(await quickTexts(await tokenOf('sally'))).toEqual([
      { id: 'hello', title: 'Hello', text: 'Hello {{visitor.name}}!', skills: [], source: 'config' },
      { id: 'order', title: 'Order number', text: 'Your order number, please?', skills: ['support'], source: 'config' },
    ]);
    // Plain text, sent as configured: not HTML-escaped, not substituted on the server.
    expect((await quickTexts(await tokenOf('sid'))).map((q) => q.text)).toEqual(['Hello {{visitor.name}}!', '<b>Prices</b> & terms: see the price list.']);
  });

  it('gives an agent without a matching skill only those for everyone, and never another org\'s', async () => {
    expect((await quickTexts(await tokenOf('ann'))).map((q) => q.id)).toEqual(['hello']);
    expect(await quickTexts(await tokenOf('olga'))).toEqual([{ id: 'hello', title: 'Hallo', text: 'Hallo!', skills: [], source: 'config' }]);
  });

  it('follows skills an admin changed, without a new login', async () => {
    const sid = await tokenOf('sid');
    const ann = await tokenOf('ann');
    const patched = await sb.app.inject({ method: 'PATCH', url: '/agent/v1/admin/users/0050000000000Q2', headers: { authorization: `Bearer ${ann}` }, payload: { skills: ['support'] } });
    expect(patched.statusCode).toBe(200);
    expect((await quickTexts(sid)).map((q) => q.id)).toEqual(['hello', 'order']);
  });

  it('adds the org\'s stored ones after the file\'s, by the same skill rule, and never to another org (ADR 0059)', async () => {
    const ann = await tokenOf('ann');
    const add = async (body: object) => {
      const res = await sb.app.inject({ method: 'POST', url: '/agent/v1/admin/quick-texts', headers: { authorization: `Bearer ${ann}` }, payload: body });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ id: string }>().id;
    };
    const all = await add({ title: 'Holidays', text: 'We are closed on holidays.' });
    const billing = await add({ title: 'Invoice', text: 'Your invoice is in your account.', skills: ['billing'] });
    const sally = await quickTexts(await tokenOf('sally'));
    expect(sally.map((q) => [q.id, q.source])).toEqual([['hello', 'config'], ['order', 'config'], [all, 'org']]);
    expect((await quickTexts(await tokenOf('olga'))).map((q) => q.id)).toEqual(['hello']);
    // Another org's admin neither lists nor changes them.
    const oscar = await tokenOf('oscar');
    const theirs = await sb.app.inject({ method: 'GET', url: '/agent/v1/admin/quick-texts', headers: { authorization: `Bearer ${oscar}` } });
    expect(theirs.json<{ id: string }[]>().map((q) => q.id)).toEqual(['hello']);
    for (const method of ['PATCH', 'DELETE'] as const) {
      const res = await sb.app.inject({ method, url: `/agent/v1/admin/quick-texts/${all}`, headers: { authorization: `Bearer ${oscar}` }, ...(method === 'PATCH' ? { payload: { title: 'Mine' } } : {}) });
      expect(res.statusCode, method).toBe(404);
    }
    for (const id of [all, billing]) {
      const del = await sb.app.inject({ method: 'DELETE', url: `/agent/v1/admin/quick-texts/${id}`, headers: { authorization: `Bearer ${ann}` } });
      expect(del.statusCode).toBe(200);
    }
  });

  it('answers 401 without a credential', async () => {
    const res = await sb.app.inject({ method: 'GET', url: '/agent/v1/quick-texts' });
    expect(res.statusCode).toBe(401);
  });
});
