/**
 * Config users across a real restart on SQLite, as an operator sees them: a
 * password or role changed in the config file signs the user out (its old
 * access and refresh tokens answer 401), also for a user the admin API never
 * touched; a user removed from the file loses its tokens and API keys for good,
 * re-added or not. The last enabled admin of an org cannot be demoted or
 * disabled through the API, and an admin disabled through the API gets back in
 * when the operator changes its config entry. Every user says where it is defined
 * (`source`), and says the same after a restart and after changes through the API.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { request } from '../protocol/harness.js';
import { AgentUser, ORG, OWNS_PROCESS, USERS, useAgentServer, type Login } from './agent-fixtures.js';

const server = useAgentServer();

interface ConfigAgent { id: string; password?: string; role?: string; capacity?: number }
interface ConfigFile { orgs: { id: string; agents: ConfigAgent[] }[] }

/** Edits the server's config file as an operator would; applies at the next restart. */
function editConfig(edit: (agents: ConfigAgent[]) => ConfigAgent[]): void {
  const config = JSON.parse(readFileSync(server.configFile, 'utf8')) as ConfigFile;
  const org = config.orgs.find((o) => o.id === ORG)!;
  org.agents = edit(org.agents);
  writeFileSync(server.configFile, JSON.stringify(config, null, 2));
}

const me = (token: string) => request(server.baseUrl, 'GET', '/agent/v1/me', { headers: { Authorization: `Bearer ${token}` } });
const refresh = (refreshToken: string) => request(server.baseUrl, 'POST', '/agent/v1/auth/refresh', { body: { refreshToken } });
const login = (username: string, password: string) => request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: { username, password } });

describe.skipIf(!OWNS_PROCESS)('agent API: config users across a restart', () => {
  it('says which users come from the config file and which from the admin API, also after changes and restarts', async () => {
    const root = await AgentUser.login(server, USERS.root);
    const sources = async () => new Map((await root.ok<{ id: string; source: string }[]>('GET', '/agent/v1/admin/users')).map((u) => [u.id, u.source]));
    const nina = await root.ok<{ id: string; source: string }>('POST', '/agent/v1/admin/users',
      { name: 'Nina Api', username: 'nina-api', password: 'nina-password', role: 'agent', skills: [], capacity: 1 });
    expect(nina.source).toBe('api');
    const before = await sources();
    expect(before.get(USERS.alice.id)).toBe('config');
    expect(before.get(USERS.root.id)).toBe('config');
    expect(before.get(nina.id)).toBe('api');
    // Changed through the API, a config user is still one: the file wins once its entry changes.
    const changed = await root.ok<{ source: string; name: string }>('PATCH', `/agent/v1/admin/users/${USERS.alice.id}`, { name: 'Alice Renamed' });
    expect(changed).toMatchObject({ name: 'Alice Renamed', source: 'config' });
    await root.ok('PATCH', `/agent/v1/admin/users/${nina.id}`, { capacity: 2 });

    await server.restart();
    const again = await AgentUser.login(server, USERS.root);
    const after = new Map((await again.ok<{ id: string; source: string; name: string }[]>('GET', '/agent/v1/admin/users')).map((u) => [u.id, u]));
    expect(after.get(USERS.alice.id), 'the API change stands, the user still comes from the file').toMatchObject({ name: 'Alice Renamed', source: 'config' });
    expect(after.get(nina.id)).toMatchObject({ source: 'api' });
    const ninaLogin = await login('nina-api', 'nina-password');
    expect((ninaLogin.json as { user: unknown }).user, 'the login answer carries it too').toMatchObject({ source: 'api' });
    expect(await again.ok('GET', '/agent/v1/me'), 'and GET /me').toMatchObject({ source: 'config' });

    // The entry changed in the file: the file wins, and the user is still the file's.
    editConfig((agents) => agents.map((a) => (a.id === USERS.alice.id ? { ...a, capacity: 4 } : a)));
    await server.restart();
    const third = await AgentUser.login(server, USERS.root);
    const last = new Map((await third.ok<{ id: string; source: string; name: string; capacity: number }[]>('GET', '/agent/v1/admin/users')).map((u) => [u.id, u]));
    expect(last.get(USERS.alice.id)).toMatchObject({ name: 'Alice Agent', capacity: 4, source: 'config' });
    expect(last.get(nina.id)).toMatchObject({ source: 'api' });
  });

  it('a password or role changed in the config file revokes the tokens of a user the admin API never touched', async () => {
    const bob = await AgentUser.login(server, USERS.bob);
    const carol = await AgentUser.login(server, USERS.carol);
    const root = await AgentUser.login(server, USERS.root);
    const key = await root.ok<{ key: string }>('POST', '/agent/v1/admin/api-keys', { userId: USERS.bob.id, name: 'ci', role: 'agent' });
    expect((await me(bob.accessToken)).status).toBe(200);

    editConfig((agents) => agents.map((a) =>
      a.id === USERS.bob.id ? { ...a, password: 'plain:bob-rotated' } : a.id === USERS.carol.id ? { ...a, role: 'supervisor' } : a));
    await server.restart();

    expect((await me(bob.accessToken)).status, 'the access token issued under the old password').toBe(401);
    expect((await refresh(bob.refreshToken)).status, 'the refresh token issued under the old password').toBe(401);
    expect((await login('bob', USERS.bob.password)).status).toBe(401);
    expect((await me(carol.accessToken)).status, 'a token issued under the old role').toBe(401);
    expect((await refresh(carol.refreshToken)).status).toBe(401);
    expect((await me(root.accessToken)).status, 'an unchanged entry keeps its tokens').toBe(200);
    // API keys are revoked by their DELETE or by disabling the user, not by a new password.
    expect((await me(key.key)).status).toBe(200);

    const again = await login('bob', 'bob-rotated');
    expect(again.status, again.text).toBe(200);
    const pair = again.json as { accessToken: string; refreshToken: string };
    await server.restart();
    expect((await me(pair.accessToken)).status, 'a later restart with the same file keeps the new tokens').toBe(200);
    expect((await refresh(pair.refreshToken)).status).toBe(200);
  });

  it('a user removed from the config file loses its tokens and API keys, also once it is added back', async () => {
    const bill = await AgentUser.login(server, USERS.bill);
    const root = await AgentUser.login(server, USERS.root);
    const key = await root.ok<{ key: string }>('POST', '/agent/v1/admin/api-keys', { userId: USERS.bill.id, name: 'ci', role: 'agent' });
    let removed: ConfigAgent | undefined;
    editConfig((agents) => agents.filter((a) => a.id !== USERS.bill.id || ((removed = a), false)));
    await server.restart();
    expect((await me(bill.accessToken)).status).toBe(401);
    expect((await me(key.key)).status).toBe(401);

    editConfig((agents) => [...agents, removed!]);
    await server.restart();
    expect((await me(bill.accessToken)).status, 'the token from before the removal').toBe(401);
    expect((await refresh(bill.refreshToken)).status).toBe(401);
    expect((await me(key.key)).status, 'the API key from before the removal').toBe(401);
    expect((await login('bill', USERS.bill.password)).status, 'the user itself is back').toBe(200);
  });

  it('refuses to demote or disable the last enabled admin of an org (409), and the config file gets an admin disabled through the API back in', async () => {
    const root = await AgentUser.login(server, USERS.root);
    for (const patch of [{ role: 'agent' }, { role: 'supervisor' }, { disabled: true }]) {
      const res = await root.call('PATCH', `/agent/v1/admin/users/${USERS.root.id}`, patch);
      expect(res.status, JSON.stringify(patch)).toBe(409);
      expect(res.text).toMatch(/^Would leave the organization without an enabled admin: /);
    }
    expect(await root.ok('GET', '/agent/v1/me')).toMatchObject({ role: 'admin', disabled: false });

    // With a second admin, one admin may disable the other, but not then itself.
    const ada: Login = { id: '0050000000000AD', username: 'ada', password: 'ada-password', name: 'Ada Admin' };
    await root.ok('POST', '/agent/v1/admin/users', { id: ada.id, name: ada.name, username: ada.username, password: ada.password, role: 'admin', skills: [], capacity: 0 });
    const adaUser = await AgentUser.login(server, ada);
    await adaUser.ok('PATCH', `/agent/v1/admin/users/${USERS.root.id}`, { disabled: true });
    expect((await adaUser.call('PATCH', `/agent/v1/admin/users/${ada.id}`, { disabled: true })).status).toBe(409);
    await adaUser.ok('PATCH', `/agent/v1/admin/users/${ada.id}`, { name: 'Ada Still Admin' });
    expect((await login('root', USERS.root.password)).status).toBe(401);

    // A restart with the same file leaves root disabled (the API's change stands)...
    await server.restart();
    expect((await login('root', USERS.root.password)).status).toBe(401);
    // ...a changed entry (here a new password) is the operator's way back in.
    editConfig((agents) => agents.map((a) => (a.id === USERS.root.id ? { ...a, password: 'plain:root-recovered' } : a)));
    await server.restart();
    const back = await login('root', 'root-recovered');
    expect(back.status, back.text).toBe(200);
    expect((back.json as { user: unknown }).user).toMatchObject({ role: 'admin', disabled: false });
  });
});
