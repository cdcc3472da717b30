/**
 * Quick texts through inject() (ADR 0047, ADR 0059): admins manage the org's stored ones beside
 * the config file's (read-only), every agent its own, and GET /agent/v1/quick-texts answers
 * the three kinds, each marked by `source`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { demoOrg } from '../../config/demo-deployment.js';
import { validateConfig } from '../../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../../main.js';
import { MAX_OWN_QUICK_TEXTS, type QuickText } from '../../protocol/agent-api-types.js';

let running: Switchboard[] = [];
let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

const MAX_MESSAGE = 300;

async function boot(storage: Record<string, unknown> = { kind: 'memory' }, dataDir?: string) {
  const config = validateConfig({ storage, ...(dataDir ? { server: { dataDir } } : {}), settings: { maxMessageLength: MAX_MESSAGE }, orgs: [structuredClone(demoOrg)] }, 'test');
  const sb = await createSwitchboard(config, { ...(storage.kind === 'memory' ? { store: new MemoryChatStore() } : {}), logger: pino({ level: 'silent' }) });
  running.push(sb);
  return sb;
}

async function login(sb: Switchboard, username: string) {
  const res = await sb.app.inject({ method: 'POST', url: '/agent/v1/auth/login', payload: { username, password: `${username}-demo` } });
  const token = res.json<{ accessToken: string }>().accessToken;
  return (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    sb.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
}

const CONFIG_IDS = demoOrg.quickTexts.map((q) => q.id);

describe('org quick texts (admin)', () => {
  it('lists the config file’s as read-only and adds, changes and deletes stored ones', async () => {
    const sb = await boot();
    const admin = await login(sb, 'admin');
    const agent = await login(sb, 'agent');
    const listed = (await admin('GET', '/agent/v1/admin/quick-texts')).json<QuickText[]>();
    expect(listed.map((q) => [q.id, q.source])).toEqual(CONFIG_IDS.map((id) => [id, 'config']));

    const made = await admin('POST', '/agent/v1/admin/quick-texts', { title: '  Returns  ', text: 'Returns are free within 30 days.' });
    expect(made.statusCode, made.body).toBe(200);
    const q = made.json<QuickText>();
    expect(q).toMatchObject({ title: 'Returns', text: 'Returns are free within 30 days.', skills: [], source: 'org' });
    expect(q.id).toMatch(/^qt_/);
    const sales = (await admin('POST', '/agent/v1/admin/quick-texts', { title: 'Sales only', text: 'Our prices', skills: ['sales'] })).json<QuickText>();

    // The agent (skill support) gets the config ones, then the org one for everyone, not the sales one.
    const usable = (await agent('GET', '/agent/v1/quick-texts')).json<QuickText[]>();
    expect(usable.map((u) => [u.id, u.source])).toEqual([...CONFIG_IDS.map((id) => [id, 'config']), [q.id, 'org']]);
    expect((await admin('GET', '/agent/v1/admin/quick-texts')).json<QuickText[]>().map((u) => u.id)).toEqual([...CONFIG_IDS, q.id, sales.id]);

    const changed = await admin('PATCH', `/agent/v1/admin/quick-texts/${sales.id}`, { skills: [] , text: 'Our prices are on the website.' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toEqual({ id: sales.id, title: 'Sales only', text: 'Our prices are on the website.', skills: [], source: 'org' });
    expect((await agent('GET', '/agent/v1/quick-texts')).json<QuickText[]>().map((u) => u.id)).toContain(sales.id);

    expect((await admin('DELETE', `/agent/v1/admin/quick-texts/${q.id}`)).json()).toEqual({ ok: true });
    expect((await admin('DELETE', `/agent/v1/admin/quick-texts/${q.id}`)).statusCode).toBe(404);
    expect((await agent('GET', '/agent/v1/quick-texts')).json<QuickText[]>().map((u) => u.id)).toEqual([...CONFIG_IDS, sales.id]);
  });

  it('refuses to change or delete a config quick text with QUICK_TEXT_IN_CONFIG', async () => {
    const sb = await boot();
    const admin = await login(sb, 'admin');
    for (const res of [await admin('PATCH', '/agent/v1/admin/quick-texts/greeting', { title: 'Hi' }), await admin('DELETE', '/agent/v1/admin/quick-texts/greeting')]) {
      expect(res.statusCode).toBe(409);
      expect(res.body).toMatch(/^Quick text is set in the config file: greeting is in orgs\[\]\.quickTexts/);
    }
    expect((await admin('GET', '/agent/v1/admin/quick-texts')).json<QuickText[]>()[0]).toMatchObject({ id: 'greeting', title: 'Greeting' });
  });

  it('validates as the config file does and is for admins only', async () => {
    const sb = await boot();
    const admin = await login(sb, 'admin');
    const bad = [
      { title: '   ', text: 'x' },
      { title: 'T', text: ' \n ' },
      { title: 'x'.repeat(81), text: 'x' },
      { title: 'T', text: 'x'.repeat(MAX_MESSAGE + 1) },
      { title: 'T', text: 'x', skills: [' support'] },
      { title: 'T' },
    ];
    for (const body of bad) expect((await admin('POST', '/agent/v1/admin/quick-texts', body)).statusCode, JSON.stringify(body)).toBe(400);
    expect((await admin('POST', '/agent/v1/admin/quick-texts', { title: 'T', text: 'x'.repeat(MAX_MESSAGE) })).statusCode).toBe(200);
    for (const user of ['agent', 'supervisor']) {
      const call = await login(sb, user);
      expect((await call('GET', '/agent/v1/admin/quick-texts')).statusCode).toBe(403);
      expect((await call('POST', '/agent/v1/admin/quick-texts', { title: 'T', text: 'x' })).statusCode).toBe(403);
    }
  });
});

describe('an agent’s own quick texts', () => {
  it('are seen by their owner only, and only the owner changes them', async () => {
    const sb = await boot();
    const agent = await login(sb, 'agent');
    const supervisor = await login(sb, 'supervisor');
    const admin = await login(sb, 'admin');
    const made = await agent('POST', '/agent/v1/me/quick-texts', { title: 'My sign-off', text: 'Cheers, {{agent.name}}' });
    expect(made.statusCode, made.body).toBe(200);
    const mine = made.json<QuickText>();
    expect(mine).toMatchObject({ title: 'My sign-off', skills: [], source: 'personal' });
    expect((await agent('GET', '/agent/v1/me/quick-texts')).json()).toEqual([mine]);
    expect((await agent('GET', '/agent/v1/quick-texts')).json<QuickText[]>().at(-1)).toEqual(mine);

    expect((await supervisor('GET', '/agent/v1/me/quick-texts')).json()).toEqual([]);
    expect((await supervisor('GET', '/agent/v1/quick-texts')).json<QuickText[]>().map((q) => q.id)).not.toContain(mine.id);
    expect((await admin('GET', '/agent/v1/admin/quick-texts')).json<QuickText[]>().map((q) => q.id)).not.toContain(mine.id);
    expect((await supervisor('PATCH', `/agent/v1/me/quick-texts/${mine.id}`, { title: 'Mine now' })).statusCode).toBe(404);
    expect((await supervisor('DELETE', `/agent/v1/me/quick-texts/${mine.id}`)).statusCode).toBe(404);
    expect((await admin('DELETE', `/agent/v1/admin/quick-texts/${mine.id}`)).statusCode).toBe(404);
    // Nor does /me reach the org's or the config file's.
    expect((await agent('DELETE', '/agent/v1/me/quick-texts/greeting')).statusCode).toBe(404);

    const edited = await agent('PATCH', `/agent/v1/me/quick-texts/${mine.id}`, { text: 'Bye!' });
    expect(edited.json()).toEqual({ ...mine, text: 'Bye!' });
    expect((await agent('PATCH', `/agent/v1/me/quick-texts/${mine.id}`, { title: ' ' })).statusCode).toBe(400);
    expect((await agent('PATCH', `/agent/v1/me/quick-texts/${mine.id}`, {})).statusCode).toBe(400);
    expect((await agent('DELETE', `/agent/v1/me/quick-texts/${mine.id}`)).json()).toEqual({ ok: true });
    expect((await agent('GET', '/agent/v1/me/quick-texts')).json()).toEqual([]);
  });

  it(`stops at ${MAX_OWN_QUICK_TEXTS} per agent with QUICK_TEXT_LIMIT`, async () => {
    const sb = await boot();
    const agent = await login(sb, 'agent');
    const supervisor = await login(sb, 'supervisor');
    for (let i = 0; i < MAX_OWN_QUICK_TEXTS; i++) expect((await agent('POST', '/agent/v1/me/quick-texts', { title: `T${i}`, text: `text ${i}` })).statusCode).toBe(200);
    const over = await agent('POST', '/agent/v1/me/quick-texts', { title: 'One more', text: 'x' });
    expect(over.statusCode).toBe(409);
    expect(over.body).toMatch(/^Too many quick texts: you have 200 quick texts of your own/);
    // The limit is each agent's.
    expect((await supervisor('POST', '/agent/v1/me/quick-texts', { title: 'Mine', text: 'x' })).statusCode).toBe(200);
  });

  it('keeps stored quick texts across a restart on SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-quick-texts-'));
    dirs.push(dir);
    const storage = { kind: 'sqlite' };
    const first = await boot(storage, dir);
    const org = (await (await login(first, 'admin'))('POST', '/agent/v1/admin/quick-texts', { title: 'Org', text: 'For all' })).json<QuickText>();
    const own = (await (await login(first, 'agent'))('POST', '/agent/v1/me/quick-texts', { title: 'Own', text: 'Mine' })).json<QuickText>();
    const before = (await (await login(first, 'agent'))('GET', '/agent/v1/quick-texts')).json<QuickText[]>();
    await first.stop();
    running = running.filter((s) => s !== first);
    const second = await boot(storage, dir);
    const after = (await (await login(second, 'agent'))('GET', '/agent/v1/quick-texts')).json<QuickText[]>();
    expect(after).toEqual(before);
    expect(after.slice(-2)).toEqual([org, own]);
  });
});
